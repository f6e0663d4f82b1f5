/**
 * Byte ranges: for every part, slicing the stored message by its range gives exactly that part.
 * Random MIME trees are generated with their expected part contents, then parsed back.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  cachedHeaderBytes, MAX_MIME_DEPTH, normalizeLineEnds, parseSection, sectionBytes, summarizeMessage,
} from '../../src/message/index.js';
import type { BodyPart } from '../../src/message/types.js';
import { CORPUS } from '../fixtures/messages/corpus.js';

/** A generated entity: its bytes and, per section path, the body bytes and MIME header expected. */
interface Built {
  bytes: string;
  header: string;
  body: string;
  children: Built[];
  kind: 'leaf' | 'multipart' | 'message';
}

type Tree = { leaf: string } | { multipart: Tree[]; boundary: string } | { message: Tree };

const treeArbitrary: fc.Arbitrary<Tree> = fc.letrec<{ tree: Tree }>((tie) => ({
  tree: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.record({ leaf: fc.array(fc.constantFrom('line', 'x', '', '-- dash', '--', 'é'), { maxLength: 4 }).map((lines) => lines.join('\r\n')) }),
    fc.record({ multipart: fc.array(tie('tree'), { minLength: 1, maxLength: 3 }), boundary: fc.stringMatching(/^[A-Za-z0-9'()+_,.\/:=?-]{1,20}$/) }),
    fc.record({ message: tie('tree') }),
  ),
})).tree;

let counter = 0;
function build(tree: Tree): Built {
  if ('leaf' in tree) {
    const header = 'Content-Type: text/plain; charset=utf-8\r\n\r\n';
    return { bytes: header + tree.leaf, header, body: tree.leaf, children: [], kind: 'leaf' };
  }
  if ('message' in tree) {
    const inner = build(tree.message);
    const embedded = `Subject: inner ${++counter}\r\n${inner.bytes}`;
    const header = 'Content-Type: message/rfc822\r\n\r\n';
    return { bytes: header + embedded, header, body: embedded, children: [{ ...inner, header: `Subject: inner ${counter}\r\n${inner.header}` }], kind: 'message' };
  }
  // boundaries must not occur in the content: make each unique
  const boundary = `${tree.boundary}#${++counter}`;
  const children = tree.multipart.map(build);
  const body = `preamble\r\n${children.map((child) => `--${boundary}\r\n${child.bytes}\r\n`).join('')}--${boundary}--\r\nepilogue\r\n`;
  const header = `Content-Type: multipart/mixed; boundary="${boundary}"\r\n\r\n`;
  return { bytes: header + body, header, body, children, kind: 'multipart' };
}

/** Check every part reachable by section paths: BODY[path] is the body, BODY[path.MIME] the header. */
function checkParts(message: Buffer, built: Built, path: number[]): void {
  const summary = summarizeMessage(message);
  const at = (section: string): string => sectionBytes(summary, parseSection(section), message).toString('utf8');
  const prefix = path.join('.');
  if (path.length > 0) {
    expect(at(prefix)).toBe(built.body);
    expect(at(`${prefix}.MIME`)).toBe(built.header);
  }
  if (built.kind === 'multipart') {
    built.children.forEach((child, i) => checkParts(message, child, [...path, i + 1]));
  } else if (built.kind === 'message') {
    const inner = built.children[0]!;
    expect(at(`${prefix}.HEADER`)).toBe(inner.header);
    expect(at(`${prefix}.TEXT`)).toBe(inner.body);
    if (inner.kind === 'multipart') inner.children.forEach((child, i) => checkParts(message, child, [...path, i + 1]));
    else checkParts(message, { ...inner, header: inner.header }, [...path, 1]);
  }
}

function walkParts(part: BodyPart, visit: (part: BodyPart) => void): void {
  visit(part);
  part.parts?.forEach((child) => walkParts(child, visit));
  if (part.body) walkParts(part.body, visit);
}

describe('summarizeMessage byte ranges', () => {
  it('random MIME trees: every section slices exactly its part', () => {
    fc.assert(
      fc.property(treeArbitrary, (tree) => {
        const built = build(tree);
        const message = Buffer.from(`From: a@b.c\r\n${built.bytes}`, 'utf8');
        const top = { ...built, header: `From: a@b.c\r\n${built.header}` };
        const summary = summarizeMessage(message);
        expect(sectionBytes(summary, parseSection('TEXT'), message).toString('utf8')).toBe(built.body);
        expect(sectionBytes(summary, parseSection('HEADER'), message).toString('utf8')).toBe(top.header);
        if (built.kind === 'multipart') checkParts(message, top, []);
        else if (built.kind === 'leaf') expect(sectionBytes(summary, parseSection('1'), message).toString('utf8')).toBe(built.body);
      }),
      { numRuns: 300 },
    );
  });

  it.each(CORPUS.map((m) => [m.name, m.content] as const))('%s: ranges are ordered, nested and sized', (_name, content) => {
    const message = normalizeLineEnds(content);
    const summary = summarizeMessage(message);
    expect(summary.size).toBe(message.length);
    // the cached header gives back the stored bytes exactly, 8-bit or not, after a JSON round trip
    const cached = JSON.parse(JSON.stringify(summary)) as typeof summary;
    expect(cachedHeaderBytes(cached)).toEqual(message.subarray(0, summary.body.range.bodyStart));
    walkParts(summary.body, (part) => {
      const { headerStart, bodyStart, bodyEnd } = part.range;
      expect(0 <= headerStart && headerStart <= bodyStart && bodyStart <= bodyEnd && bodyEnd <= message.length).toBe(true);
      expect(part.size).toBe(bodyEnd - bodyStart);
      for (const child of part.parts ?? []) {
        expect(child.range.headerStart).toBeGreaterThanOrEqual(bodyStart);
        expect(child.range.bodyEnd).toBeLessThanOrEqual(bodyEnd);
      }
      if (part.body) expect(part.body.range).toMatchObject({ headerStart: bodyStart, bodyEnd });
    });
  });

  it('header without body, empty message, message that is only a blank line', () => {
    const headerOnly = summarizeMessage(Buffer.from('Subject: only\r\nFrom: a@b.c'));
    expect(headerOnly.envelope.subject).toBe('only');
    expect(headerOnly.body.range).toEqual({ headerStart: 0, bodyStart: 26, bodyEnd: 26 });
    const empty = summarizeMessage(Buffer.alloc(0));
    expect(empty.body).toMatchObject({ type: 'TEXT', subtype: 'PLAIN', size: 0, lines: 0 });
    expect(empty.envelope.from).toBeNull();
    const blank = summarizeMessage(Buffer.from('\r\n'));
    expect(blank.body.range).toEqual({ headerStart: 0, bodyStart: 2, bodyEnd: 2 });
  });

  it('caps nesting depth without overflowing the stack', () => {
    const depth = 5_000;
    let text = 'leaf\r\n';
    for (let level = depth; level > 0; level--) {
      text = `Content-Type: multipart/mixed; boundary="b${level}"\r\n\r\n--b${level}\r\n${text}\r\n--b${level}--\r\n`;
    }
    const summary = summarizeMessage(Buffer.from(text));
    let levels = 0;
    let part: BodyPart | undefined = summary.body;
    while (part?.parts) {
      levels++;
      part = part.parts[0];
    }
    expect(levels).toBe(MAX_MIME_DEPTH);
    expect(part).toMatchObject({ type: 'APPLICATION', subtype: 'OCTET-STREAM' }); // opaque beyond the cap
    expect(part!.parts).toBeUndefined();
    // its bytes are still addressable as one part
    expect(part!.range.bodyEnd).toBeGreaterThan(part!.range.bodyStart);
  });

  it('message/rfc822 lines, text lines, default digest child type', () => {
    const message = normalizeLineEnds(Buffer.from(
      'Content-Type: multipart/digest; boundary=d\n\n--d\n\nSubject: one\n\nline1\nline2\n--d--\n',
    ));
    const child = summarizeMessage(message).body.parts![0]!;
    expect(child).toMatchObject({ type: 'MESSAGE', subtype: 'RFC822', lines: 3 });
    expect(child.envelope!.subject).toBe('one');
    expect(child.body).toMatchObject({ type: 'TEXT', lines: 1, size: 12 });
  });
});
