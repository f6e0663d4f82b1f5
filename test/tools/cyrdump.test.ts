// cyrdump (Cyrus's cyrdump(8)): one multipart/related document per mailbox the patterns select,
// an XML part (uniqueid, URL, nextuid, UID list, system flags) then every message as message/rfc822
// with its UID; every message of the matched mailboxes is there, byte for byte, and none of the
// others. Patterns as the other tools take them; one that selects nothing is an error, nothing
// written. The dump changes nothing (no \Recent taken, no modseq moved).
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import type { MailStore } from '../../src/store/index.js';
import { mailboxUrl, runCyrdump, type CyrdumpOptions } from '../../src/tools/cyrdump.js';
import { makeEnv, type TestEnv } from '../store/helpers.js';

const BIN = fileURLToPath(new URL('../../dist/bin/cyrusts.js', import.meta.url));

let env: TestEnv | null = null;
afterEach(() => {
  env?.cleanup();
  env = null;
});

function cli(args: string[]): Promise<{ status: number; stdout: Buffer; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { encoding: 'buffer', timeout: 20_000 }, (err, stdout, stderr) => {
      resolve({ status: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr: stderr.toString() });
    });
  });
}

async function run(patterns: string[], opts: Partial<CyrdumpOptions> = {}): Promise<{ status: number; out: Buffer; err: string }> {
  const chunks: Buffer[] = [];
  let err = '';
  let n = 0;
  const status = await runCyrdump(patterns, { config: env!.configFile, boundary: () => `dump-test-${++n}`, ...opts }, (c) => {
    chunks.push(typeof c === 'string' ? Buffer.from(c) : c);
  }, (t) => (err += t));
  return { status, out: Buffer.concat(chunks), err };
}

const message = (mailbox: string, n: number) => Buffer.from(`From: a@example.com\r\nSubject: ${mailbox} message ${n}\r\n\r\nbody of ${mailbox} ${n}\r\n`);

/** Mailboxes and how many messages each holds. */
const FILL: Array<[string, number]> = [['user.fred', 3], ['user.fred.Sent', 1], ['user.joe', 2], ['shared', 1], ['shared.lists', 0]];

async function fill(): Promise<MailStore> {
  env = makeEnv('fsync_disabled: yes\nunixhierarchysep: yes\nservername: mail.example.com');
  const store = env.open();
  for (const [name, count] of FILL) {
    store.createMailbox(name);
    const box = store.openMailbox(name);
    if (count > 0) await box.append(Array.from({ length: count }, (_, i) => ({ content: message(name, i + 1) })));
    box.close();
  }
  const fred = store.openMailbox('user.fred');
  fred.setFlags([2], 'add', ['\\Flagged', '\\Answered']);
  fred.setFlags([3], 'add', ['\\Deleted']);
  fred.close();
  return store;
}

interface Document {
  boundary: string;
  xml: string;
  messages: Array<{ uid: number; bytes: Buffer }>;
}

/** A dump read back into its documents (each opens with its own Content-Type line). */
function readDump(dump: Buffer): Document[] {
  const text = dump.toString('latin1');
  const docs: Document[] = [];
  const open = /Content-Type: multipart\/related; boundary="([^"]+)"\n\n/g;
  let m: RegExpExecArray | null;
  while ((m = open.exec(text)) !== null) {
    const boundary = m[1]!;
    const start = m.index + m[0].length;
    const close = text.indexOf(`\n--${boundary}--\n`, start);
    expect(close, `closing line of ${boundary}`).toBeGreaterThan(0);
    const parts = text.slice(start, close).split(new RegExp(`(?:^|\\n)--${boundary}\\n`)).slice(1);
    const [xmlPart, ...messageParts] = parts;
    expect(xmlPart!.startsWith('Content-Type: text/xml\nIMAP-Dump-Version: 0\n\n')).toBe(true);
    docs.push({
      boundary,
      xml: xmlPart!,
      messages: messageParts.map((part) => {
        const head = /^Content-Type: message\/rfc822\nContent-ID: (\d+)\n\n/.exec(part)!;
        expect(head, part.slice(0, 80)).not.toBeNull();
        return { uid: Number(head[1]), bytes: Buffer.from(part.slice(head[0].length), 'latin1') };
      }),
    });
    open.lastIndex = close;
  }
  return docs;
}

