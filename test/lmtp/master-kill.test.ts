// lmtpd under the real master: TCP (lmtpd -a) and the UNIX socket, and kill -9 of the lmtpd worker
// in the middle of a stream of deliveries. The client behaves as an MTA: a message without its 250
// is sent again (same Message-ID) once the service is back. Afterwards every acknowledged message
// is in the mailbox, once, and reconstruct finds nothing to fix.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { join } from 'node:path';
import { ImapdConfig } from '../../src/config/index.js';
import { MailStore } from '../../src/store/index.js';
import { runReconstruct } from '../../src/tools/reconstruct.js';
import { ensureBuilt } from '../imap/harness.js';
import { RunningMaster, tempServer, type TempServer } from '../master/helpers.js';
import { LmtpClient, message, storedMessages } from './harness.js';

let server: TempServer;
let master: RunningMaster;
let unixPath: string;
let tcpAddress: string;

beforeAll(async () => {
  ensureBuilt();
  server = tempServer('', 'lmtpsocket: {configdirectory}/socket/lmtp\n');
  unixPath = join(server.dir, 'conf', 'socket', 'lmtp');
  const { writeFileSync, mkdirSync } = await import('node:fs');
  mkdirSync(join(server.dir, 'conf', 'socket'), { recursive: true });
  writeFileSync(server.cyrusConf, `SERVICES {\n  lmtp cmd="lmtpd -a" listen="127.0.0.1:0" prefork=1\n  lmtpunix cmd="lmtpd" listen="${unixPath}" prefork=1\n}\n`);
  const store = MailStore.open({ config: ImapdConfig.load(server.imapdConf) });
  store.createMailbox('user.fred', { acl: 'fred\tlrswipkxtecdan\t' });
  store.close();
  master = RunningMaster.start(server);
  tcpAddress = await master.address('lmtp');
  await master.address('lmtpunix');
}, 60_000);

afterAll(async () => {
  await master?.stop();
  server?.cleanup();
});

async function deliverOnce(c: LmtpClient, id: string): Promise<string> {
  c.write(`MAIL FROM:<mta@x>\r\nRCPT TO:<fred>\r\nDATA\r\n`);
  const [mail, rcpt, data] = await c.replies(3);
  if (!mail!.startsWith('250') || !rcpt!.startsWith('250') || !data!.startsWith('354')) throw new Error(`refused: ${mail} ${rcpt} ${data}`);
  c.write(`${message(id)}.\r\n`);
  return (await c.replies(1))[0]!;
}

it('takes mail on TCP with -a (no AUTH) and on the UNIX socket', async () => {
  const [host, port] = tcpAddress.split(':');
  expect(host).toBe('127.0.0.1');
  for (const target of [{ port: Number(port) }, { path: unixPath }]) {
    const c = await LmtpClient.connect(target);
    await c.command('LHLO mta');
    expect(await deliverOnce(c, `svc-${'port' in target ? 'tcp' : 'unix'}@x`)).toMatch(/^250 2\.1\.5 /);
    c.close();
  }
});

it('loses nothing and stores nothing twice when the worker is killed mid-stream', async () => {
  const total = 60;
  const acknowledged = new Set<string>();
  let killed = false;
  let retried = 0;
  let client: LmtpClient | null = null;
  for (let i = 0; i < total; ) {
    const id = `kill-${i}@x`;
    try {
      if (client === null) {
        client = await LmtpClient.connect({ path: unixPath });
        await client.command('LHLO mta');
      }
      if (i === 20 && !killed) {
        killed = true;
        const pid = master.workerPids('lmtpunix').at(-1)!;
        // Send the message, then kill the worker while it is being stored or acknowledged.
        const pending = deliverOnce(client, id);
        await new Promise((resolve) => setTimeout(resolve, 2));
        process.kill(pid, 'SIGKILL');
        const reply = await pending;
        if (reply.startsWith('250')) acknowledged.add(id);
        i++;
        continue;
      }
      const reply = await deliverOnce(client, id);
      expect(reply).toMatch(/^250 /);
      acknowledged.add(id);
      i++;
    } catch {
      // Connection lost or service refused while restarting: an MTA waits and sends the same message again.
      client?.close();
      client = null;
      retried++;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
  client?.close();
  expect(killed).toBe(true);
  expect(acknowledged.size).toBe(total);
  const store = MailStore.open({ config: ImapdConfig.load(server.imapdConf) });
  const stored = await storedMessages(store, 'user.fred');
  store.close();
  for (let i = 0; i < total; i++) {
    const copies = stored.filter((m) => m.includes(`<kill-${i}@x>`)).length;
    expect({ i, copies }).toEqual({ i, copies: 1 });
  }
  let out = '';
  let err = '';
  runReconstruct(['user.fred'], { config: server.imapdConf, check: true, full: true }, (t) => (out += t), (t) => (err += t));
  // An append killed before its commit leaves a temp file (.tmp-PID-...); the restarted worker's
  // first append to the mailbox removes it, so reconstruct finds nothing at all to fix.
  const problems = out.split('\n').filter((l) => l.includes('needs:'));
  expect({ problems, err }).toEqual({ problems: [], err: '' });
  expect(retried).toBeGreaterThan(0); // the killed connection had to be opened again
}, 120_000);
