// Run by fsync-group-commit-kill.test.ts (fork): the compiled store in dist/, SESSIONS appends in
// flight at once on one mailbox (their WAL and directory fsyncs shared), each followed by a durable
// flag change. Prints "uid N" once an append resolved and "flagged N" once its STORE did; the
// parent kills it with SIGKILL at a random moment. argv: configFile mailbox sessions
import { ImapdConfig } from '../../dist/src/config/index.js';
import { MailStore } from '../../dist/src/store/index.js';
import { writeSync } from 'node:fs';

const [configFile, mailbox, sessionsText] = process.argv.slice(2);
const store = MailStore.open({ config: ImapdConfig.load(configFile) });
const box = store.openMailbox(mailbox);
const say = (line) => writeSync(1, line + '\n');
const body = (s, i) => Buffer.from(`From: s${s}@example.com\r\nSubject: ${process.pid} ${s} ${i}\r\n\r\n${'y'.repeat(300 + ((s + i) % 5) * 200)}\r\n`);

await Promise.all(Array.from({ length: Number(sessionsText) }, async (_, s) => {
  for (let i = 0; ; i++) {
    const { uids } = await box.append([{ content: body(s, i) }], { userid: 'fred' });
    say(`uid ${uids[0]}`);
    await box.setFlagsDurably([uids[0]], 'add', ['\\Flagged'], { userid: 'fred' });
    say(`flagged ${uids[0]}`);
  }
}));
