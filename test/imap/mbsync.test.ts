// mbsync (isync), a real IMAP client, synchronising a Maildir with the server both ways.
import { execFile, execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Session } from '../../src/imap/session/session.js';
import { startTestServer, type TestServer } from './harness.js';

const hasMbsync = (() => {
  try {
    execFileSync('mbsync', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

let server: TestServer;
const sessions: Session[] = [];
let maildir: string;
let configFile: string;

function mbsync(...flags: string[]): Promise<string> {
  return new Promise((resolve, reject) =>
    execFile('mbsync', ['-c', configFile, ...flags, '-a'], { timeout: 30_000 }, (err, stdout, stderr) => (err ? reject(new Error(`${err.message}\n${stdout}${stderr}`)) : resolve(stdout + stderr))),
  );
}

beforeAll(async () => {
  server = await startTestServer();
  const handle = server.imap.handleConnection.bind(server.imap);
  server.imap.handleConnection = (socket, options) => {
    const session = handle(socket, options);
    sessions.push(session);
    return session;
  };
  const store = server.imap.deps.store;
  store.createMailbox('user.fred', { acl: 'fred\tlrswipkxtecdan\t' });
  store.createMailbox('user.fred.Work', { acl: 'fred\tlrswipkxtecdan\t' });
  const inbox = store.openMailbox('user.fred');
  await inbox.append([1, 2, 3].map((i) => ({ content: Buffer.from(`From: a@example.com\r\nSubject: server ${i}\r\nMessage-ID: <s${i}@example.com>\r\n\r\nbody ${i}\r\n`), flags: i === 1 ? ['\\Seen'] : [] })), { userid: 'fred' });
  inbox.close();
  maildir = join(server.dir, 'maildir');
  mkdirSync(maildir);
  configFile = join(server.dir, 'mbsyncrc');
  writeFileSync(configFile, [
    'IMAPAccount test', 'Host 127.0.0.1', `Port ${server.port}`, 'User fred', 'Pass pass', 'SSLType None', 'AuthMechs LOGIN', '',
    'IMAPStore remote', 'Account test', '',
    'MaildirStore local', `Path ${maildir}/`, `Inbox ${maildir}/INBOX`, 'SubFolders Verbatim', '',
    'Channel sync', 'Far :remote:', 'Near :local:', 'Patterns *', 'Create Both', 'Expunge Both', 'SyncState *', '',
  ].join('\n'));
});
afterAll(async () => {
  await server?.close();
});

describe.skipIf(!hasMbsync)('mbsync', () => {
  it('pulls every folder and message, then pushes a new message and a flag change back', async () => {
    await mbsync();
    const cur = (folder: string) => [...readdirSync(join(maildir, folder, 'cur')), ...readdirSync(join(maildir, folder, 'new'))];
    expect(cur('INBOX')).toHaveLength(3);
    expect(cur('INBOX').filter((f) => /:2,.*S/.test(f))).toHaveLength(1);
    expect(readdirSync(maildir)).toContain('Work');

    const unseenBefore = cur('INBOX').find((f) => !/:2,.*S/.test(f));
    expect(unseenBefore).toBeDefined();
    writeFileSync(join(maildir, 'INBOX', 'new', '1700000000.local.host'), 'From: me@example.com\nSubject: written locally\n\nhello\n');
    // Read and flag one of the unread messages locally (mbsync keeps unread ones in new/ or cur/).
    const folderOf = (f: string) => (readdirSync(join(maildir, 'INBOX', 'cur')).includes(f) ? 'cur' : 'new');
    const unseen = unseenBefore!;
    renameSync(join(maildir, 'INBOX', folderOf(unseen), unseen), join(maildir, 'INBOX', 'cur', `${unseen.replace(/:2,.*$/, '')}:2,FS`));
    await mbsync();

    const box = server.imap.deps.store.openMailbox('user.fred');
    try {
      const snapshot = box.snapshot('fred');
      expect(snapshot.count).toBe(4);
      const flags = Array.from({ length: snapshot.count }, (_, i) => snapshot.flags(i));
      expect(flags.filter((f) => f.includes('\\Seen'))).toHaveLength(2);
      expect(flags.filter((f) => f.includes('\\Flagged'))).toHaveLength(1);
      const last = (await box.readMessage(snapshot.uids[3]!))!.toString();
      expect(last).toContain('Subject: written locally\r\n');
    } finally {
      box.close();
    }
  });

  it('negotiates COMPRESS=DEFLATE by itself and syncs over it', async () => {
    const from = sessions.length;
    writeFileSync(join(maildir, 'INBOX', 'new', '1700000001.local.host'), 'From: me@example.com\nSubject: sent compressed\n\nhello again\n');
    const log = await mbsync('-D');
    expect(log).toMatch(/COMPRESS DEFLATE/);
    const mine = sessions.slice(from);
    expect(mine.length).toBeGreaterThan(0);
    expect(mine.every((s) => s.compressed)).toBe(true);
    const box = server.imap.deps.store.openMailbox('user.fred');
    try {
      const snapshot = box.snapshot('fred');
      const lastMessage = (await box.readMessage(snapshot.uids[snapshot.count - 1]!))!.toString();
      expect(lastMessage).toContain('Subject: sent compressed\r\n');
    } finally {
      box.close();
    }
  });
});