/** Which mailbox each document is (by its URL) and its messages' subjects. */
function summary(docs: Document[]): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const doc of docs) {
    const url = /<mailbox-url>([^<]+)<\/mailbox-url>/.exec(doc.xml)![1]!;
    out[url] = doc.messages.map((m) => /Subject: ([^\r]+)/.exec(m.bytes.toString())![1]!);
  }
  return out;
}

const subjects = (name: string): string[] => Array.from({ length: FILL.find(([n]) => n === name)![1] }, (_, i) => `${name} message ${i + 1}`);
const url = (name: string) => mailboxUrl('mail.example.com', name);

describe('cyrdump selects', () => {
  it.each([
    ['a name: that mailbox only, not those below it', ['user/fred'], ['user.fred']],
    ['the other separator', ['user.fred'], ['user.fred']],
    ['* : the whole hierarchy below', ['user/*'], ['user.fred', 'user.fred.Sent', 'user.joe']],
    ['% : one level', ['user/%'], ['user.fred', 'user.joe']],
    ['several, each once', ['shared*', 'shared/lists', 'user/joe'], ['shared', 'shared.lists', 'user.joe']],
  ])('%s', async (_name, patterns, expected) => {
    await fill();
    const result = await run(patterns);
    expect(result.err).toBe('');
    expect(result.status).toBe(0);
    const got = summary(readDump(result.out));
    expect(got).toEqual(Object.fromEntries(expected.map((name) => [url(name), subjects(name)])));
  });
});

describe('cyrdump writes', () => {
  it('the XML part as Cyrus does, then every message byte for byte under its own UID', async () => {
    const store = await fill();
    const fred = store.openMailbox('user.fred');
    const uniqueId = fred.uniqueId;
    const modseq = fred.status().highestModseq;
    fred.close();
    const result = await run(['user/fred']);
    const docs = readDump(result.out);
    expect(docs).toHaveLength(1);
    expect(docs[0]!.xml).toBe([
      'Content-Type: text/xml',
      'IMAP-Dump-Version: 0',
      '',
      `<imapdump uniqueid="${uniqueId}">`,
      '  <mailbox-url>imap://mail.example.com/user.fred</mailbox-url>',
      '  <incremental-uid>0</incremental-uid>',
      '  <nextuid>4</nextuid>',
      '',
      '  <uidlist>1 2 3 </uidlist>',
      '',
      '  <flags>',
      '  <flag name="\\Answered" user="*">2 </flag>',
      '  <flag name="\\Deleted" user="*">3 </flag>',
      '  <flag name="\\Draft" user="*"></flag>',
      '  <flag name="\\Flagged" user="*">2 </flag>',
      '  </flags>',
      '</imapdump>',
      '',
    ].join('\n'));
    expect(docs[0]!.messages.map((m) => m.uid)).toEqual([1, 2, 3]);
    for (const m of docs[0]!.messages) expect(m.bytes.equals(message('user.fred', m.uid))).toBe(true);
    // Read only: no modseq moved, no \Recent taken.
    const after = store.openMailbox('user.fred');
    try {
      expect(after.status().highestModseq).toBe(modseq);
      expect(after.claimRecent()).toEqual([1, 2, 3]);
    } finally {
      after.close();
    }
  });

  it('a pattern that selects nothing: an error and nothing written; no pattern: usage', async () => {
    await fill();
    const missing = await run(['user/fred', 'user/nobody']);
    expect(missing.status).toBe(65);
    expect(missing.err).toContain('user/nobody: no such mailbox');
    expect(missing.out.length).toBe(0);
    expect((await run([])).status).toBe(64);
  });
});

describe('cyrdump, the built program', () => {
  it('dumps every message of the matched mailboxes and none of the others, -v counting them', async () => {
    await fill();
    const result = await cli(['cyrdump', '-C', env!.configFile, '-v', 'user/fred/*', 'shared']);
    expect(result.status).toBe(0);
    expect(result.stderr).toBe('cyrdump: user/fred/Sent: 1 message(s)\ncyrdump: shared: 1 message(s)\n');
    const docs = readDump(result.stdout);
    expect(docs.map((d) => d.boundary)).toEqual(docs.map(() => expect.stringMatching(/^dump-\d+-\d+-\d+$/)));
    expect(summary(docs)).toEqual({ [url('user.fred.Sent')]: subjects('user.fred.Sent'), [url('shared')]: subjects('shared') });
    for (const [name] of FILL.filter(([n]) => n !== 'user.fred.Sent' && n !== 'shared')) expect(result.stdout.toString()).not.toContain(`${name} message`);
  });
});
