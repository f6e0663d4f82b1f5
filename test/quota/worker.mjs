// Quota test worker run by child_process.fork: uses the compiled store in dist/.
// argv: configFile mode count mailbox[,mailbox...]
//   fill:  try `count` appends round-robin over the mailboxes; "ok" or "over" per try, then "done"
//   churn: append (a third flagged \Deleted) and expunge round-robin, `count` times (0: until
//          killed); "tick" after each acknowledged step
import { ImapdConfig } from '../../dist/src/config/index.js';
import { MailStore } from '../../dist/src/store/index.js';
import { writeSync } from 'node:fs';

const [configFile, mode, countText, list] = process.argv.slice(2);
const store = MailStore.open({ config: ImapdConfig.load(configFile) });
const names = list.split(',');
const count = Number(countText);
const say = (line) => writeSync(1, line + '\n');
const body = (i) => Buffer.from(`From: w${process.pid}@example.com\r\nSubject: ${process.pid} ${i}\r\n\r\n${'x'.repeat(300 + (i % 5) * 200)}\r\n`);

for (let i = 0; count === 0 || i < count; i++) {
  const box = store.openMailbox(names[i % names.length]);
  try {
    await box.append([{ content: body(i), flags: i % 3 === 0 ? ['\\Deleted'] : [] }]);
    if (mode === 'churn' && i % 4 === 3) box.expunge();
    say(mode === 'fill' ? 'ok' : 'tick');
  } catch (err) {
    if (err?.kind !== 'OverQuota') throw err;
    say('over');
  } finally {
    box.close();
  }
}
store.close();
say('done');
