// Test worker run by child_process.fork: uses the compiled store in dist/.
// argv: configFile mailbox mode count
//   hammer: append `count` messages one by one, flag and expunge as it goes; prints "uid N" per append
//   crash:  append forever (the parent kills it with SIGKILL); prints "uid N" after each append returns
//   multi:  as crash, by MULTIAPPEND of 1 to 40 messages at a time, every other one \Seen; prints
//           "uid N" (and "seen N" for the \Seen ones) for each message once the command returns
import { ImapdConfig } from '../../dist/src/config/index.js';
import { MailStore } from '../../dist/src/store/index.js';
import { writeSync } from 'node:fs';

const [configFile, mailbox, mode, countText] = process.argv.slice(2);
const store = MailStore.open({ config: ImapdConfig.load(configFile) });
const box = store.openMailbox(mailbox);
const count = Number(countText);
const say = (line) => writeSync(1, line + '\n');
const body = (i) => Buffer.from(`From: w${process.pid}@example.com\nSubject: ${process.pid} ${i}\n\n${'x'.repeat(500 + (i % 7) * 300)}\n`);

if (mode === 'multi') {
  for (let i = 0; ; ) {
    const items = [];
    for (let n = 1 + Math.floor(Math.random() * 40); n > 0; n--, i++) items.push({ content: body(i), flags: i % 2 === 0 ? ['\\Seen'] : ['$Work'] });
    const { uids } = await box.append(items, { userid: 'fred' });
    say(uids.map((uid, k) => `uid ${uid}${items[k].flags[0] === '\\Seen' ? `\nseen ${uid}` : ''}`).join('\n'));
  }
}

for (let i = 0; mode === 'crash' || i < count; i++) {
  const { uids } = await box.append([{ content: body(i), flags: i % 3 === 0 ? ['\\Deleted'] : [] }], { userid: 'fred' });
  say(`uid ${uids[0]}`);
  if (mode === 'hammer') {
    box.setFlags([uids[0] - 1, uids[0]], 'add', ['\\Flagged', '\\Seen'], { userid: 'fred' });
    if (i % 5 === 4) say(`expunged ${box.expunge().length}`);
  }
}
box.close();
store.close();
say('done');
