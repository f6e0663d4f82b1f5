// Figure: LIST at 1,000,000 mailboxes, store level (MailStore.list) and IMAP level (LIST over a
// socket, for an ordinary user and for an admin).
// `npm run bench -- imap-list [users]` (10 mailboxes per user; default 100,000 users = 1M entries).
// mailboxes.db is built directly with bulk puts (no mailbox directories: LIST never opens them).
import * as fs from 'node:fs';
import { createConnection, createServer, type Socket } from 'node:net';
import * as os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { silentLogger } from '../src/common/log.js';
import { ImapdConfig } from '../src/config/index.js';
import { ImapServer } from '../src/imap/server.js';
import { MailStore, type MailboxEntry } from '../src/store/index.js';

const FOLDERS = ['', '.Sent', '.Trash', '.Drafts', '.Junk', '.Archive', '.Archive.2020', '.Archive.2021', '.Archive.2022', '.Lists'];
const OWNER_RIGHTS = 'lrswipkxtecdan';

function entry(name: string, n: number, acl: string): MailboxEntry {
  return { name, uniqueId: `id${n}`, partition: 'default', acl, type: [], server: null, createdModseq: 1, modifiedModseq: 1, uidValidity: 1, specialUse: null, quotaRoot: null };
}

/** 100,000 users with 10 folders each (owner-only ACLs), fred among them; 5 users share a folder with fred, 20 shared folders, 2 readable by anyone. */
function build(store: MailStore, users: number): number {
  let n = 0;
  store.mailboxes.write('bulk', () => {
    const put = (name: string, acl: string) => store.mailboxes.put(entry(name, n++, acl));
    for (let u = 0; u < users; u++) {
      const id = `u${String(u).padStart(7, '0')}`;
      const shareWithFred = u % Math.max(1, Math.floor(users / 5)) === 7;
      for (const f of FOLDERS) put(`user.${id}${f}`, `${id}\t${OWNER_RIGHTS}\t${shareWithFred && f === '.Lists' ? 'fred\tlr\t' : ''}`);
    }
    for (const f of FOLDERS) put(`user.fred${f}`, `fred\t${OWNER_RIGHTS}\t`);
    for (let s = 0; s < 20; s++) put(`shared.s${s}`, s < 2 ? 'anyone\tlr\t' : 'admin\tlrswipkxtecdan\t');
  });
  return n;
}

class Client {
  private buffer = '';
  private wake: (() => void) | null = null;
  private constructor(private readonly socket: Socket) {
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => {
      this.buffer += chunk;
      this.wake?.();
    });
  }
  static async connect(port: number): Promise<Client> {
    const socket = createConnection({ port, host: '127.0.0.1' });
    await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
    const client = new Client(socket);
    await client.until('* ');
    return client;
  }
  /** Lines up to and including the first one starting with `start`. */
  async until(start: string): Promise<string[]> {
    for (;;) {
      const at = this.buffer.startsWith(start) ? 0 : this.buffer.indexOf(`\r\n${start}`);
      if (at >= 0) {
        const end = this.buffer.indexOf('\r\n', at + 2);
        if (end >= 0) {
          const lines = this.buffer.slice(0, end).split('\r\n');
          this.buffer = this.buffer.slice(end + 2);
          return lines;
        }
      }
      await new Promise<void>((resolve) => (this.wake = resolve));
    }
  }
  async command(tag: string, text: string): Promise<string[]> {
    this.socket.write(`${tag} ${text}\r\n`);
    return this.until(`${tag} `);
  }
  close(): void {
    this.socket.destroy();
  }
}

async function imapTimings(dir: string, config: ImapdConfig): Promise<void> {
  const imap = ImapServer.create({ config, serviceName: 'imap', logger: silentLogger(), auth: { passwordStore: { scrypt: { N: 1024, r: 8, p: 1 }, scramIterations: 64 } } });
  for (const user of ['fred', 'admin']) await imap.deps.auth.store.setPassword(user, 'pass');
  const server = createServer((socket) => imap.handleConnection(socket, { tls: false, unixSocket: false, localAddress: socket.localAddress, remoteAddress: socket.remoteAddress }));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  try {
    for (const user of ['fred', 'admin']) {
      const client = await Client.connect(port);
      await client.command('l', `LOGIN ${user} pass`);
      let tag = 0;
      for (const pattern of ['*', '%']) {
        const t = performance.now();
        const lines = await client.command(`t${tag++}`, `LIST "" "${pattern}"`);
        console.log(`imap-list: ${user} LIST "" "${pattern}" → ${lines.length - 1} names in ${(performance.now() - t).toFixed(1)} ms (${lines.at(-1)!.split(' ')[1]})`);
      }
      client.close();
    }
  } finally {
    await imap.shutdown(Date.now());
    await new Promise<void>((resolve) => server.close(() => resolve()));
    imap.close();
    void dir;
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const users = Number(process.argv[2] ?? 100_000);
  const dir = fs.mkdtempSync(join(os.tmpdir(), 'bench-imap-list-'));
  try {
    fs.mkdirSync(join(dir, 'conf'));
    fs.mkdirSync(join(dir, 'spool'));
    const text = [`configdirectory: ${dir}/conf`, `partition-default: ${dir}/spool`, 'allowplaintext: yes', 'admins: admin', 'fsync_disabled: yes'].join('\n');
    fs.writeFileSync(join(dir, 'imapd.conf'), text);
    const config = ImapdConfig.load(join(dir, 'imapd.conf')).forService('imap');
    const store = MailStore.open({ config });
    const t0 = performance.now();
    const built = build(store, users);
    console.log(`imap-list: built ${built} entries in ${(performance.now() - t0).toFixed(0)} ms`);
    const probe = `user.u${String(Math.floor(users / 2)).padStart(7, '0')}`;
    for (const pattern of ['*', '%', 'user.%', `${probe}.*`, 'user.%.Sent', '*.Sent']) {
      const t = performance.now();
      const found = store.list(pattern).length;
      console.log(`imap-list: store.list(${pattern}) → ${found} in ${(performance.now() - t).toFixed(1)} ms`);
    }
    store.close();
    await imapTimings(dir, config);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
