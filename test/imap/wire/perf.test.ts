import { expect, test } from 'vitest';
import type { Envelope } from '../../../src/message/types.js';
import { FetchResponse } from '../../../src/imap/wire/serialize/fetch.js';
import { CommandReader } from '../../../src/imap/wire/reader.js';
import { parseCommand } from '../../../src/imap/wire/parse/index.js';

function envelopeFor(i: number): Envelope {
  const person = (n: string) => [{ name: `${n} Example ${i}`, adl: null, mailbox: n.toLowerCase(), host: 'example.org' }];
  return {
    date: 'Mon, 7 Feb 1994 21:52:25 -0800 (PST)', subject: `Message number ${i} about "things"`, from: person('Alice'), sender: person('Alice'),
    replyTo: person('Alice'), to: person('Bob'), cc: null, bcc: null, inReplyTo: null, messageId: `<${i}.${i * 7}@example.org>`,
  };
}

test('UID FETCH 1:* (UID FLAGS ENVELOPE) for 50,000 messages serializes every record whole', () => {
  const envelopes = Array.from({ length: 50_000 }, (_, i) => envelopeFor(i));
  const flags = ['\\Seen', '$Label1'];
  const started = performance.now();
  let bytes = 0;
  for (let i = 0; i < envelopes.length; i++) {
    bytes += new FetchResponse(i + 1).uid(i + 1).flags(flags).envelope(envelopes[i]!).toString().length;
  }
  const ms = performance.now() - started;
  console.log(`FETCH (UID FLAGS ENVELOPE) x 50,000: ${ms.toFixed(0)} ms, ${(bytes / 1e6).toFixed(1)} MB`);
  expect(bytes).toBeGreaterThan(50_000 * 200);
});

test('reader and parser handle 20,000 pipelined FETCH commands fed in 16 KB chunks', () => {
  const line = Buffer.from('a1 UID FETCH 1:* (UID FLAGS BODY.PEEK[HEADER.FIELDS (From To Subject)])\r\n');
  const input = Buffer.concat(Array.from({ length: 20_000 }, () => line));
  const reader = new CommandReader({ maxLineLength: 65536, maxLiteralSize: 1 << 20, maxAppendLiteralSize: 1 << 26, literalPlus: 'plus' });
  const started = performance.now();
  let count = 0;
  for (let at = 0; at < input.length; at += 16384) {
    reader.push(input.subarray(at, at + 16384));
    for (let e = reader.next(); e; e = reader.next()) {
      if (e.type === 'command' && parseCommand(e.command).name === 'FETCH') count++;
    }
  }
  const ms = performance.now() - started;
  console.log(`20,000 FETCH commands read and parsed: ${ms.toFixed(0)} ms`);
  expect(count).toBe(20_000);
});
