// The backend response framer of the IMAP proxy: whole responses with their literals, byte for
// byte, whatever the chunks; tagged responses read into status, code and text.
import { describe, expect, it } from 'vitest';
import { ResponseFramer, type BackendResponse } from '../../src/imap/proxy/responses.js';

const STREAM = Buffer.concat([
  Buffer.from('* 1 FETCH (UID 7 BODY[] {12}\r\nab\r\n{3}\r\n\xff\x00z FLAGS (\\Seen))\r\n', 'latin1'),
  Buffer.from('* 2 FETCH (BINARY[1] ~{0}\r\n)\r\n'),
  Buffer.from('+ idling\r\n'),
  Buffer.from('P3 OK [APPENDUID 38 1] APPEND completed\r\n'),
  Buffer.from('P4 NO Mailbox does not exist\r\n'),
]);

function frame(chunks: Buffer[]): BackendResponse[] {
  const framer = new ResponseFramer();
  const out: BackendResponse[] = [];
  for (const chunk of chunks) {
    framer.push(chunk);
    for (let r = framer.next(); r !== null; r = framer.next()) out.push(r);
  }
  return out;
}

describe('ResponseFramer', () => {
  const expected: BackendResponse[] = [
    { kind: 'untagged', bytes: Buffer.from('* 1 FETCH (UID 7 BODY[] {12}\r\nab\r\n{3}\r\n\xff\x00z FLAGS (\\Seen))\r\n', 'latin1') },
    { kind: 'untagged', bytes: Buffer.from('* 2 FETCH (BINARY[1] ~{0}\r\n)\r\n') },
    { kind: 'continuation', text: 'idling' },
    { kind: 'tagged', tag: 'P3', status: 'OK', code: 'APPENDUID 38 1', text: 'APPEND completed' },
    { kind: 'tagged', tag: 'P4', status: 'NO', code: null, text: 'Mailbox does not exist' },
  ];

  it('frames a stream given whole', () => {
    expect(frame([STREAM])).toEqual(expected);
  });

  it('frames the same stream fed one byte at a time (a literal holding "{3}" and CRLF stays data)', () => {
    const bytes = [...STREAM].map((b) => Buffer.from([b]));
    expect(frame(bytes)).toEqual(expected);
  });
});
