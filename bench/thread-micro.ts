// THREAD in one process, without the wire: a mailbox of N messages (the imap-100k corpus) filled
// through the store once (kept with --dir), then per algorithm the time to read what threading
// needs from the index (cold, and kept by the process) and the time to thread and to format it. Quick to repeat while changing
// src/message/threads.ts; the figure beside the peers is imap-100k's THREAD REFERENCES row.
//   npm run bench -- thread-micro [--messages 100000] [--runs 5] [--dir PATH]
import * as fs from 'node:fs';
import * as os from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ImapdConfig } from '../src/config/index.js';
import { formatForest, orderedSubjectForest, referencesForest, refsForest, type ThreadForest, type ThreadSelection } from '../src/message/index.js';
import { forgetThreadInput } from '../src/mailbox/thread-input.js';
import { MailStore } from '../src/store/index.js';
import { benchMessage } from './_imap-client.js';

const { values } = parseArgs({
  options: {
    messages: { type: 'string', default: '100000' },
    runs: { type: 'string', default: '5' },
    dir: { type: 'string' },
  },
});
const MESSAGES = Number(values.messages);
const RUNS = Number(values.runs);
const dir = values.dir ?? fs.mkdtempSync(join(os.tmpdir(), 'thread-micro-'));
fs.mkdirSync(dir, { recursive: true });
const configFile = join(dir, 'imapd.conf');
fs.writeFileSync(configFile, [`configdirectory: ${join(dir, 'conf')}`, `partition-default: ${join(dir, 'spool')}`, 'defaultpartition: default', ''].join('\n'));
const store = MailStore.open({ config: ImapdConfig.load(configFile) });
const NAME = 'user.threader';
try {
  store.createMailbox(NAME);
} catch {
  // kept from an earlier run
}
const mailbox = store.openMailbox(NAME);
const have = mailbox.status().messages;
if (have < MESSAGES) {
  const start = performance.now();
  for (let at = have; at < MESSAGES; at += 1000) {
    const items = [];
    for (let i = at; i < Math.min(MESSAGES, at + 1000); i++) items.push({ content: benchMessage(i) });
    await mailbox.append(items, { userid: 'threader' });
  }
  console.error(`thread-micro: filled ${have} → ${MESSAGES} in ${((performance.now() - start) / 1000).toFixed(1)} s`);
}

const indexFile = join(dir, 'spool', 'user', 'threader', 'cyrus.index');
const cpuMs = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
/** Wall and CPU ms of `fn`, medians of RUNS. */
function measure(fn: () => unknown): string {
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let r = 0; r < RUNS; r++) {
    globalThis.gc?.();
    const c = cpuMs();
    const t = performance.now();
    fn();
    wall.push(performance.now() - t);
    cpu.push(cpuMs() - c);
  }
  return `${median(wall).toFixed(1)} ms (cpu ${median(cpu).toFixed(1)})`;
}

console.log(`thread-micro: ${MESSAGES} messages, medians of ${RUNS}`);
console.log(`thread-micro: read cold (index → ThreadInput)  ${measure(() => {
  forgetThreadInput(indexFile);
  return mailbox.fields.threadInput();
})}`);
console.log(`thread-micro: read kept (ThreadInput of the process)  ${measure(() => mailbox.fields.threadInput())}`);
const input = mailbox.fields.threadInput();
const rows = new Int32Array(input.count);
const labels = new Float64Array(input.count);
for (let i = 0; i < input.count; i++) {
  rows[i] = i;
  labels[i] = i + 1;
}
const selection: ThreadSelection = { rows, labels };
const algorithms: Array<[string, () => ThreadForest]> = [
  ['REFERENCES', () => referencesForest(input, selection)],
  ['ORDEREDSUBJECT', () => orderedSubjectForest(input, selection)],
  ['REFS', () => refsForest(input, selection)],
];
for (const [name, run] of algorithms) {
  const forest = run();
  console.log(`thread-micro: ${name.padEnd(15)} thread ${measure(run)}, format ${measure(() => formatForest(forest))} (${formatForest(forest).length} chars)`);
}
mailbox.close();
store.close();
if (values.dir === undefined) fs.rmSync(dir, { recursive: true, force: true });
