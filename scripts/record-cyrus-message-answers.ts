/**
 * Re-make test/fixtures/messages/cyrus-answers.json: APPEND every corpus message to a real Cyrus 3.6
 * (see /work/shared/peers/README.md; `bash /work/shared/peers/cyrus-up.sh`) and record its raw
 * `FETCH (ENVELOPE BODYSTRUCTURE)` answer, and the bytes of a fixed list of BODY[section] / BINARY[section]
 * fetches (base64, null for NIL, or the error text of a tagged NO).
 *
 *   npx vite-node scripts/record-cyrus-message-answers.ts [host] [port] [user] [password] [searchUser]
 *
 * It also records, for the search corpus (appended to searchUser's INBOX), which messages each
 * `SEARCH CHARSET UTF-8 <key> <value>` matched. Both INBOXes are emptied first. Messages are sent line-end normalised, as our store keeps them.
 */
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { CORPUS } from '../test/fixtures/messages/corpus.js';
import { SEARCH_CORPUS, SEARCH_CRITERIA } from '../test/fixtures/messages/searchCorpus.js';
import { normalizeLineEnds } from '../src/message/index.js';

const [host = '127.0.0.1', port = '14301', user = 'user49', password = 'pass', searchUser = 'user48'] = process.argv.slice(2);

class RawImap {
  private buffered = Buffer.alloc(0);
  private waiting: (() => void) | null = null;
  private tagCounter = 0;

  constructor(private readonly socket: net.Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.buffered = Buffer.concat([this.buffered, chunk]);
      this.waiting?.();
    });
  }

  static connect(): Promise<RawImap> {
    return new Promise((resolve, reject) => {
      const socket = net.connect(Number(port), host, () => resolve(new RawImap(socket)));
      socket.once('error', reject);
    });
  }

  private async until(test: (text: Buffer) => number): Promise<Buffer> {
    for (;;) {
      const upto = test(this.buffered);
      if (upto >= 0) {
        const taken = this.buffered.subarray(0, upto);
        this.buffered = this.buffered.subarray(upto);
        return taken;
      }
      await new Promise<void>((resolve) => (this.waiting = resolve));
    }
  }

  /** One response line including its literals. */
  async line(): Promise<Buffer> {
    return this.until((data) => {
      let pos = 0;
      for (;;) {
        const eol = data.indexOf('\r\n', pos);
        if (eol === -1) return -1;
        const literal = /\{(\d+)\}$/.exec(data.toString('latin1', pos, eol));
        if (!literal) return eol + 2;
        pos = eol + 2 + Number(literal[1]);
        if (pos > data.length) return -1;
      }
    });
  }

  /** Send a command (optionally with one LITERAL+ payload) and collect lines up to the tagged reply. */
  async command(text: string, literal?: Buffer): Promise<{ untagged: Buffer[]; tagged: string }> {
    const tag = `r${++this.tagCounter}`;
    if (literal) {
      this.socket.write(`${tag} ${text} {${literal.length}+}\r\n`);
      this.socket.write(literal);
      this.socket.write('\r\n');
    } else this.socket.write(`${tag} ${text}\r\n`);
    const untagged: Buffer[] = [];
    for (;;) {
      const line = await this.line();
      const asText = line.toString('utf8');
      if (asText.startsWith(`${tag} `)) {
        if (!asText.startsWith(`${tag} OK`)) throw new Error(`${text.slice(0, 40)}: ${asText}`);
        return { untagged, tagged: asText.trimEnd() };
      }
      untagged.push(line);
    }
  }

  close(): void {
    this.socket.end();
  }
}

/** The section fetches recorded for every corpus message. */
export const SECTION_ITEMS = [
  'BODY.PEEK[HEADER]', 'BODY.PEEK[TEXT]', 'BODY.PEEK[1]', 'BODY.PEEK[1.MIME]', 'BODY.PEEK[2]', 'BODY.PEEK[2.MIME]',
  'BODY.PEEK[2.HEADER]', 'BODY.PEEK[2.TEXT]', 'BODY.PEEK[1.1]', 'BODY.PEEK[2.1]', 'BODY.PEEK[3]',
  'BODY.PEEK[HEADER.FIELDS (FROM subject X-Missing)]', 'BODY.PEEK[HEADER.FIELDS.NOT (From Subject)]',
  'BODY.PEEK[2.HEADER.FIELDS (Subject)]', 'BODY.PEEK[1]<2.5>', 'BINARY.PEEK[1]', 'BINARY.SIZE[1]', 'BINARY.PEEK[2]',
];

