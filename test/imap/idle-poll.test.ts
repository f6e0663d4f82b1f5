import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/common/log.js';
import { MailStore } from '../../src/store/index.js';
import { RawClient, startTestServer, type TestServer } from './harness.js';

let server: TestServer;

beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server.close();
});

describe('IDLE safety poll', () => {
  it('pushes EXISTS for an append made through a store that publishes no notification', async () => {
    const c = await RawClient.connect(server.port);
    await c.command('a', 'LOGIN fred pass');
    expect((await c.command('b', 'SELECT INBOX')).join('\n')).toContain('* 0 EXISTS');
    c.write('i IDLE\r\n');
    expect(await c.readLine()).toBe('+ idling');
    // A second store in this process, without a notifier: its change reaches no session directly.
    const quiet = MailStore.open({ config: server.config, logger: silentLogger() });
    const mailbox = quiet.openMailbox('user.fred');
    const started = Date.now();
    await mailbox.append([{ content: Buffer.from('From: a@example.com\r\nSubject: quiet\r\n\r\nbody\r\n') }]);
    mailbox.close();
    quiet.close();
    const lines = await c.readUntil((l) => /^\* \d+ EXISTS$/.test(l), 6500);
    expect(lines.at(-1)).toBe('* 1 EXISTS');
    console.log(`safety poll delivered EXISTS after ${Date.now() - started} ms`);
    c.write('DONE\r\n');
    expect((await c.readUntil((l) => l.startsWith('i '))).at(-1)).toMatch(/^i OK/);
    c.close();
  }, 10_000);
});
