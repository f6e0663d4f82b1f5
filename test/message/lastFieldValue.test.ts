/** lastFieldValue: the envelope's field value from the raw header block alone (SEARCH SENT* reads no summary). */
import { describe, expect, it } from 'vitest';
import { encodeHeaderText, lastFieldValue, summarizeMessage } from '../../src/message/index.js';

const b = (text: string): Buffer => Buffer.from(text, 'latin1');

const CASES: Array<[string, Buffer, string | null]> = [
  ['one Date', b('Date: Mon, 1 Jan 2024 10:00:00 +0000\r\nSubject: x\r\n\r\nbody\r\n'), 'Mon, 1 Jan 2024 10:00:00 +0000'],
  ['the last of two', b('Date: Tue, 2 Jan 2024\r\nDATE: Fri, 5 Jan 2024\r\n\r\n'), 'Fri, 5 Jan 2024'],
  ['folded', b('date:\r\n  Wed, 3 Jan 2024\r\n 08:00:00 +0000\r\n\r\n'), 'Wed, 3 Jan 2024 08:00:00 +0000'],
  ['present but empty', b('Date:\r\nSubject: y\r\n\r\n'), ''],
  ['absent', b('Subject: no date\r\n\r\nDate: in the body\r\n'), null],
  ['no body', b('Subject: z\r\nDate: Thu, 4 Jan 2024'), 'Thu, 4 Jan 2024'],
  ['8-bit bytes', b('Date: Fri, 5 Jan 2024 (caf\xe9)\r\n\r\n'), 'Fri, 5 Jan 2024 (caf\udce9)'],
];

describe('lastFieldValue', () => {
  it.each(CASES)('%s', (_name, message, expected) => {
    const summary = summarizeMessage(message);
    expect(summary.envelope.date).toBe(expected);
    expect(lastFieldValue(encodeHeaderText(summary.header), 'Date')).toBe(expected);
    expect(lastFieldValue(summary.header, 'date')).toBe(expected);
  });
});
