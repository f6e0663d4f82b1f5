// An in-process IMAP server on a temp (or kept) directory for the FETCH benches, and the one way they
// fill fred's INBOX (fsync_disabled: the benches measure reading, not durable appends).
import * as fs from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { silentLogger } from '../src/common/log.js';
import { ImapdConfig } from '../src/config/index.js';
import { ImapServer } from '../src/imap/server.js';

const BATCH = 1000;

export interface BenchServer {
  imap: ImapServer;
  /** Listen on an ephemeral loopback port and return it. */
  listen(): Promise<number>;
  close(): Promise<void>;
}

/**
 * A server whose configdirectory and default partition live under `dir` (made if missing).
 * `shipped`: fsync on and the password hashing cost the server ships (a bench whose figure must
 * not depend on cheaper settings); otherwise fsync_disabled and a cheap scrypt cost, for benches
 * that measure reading only.
 */
export function benchServer(dir: string, opts: { shipped?: boolean } = {}): BenchServer {
  fs.mkdirSync(join(dir, 'conf'), { recursive: true });
  fs.mkdirSync(join(dir, 'spool'), { recursive: true });
  const lines = [`configdirectory: ${join(dir, 'conf')}`, `partition-default: ${join(dir, 'spool')}`, 'allowplaintext: yes', 'autocreate_quota: 0'];
  if (!opts.shipped) lines.push('fsync_disabled: yes');
  const config = ImapdConfig.fromText(lines.join('\n'), join(dir, 'imapd.conf')).forService('imap');
  const auth = opts.shipped ? {} : { passwordStore: { scrypt: { N: 1024, r: 8, p: 1 }, scramIterations: 64 } };
  const imap = ImapServer.create({ config, serviceName: 'imap', logger: silentLogger(), auth });
  const listener: Server = createServer((socket) => imap.handleConnection(socket, { tls: false, unixSocket: false, localAddress: socket.localAddress, remoteAddress: socket.remoteAddress }));
  return {
    imap,
    async listen() {
      await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
      return (listener.address() as { port: number }).port;
    },
    async close() {
      await imap.shutdown(Date.now());
      if (listener.listening) await new Promise<void>((resolve) => listener.close(() => resolve()));
      imap.close();
    },
  };
}

/** User fred (password "pass") with `count` messages in INBOX: half \Seen, some \Flagged $Work. Returns ms. */
export async function fillInbox(imap: ImapServer, count: number, message: (i: number) => Buffer): Promise<number> {
  await imap.deps.auth.store.setPassword('fred', 'pass');
  imap.deps.store.createMailbox('user.fred', { acl: 'fred\tlrswipkxtecdan\t' });
  const started = performance.now();
  const mailbox = imap.deps.store.openMailbox('user.fred');
  try {
    for (let from = 0; from < count; from += BATCH) {
      const items = [];
      for (let i = from; i < Math.min(count, from + BATCH); i++) items.push({ content: message(i), flags: i % 2 === 0 ? ['\\Seen'] : i % 7 === 0 ? ['\\Flagged', '$Work'] : [] });
      await mailbox.append(items, { userid: 'fred' });
    }
  } finally {
    mailbox.close();
  }
  return performance.now() - started;
}
