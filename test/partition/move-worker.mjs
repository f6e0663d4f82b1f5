// Moves one mailbox back and forth between the partitions "default" and "other" until killed;
// prints "moved P" after each move returned. Uses the compiled store in dist/.
// argv: configFile mailbox
import { writeSync } from 'node:fs';
import { ImapdConfig } from '../../dist/src/config/index.js';
import { MailStore } from '../../dist/src/store/index.js';

const [configFile, mailbox] = process.argv.slice(2);
const store = MailStore.open({ config: ImapdConfig.load(configFile) });
for (;;) {
  const target = store.lookup(mailbox).partition === 'default' ? 'other' : 'default';
  store.renameMailbox(mailbox, mailbox, { partition: target });
  writeSync(1, `moved ${target}\n`);
}