/** The value after the requested item in `* n FETCH (UID u ITEM value)`: bytes, null for NIL, undefined if absent. */
function itemValue(line: Buffer): Buffer | null | undefined {
  const text = line.toString('latin1');
  const uid = /UID \d+ /.exec(text);
  if (uid === null) return undefined; // "(UID n)" alone: the item was not returned
  // skip the item name, which may hold a parenthesised field list inside its brackets
  let pos = uid.index + uid[0].length;
  let depth = 0;
  while (pos < text.length && !(depth === 0 && text[pos] === ' ')) {
    if (text[pos] === '[') depth++;
    if (text[pos] === ']') depth--;
    pos++;
  }
  pos++;
  if (text.startsWith('NIL', pos)) return null;
  if (text[pos] === '{' || text.startsWith('~{', pos)) {
    const close = text.indexOf('}', pos);
    const length = Number(text.slice(text.indexOf('{', pos) + 1, close));
    return line.subarray(close + 3, close + 3 + length);
  }
  if (text[pos] === '"') {
    let out = '';
    for (pos++; text[pos] !== '"'; pos++) out += text[pos] === '\\' ? text[++pos] : text[pos];
    return Buffer.from(out, 'latin1');
  }
  const atom = /^\d+/.exec(text.slice(pos));
  return atom ? Buffer.from(atom[0], 'latin1') : undefined;
}

/** Criterion text ("BODY café") → names of the search-corpus messages Cyrus matched. */
async function recordSearches(): Promise<Record<string, string[]>> {
  const imap = await RawImap.connect();
  await imap.line();
  await imap.command(`LOGIN ${searchUser} ${password}`);
  await imap.command('SELECT INBOX');
  await imap.command('STORE 1:* +FLAGS.SILENT (\\Deleted)').catch(() => undefined);
  await imap.command('EXPUNGE');
  const names = new Map<string, string>();
  for (const message of SEARCH_CORPUS) {
    const appended = await imap.command('APPEND INBOX', normalizeLineEnds(message.content));
    names.set(/APPENDUID \d+ (\d+)/.exec(appended.tagged)![1]!, message.name);
  }
  const results: Record<string, string[]> = {};
  for (const { key, value } of SEARCH_CRITERIA) {
    const criterion = key.startsWith('SENT') ? `${key} ${value}` : `${key} "${value}"`;
    const answer = await imap.command(`UID SEARCH CHARSET UTF-8 ${criterion}`);
    const line = answer.untagged.map((l) => l.toString('utf8')).find((l) => l.startsWith('* SEARCH')) ?? '';
    results[`${key} ${value}`] = line.replace('* SEARCH', '').trim().split(/\s+/).filter(Boolean).map((uid) => names.get(uid)!);
  }
  await imap.command('LOGOUT').catch(() => undefined);
  imap.close();
  return results;
}

async function main(): Promise<void> {
  const imap = await RawImap.connect();
  await imap.line(); // greeting
  await imap.command(`LOGIN ${user} ${password}`);
  await imap.command('SELECT INBOX');
  await imap.command('STORE 1:* +FLAGS.SILENT (\\Deleted)').catch(() => undefined);
  await imap.command('EXPUNGE');
  const answers: Record<string, { fetch?: string; appendError?: string; sections?: Record<string, string | null> }> = {};
  for (const message of CORPUS) {
    try {
      const appended = await imap.command('APPEND INBOX', normalizeLineEnds(message.content));
      const uid = /APPENDUID \d+ (\d+)/.exec(appended.tagged)?.[1];
      if (uid === undefined) throw new Error(`no APPENDUID in ${appended.tagged}`);
      const fetched = await imap.command(`UID FETCH ${uid} (ENVELOPE BODYSTRUCTURE)`);
      const response = fetched.untagged.find((line) => / FETCH \(/.test(line.toString('latin1', 0, 40)));
      if (!response) throw new Error('no FETCH response');
      const sections: Record<string, string | null> = {};
      for (const item of SECTION_ITEMS) {
        try {
          const answer = await imap.command(`UID FETCH ${uid} (${item})`);
          const line = answer.untagged.find((l) => / FETCH \(/.test(l.toString('latin1', 0, 40)));
          const value = line === undefined ? undefined : itemValue(line);
          sections[item] = value === undefined ? 'MISSING' : value === null ? null : value.toString('base64');
        } catch (err) {
          sections[item] = `ERROR ${(err as Error).message.replace(/^.*?: r\d+ /, '').trim()}`;
        }
      }
      answers[message.name] = { fetch: response.toString('utf8').replace(/\r\n$/, ''), sections };
    } catch (err) {
      answers[message.name] = { appendError: (err as Error).message };
    }
  }
  await imap.command('LOGOUT').catch(() => undefined);
  imap.close();
  const search = await recordSearches();
  const target = path.join(import.meta.dirname ?? path.dirname(new URL(import.meta.url).pathname), '..', 'test/fixtures/messages/cyrus-answers.json');
  const recorded = { server: 'Cyrus IMAP 3.6.1 (Debian bookworm), /work/shared/peers/cyrus-up.sh', answers, search };
  fs.writeFileSync(target, `${JSON.stringify(recorded, null, 2)}\n`);
  console.log(`recorded ${Object.keys(answers).length} answers into ${target}`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
