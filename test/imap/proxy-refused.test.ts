// Murder frontend IMAP: a backend that refuses the proxy login (wrong proxy_password) answers
// NO [UNAVAILABLE] with a clear text, and the frontend logs why.
import { pino } from 'pino';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { RawClient } from './harness.js';
import { startMurder, type Murder } from './proxy-murder.js';

const logged: Array<{ msg: string; backend?: string; err?: string }> = [];
let murder: Murder;
beforeAll(async () => {
  const logger = pino({ level: 'warn' }, { write: (line: string) => void logged.push(JSON.parse(line)) });
  murder = await startMurder({ backends: ['127.0.0.2'], frontendConf: ['proxy_password: wrong'], frontendLogger: logger });
  murder.mailbox('127.0.0.2', 'user.fred');
});
afterAll(async () => {
  await murder?.close();
});

it('a refused proxy login answers NO [UNAVAILABLE] and is logged', async () => {
  const c = await RawClient.connect(murder.frontend.port);
  expect((await c.command('L', 'LOGIN fred pass')).at(-1)).toMatch(/^L OK/);
  expect((await c.command('S', 'SELECT INBOX')).at(-1)).toBe('S NO [UNAVAILABLE] Server 127.0.0.2 is unavailable');
  expect((await c.command('N', 'NOOP')).at(-1)).toBe('N OK NOOP completed');
  c.close();
  const line = logged.find((l) => l.msg === 'backend unavailable');
  expect(line).toMatchObject({ backend: '127.0.0.2' });
  expect(line?.err).toMatch(/refused the proxy login/);
});
