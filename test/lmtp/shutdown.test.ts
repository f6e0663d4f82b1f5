// 421 at shutdown under the real master: when the master stops, a session waiting for its next
// command gets "421 4.3.2" at once; a session in the middle of a transaction finishes it (its 250
// means stored) and then gets 421. The MTA sends the refused message again to the restarted
// service: every message is in the mailbox exactly once.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ImapdConfig } from '../../src/config/index.js';
import { MailStore } from '../../src/store/index.js';
import { ensureBuilt } from '../imap/harness.js';
import { RunningMaster, tempServer, type TempServer } from '../master/helpers.js';
import { LmtpClient, message, storedMessages } from './harness.js';

let server: TempServer;
let unixPath: string;

beforeAll(() => {
  ensureBuilt();
  server = tempServer('', 'lmtpsocket: {configdirectory}/socket/lmtp\n');
  unixPath = join(server.dir, 'conf', 'socket', 'lmtp');
  mkdirSync(join(server.dir, 'conf', 'socket'), { recursive: true });
  writeFileSync(server.cyrusConf, `SERVICES {\n  lmtpunix cmd="lmtpd" listen="${unixPath}" prefork=1\n}\n`);
  const store = MailStore.open({ config: ImapdConfig.load(server.imapdConf) });
  store.createMailbox('user.fred', { acl: 'fred\tlrswipkxtecdan\t' });
  store.close();
}, 60_000);

afterAll(() => server?.cleanup());

async function session(): Promise<LmtpClient> {
  const c = await LmtpClient.connect({ path: unixPath });
  expect(await c.command('LHLO mta')).toMatch(/^250/);
  return c;
}

it('says 421 4.3.2 to open sessions when the master stops, after the transaction in progress; nothing is lost', async () => {
  let master = RunningMaster.start(server);
  await master.address('lmtpunix');
  const idle = await session();
  const busy = await session();
  busy.write('MAIL FROM:<mta@x>\r\nRCPT TO:<fred>\r\n');
  expect((await busy.replies(2)).map((r) => r.slice(0, 3))).toEqual(['250', '250']);

  const stopped = master.stop();
  // The idle session is told at once and closed; the MTA will send its message later.
  expect((await idle.replies(1, 10_000))[0]).toMatch(/^421 4\.3\.2 /);
  await idle.waitClosed();
  // The session in a transaction finishes it: its 250 means the message is stored. Then 421.
  busy.write(`DATA\r\n`);
  expect((await busy.replies(1))[0]).toMatch(/^354 /);
  busy.write(`${message('during-shutdown@x')}.\r\n`);
  const [stored, closing] = await busy.replies(2, 10_000);
  expect(stored).toMatch(/^250 2\.1\.5 /);
  expect(closing).toMatch(/^421 4\.3\.2 /);
  await busy.waitClosed();
  expect(await stopped).toBe(0);

  // The MTA retries the refused message once the service is back.
  master = RunningMaster.start(server);
  try {
    await master.address('lmtpunix');
    const retry = await session();
    retry.write('MAIL FROM:<mta@x>\r\nRCPT TO:<fred>\r\nDATA\r\n');
    expect((await retry.replies(3)).map((r) => r.slice(0, 3))).toEqual(['250', '250', '354']);
    retry.write(`${message('refused-at-shutdown@x')}.\r\n`);
    expect((await retry.replies(1))[0]).toMatch(/^250 /);
    retry.close();
  } finally {
    await master.stop();
  }
  const store = MailStore.open({ config: ImapdConfig.load(server.imapdConf) });
  const messages = await storedMessages(store, 'user.fred');
  store.close();
  for (const id of ['during-shutdown@x', 'refused-at-shutdown@x']) {
    expect({ id, copies: messages.filter((m) => m.includes(`<${id}>`)).length }).toEqual({ id, copies: 1 });
  }
  expect(messages.length).toBe(2);
}, 60_000);
