/**
 * BODY[section], partial, BINARY[section] and BINARY.SIZE of every corpus message compared with the
 * bytes Cyrus 3.6.1 returned (recorded by scripts/record-cyrus-message-answers.ts).
 * Cyrus answers NIL for a part that does not exist; we give plan 'empty' (the IMAP layer writes NIL).
 * Known differences (entry / item | ours | Cyrus | why):
 *   missing-boundary-param, multipart-no-parts / BINARY[1], BINARY.SIZE[1] | "" and 0 | refused (FETCH
 *     answers without the item) | the part is reported as an empty 7BIT TEXT/PLAIN; RFC 3516 4.2 gives
 *     its decoded content, which is empty.
 *   content-type-garbage / BINARY[1] | NO [UNKNOWN-CTE] (MailError detail.responseCode) | refused
 *     without a code | RFC 3516 4.3 asks for the UNKNOWN-CTE response code.
 *   eight-bit-headers | see cyrusDifferential.test.ts (Cyrus stores 8-bit header bytes as 'X').
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { isMailError } from '../../src/common/errors.js';
import {
  applyPartial, binarySection, binarySize, munge8bitHeader, normalizeLineEnds, parseSection, planSection,
  sectionBytes, summarizeMessage,
} from '../../src/message/index.js';
import { CORPUS } from '../fixtures/messages/corpus.js';

interface Recorded {
  answers: Record<string, { sections?: Record<string, string | null> }>;
}

const recorded = JSON.parse(
  fs.readFileSync(path.join(import.meta.dirname, '../fixtures/messages/cyrus-answers.json'), 'utf8'),
) as Recorded;

type Answer = { bytes: string } | { nil: true } | { error: string };

function ours(item: string, message: Buffer): Answer {
  const summary = summarizeMessage(message);
  const match = /^(BODY\.PEEK|BINARY\.PEEK|BINARY\.SIZE)\[(.*)\](?:<(\d+)\.(\d+)>)?$/.exec(item)!;
  const [, kind, spec, origin, length] = match;
  const section = parseSection(spec!);
  try {
    if (kind === 'BODY.PEEK') {
      if (planSection(summary, section).kind === 'empty') return { nil: true };
      let data = sectionBytes(summary, section, message);
      if (origin !== undefined) data = applyPartial(data, Number(origin), Number(length));
      return { bytes: data.toString('base64') };
    }
    if (planSection(summary, section).kind === 'empty') return { nil: true };
    if (kind === 'BINARY.SIZE') return { bytes: Buffer.from(String(binarySize(summary, section.path, message))).toString('base64') };
    return { bytes: binarySection(summary, section.path, message).toString('base64') };
  } catch (err) {
    if (isMailError(err) && err.detail?.responseCode === 'UNKNOWN-CTE') return { error: 'refused' };
    throw err;
  }
}

/** Cyrus refuses BINARY on some parts with a bare NO or an answer without the item; both count as refusal. */
function theirs(value: string | null): Answer {
  if (value === null) return { nil: true };
  if (value.startsWith('ERROR') || value === 'MISSING') return { error: 'refused' };
  return { bytes: value };
}

/** Items where Cyrus refuses and we answer (listed in the table above). */
const REFUSED_BY_CYRUS_ONLY = new Set(
  ['missing-boundary-param', 'multipart-no-parts'].flatMap((name) => [`${name} BINARY.PEEK[1]`, `${name} BINARY.SIZE[1]`]),
);

function show(answer: Answer): string {
  if ('bytes' in answer) return JSON.stringify(Buffer.from(answer.bytes, 'base64').toString('latin1'));
  return 'nil' in answer ? 'NIL' : `error ${answer.error}`;
}

describe('sections against Cyrus 3.6', () => {
  for (const message of CORPUS) {
    const sections = recorded.answers[message.name]?.sections;
    if (sections === undefined) continue;
    it(message.name, () => {
      let stored = normalizeLineEnds(message.content);
      if (message.name === 'eight-bit-headers' || message.name === 'latin1-8bit-header') stored = munge8bitHeader(stored);
      const mismatches = Object.entries(sections)
        .filter(([item]) => !REFUSED_BY_CYRUS_ONLY.has(`${message.name} ${item}`))
        .map(([item, value]) => ({ item, ours: show(ours(item, stored)), cyrus: show(theirs(value)) }))
        .filter((row) => row.ours !== row.cyrus);
      expect(mismatches).toEqual([]);
    });
  }
});
