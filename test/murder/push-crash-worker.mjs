// Run by push-crash.test.ts (fork): a Murder backend process on the compiled store that creates a
// mailbox and starts pushing it to a master that never answers, then says "committed" and waits
// for the parent's SIGKILL. argv: configFile mailbox
import { writeSync } from 'node:fs';
import { ImapdConfig } from '../../dist/src/config/index.js';
import { MailStore } from '../../dist/src/store/index.js';
import { listPublisherFactory } from '../../dist/src/murder/index.js';

const [configFile, mailbox] = process.argv.slice(2);
const store = MailStore.open({ config: ImapdConfig.load(configFile), publisher: listPublisherFactory(() => new Promise(() => {})) });
store.createMailbox(mailbox, { acl: 'fred\tlrswipkxtecdan\t' });
// The push is under way: this process holds the drain lease, its connect hangs.
while (store.murderOutbox.lease()?.pid !== process.pid) await new Promise((r) => setTimeout(r, 5));
writeSync(1, 'committed\n');
setInterval(() => undefined, 60_000);
