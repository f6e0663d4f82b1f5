// Moves one mailbox back and forth between the partitions "default" and "other" until killed.
// Before each move it prints "start N TARGET"; after the move returned, "moved N TARGET MS"
// (MS: how long the move took). Uses the compiled store in dist/.
// argv: configFile mailbox
import { writeSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { ImapdConfig } from '../../dist/src/config/index.js';
import { MailStore } from '../../dist/src/store/index.js';

const [configFile, mailbox] = process.argv.slice(2);
const store = MailStore.open({ config: ImapdConfig.load(configFile) });
for (let n = 0; ; n++) {
  const target = store.lookup(mailbox).partition === 'default' ? 'other' : 'default';
  writeSync(1, `start ${n} ${target}\n`);
  const began = performance.now();
  store.renameMailbox(mailbox, mailbox, { partition: target });
  writeSync(1, `moved ${n} ${target} ${(performance.now() - began).toFixed(1)}\n`);
}
