// The byte rules of a new message, as a table: what each input becomes or which MailError it raises.
import { describe, expect, it } from 'vitest';
import { MailError } from '../../src/common/index.js';
import { prepareMessage } from '../../src/intake/index.js';

const settings = { maxMessageSize: 100, munge8bit: true };
const b = (text: string) => Buffer.from(text, 'latin1');

function refusal(fn: () => unknown): { kind: string; detail: Record<string, unknown> | undefined } | null {
  try {
    fn();
    return null;
  } catch (err) {
    if (!(err instanceof MailError)) throw err;
    return { kind: err.kind, detail: err.detail };
  }
}

describe('prepareMessage: what is stored', () => {
  const cases: Array<{ name: string; input: Buffer; binary?: boolean; munge8bit?: boolean; stored: Buffer }> = [
    { name: 'CRLF kept', input: b('Subject: a\r\n\r\nbody\r\n'), stored: b('Subject: a\r\n\r\nbody\r\n') },
    { name: 'bare LF becomes CRLF', input: b('Subject: a\n\nbody\n'), stored: b('Subject: a\r\n\r\nbody\r\n') },
    { name: 'bare CR becomes CRLF', input: b('Subject: a\r\rbody\r'), stored: b('Subject: a\r\n\r\nbody\r\n') },
    { name: 'Latin-1 header byte munged to X', input: b('Subject: caf\xe9\r\n\r\nbody \xe9\r\n'), stored: b('Subject: cafX\r\n\r\nbody \xe9\r\n') },
    { name: 'munge8bit off keeps the byte', input: b('Subject: caf\xe9\r\n\r\nx\r\n'), munge8bit: false, stored: b('Subject: caf\xe9\r\n\r\nx\r\n') },
    { name: 'UTF-8 header kept', input: Buffer.from('Subject: café\r\n\r\nx\r\n'), stored: Buffer.from('Subject: café\r\n\r\nx\r\n') },
    { name: 'exactly the size limit passes', input: b(`Subject: a\r\n\r\n${'x'.repeat(100 - 16)}\r\n`), stored: b(`Subject: a\r\n\r\n${'x'.repeat(100 - 16)}\r\n`) },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const prepared = prepareMessage({ bytes: c.input, binary: c.binary }, { ...settings, munge8bit: c.munge8bit ?? true });
      expect(prepared.content.equals(c.stored)).toBe(true);
      expect(prepared.receivedSize).toBe(c.input.length);
    });
  }

  it('binary (literal8): a part holding NUL is re-encoded as base64 and accepted', () => {
    const input = b('Content-Type: multipart/mixed; boundary=B\r\n\r\n--B\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: binary\r\n\r\na\x00b\r\n--B--\r\n');
    const prepared = prepareMessage({ bytes: input, binary: true }, { ...settings, maxMessageSize: 1000 });
    expect(prepared.content.includes(0)).toBe(false);
    expect(prepared.content.toString('latin1')).toContain('Content-Transfer-Encoding: base64');
  });

  it('reads the Message-ID for duplicate suppression', () => {
    expect(prepareMessage({ bytes: b('Message-ID:  <a@b>\r\nSubject: x\r\n\r\nMessage-ID: <no@no>\r\n') }, settings).messageId).toBe('<a@b>');
    expect(prepareMessage({ bytes: b('Subject: x\r\n\r\nMessage-ID: <no@no>\r\n') }, settings).messageId).toBeNull();
  });
});

describe('prepareMessage: what is refused', () => {
  const cases: Array<{ name: string; input: Buffer; binary?: boolean; kind: string; detail: Record<string, unknown> }> = [
    { name: 'one byte over the size limit', input: b(`Subject: a\r\n\r\n${'x'.repeat(100 - 15)}\r\n`), kind: 'Limit', detail: { tooBig: true, maxMessageSize: 100 } },
    { name: 'too big is judged before line ends grow it', input: b('x'.repeat(101)), kind: 'Limit', detail: { tooBig: true } },
    { name: 'empty', input: b(''), kind: 'Invalid', detail: { empty: true } },
    { name: 'NUL in the body', input: b('Subject: a\r\n\r\na\x00b\r\n'), kind: 'Invalid', detail: { nul: true } },
    { name: 'NUL in a header even as literal8', input: b('Subject: a\x00\r\n\r\nab\r\n'), binary: true, kind: 'Invalid', detail: { nul: true } },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const got = refusal(() => prepareMessage({ bytes: c.input, binary: c.binary }, settings));
      expect(got?.kind).toBe(c.kind);
      expect(got?.detail).toMatchObject(c.detail);
    });
  }
});

describe('prepareMessage: the key of duplicate suppression', () => {
  const cases: Array<{ name: string; header: string; key: string | null }> = [
    { name: 'Message-ID alone', header: 'Message-ID:  <a@b>\r\nSubject: x\r\n', key: '<a@b>' },
    { name: 'Resent-Message-ID wins over Message-ID', header: 'Resent-Message-ID: <r1@b>\r\nResent-From: c@d\r\nMessage-ID: <a@b>\r\n', key: '<r1@b>' },
    { name: 'Resent-Message-ID after Message-ID still wins', header: 'Message-ID: <a@b>\r\nResent-Message-ID: <r1@b>\r\n', key: '<r1@b>' },
    { name: 'resent twice: the first (latest) one', header: 'Resent-Message-ID: <r2@b>\r\nResent-Message-ID: <r1@b>\r\nMessage-ID: <a@b>\r\n', key: '<r2@b>' },
    { name: 'any case of the field name', header: 'RESENT-message-ID: <r@b>\r\nmessage-id: <a@b>\r\n', key: '<r@b>' },
    { name: 'folded Resent-Message-ID', header: 'Resent-Message-ID:\r\n <r@b>\r\nMessage-ID: <a@b>\r\n', key: '<r@b>' },
    { name: 'empty Resent-Message-ID falls back to Message-ID', header: 'Resent-Message-ID:   \r\nMessage-ID: <a@b>\r\n', key: '<a@b>' },
    { name: 'Resent-Message-ID alone', header: 'Resent-Message-ID: <r@b>\r\nSubject: x\r\n', key: '<r@b>' },
    { name: 'neither', header: 'Subject: x\r\n', key: null },
    { name: 'only in the body: none', header: 'Subject: x\r\n\r\nResent-Message-ID: <no@no>\r\nMessage-ID: <no@no>\r\n', key: null },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const bytes = b(`${c.header}\r\nbody\r\n`);
      expect(prepareMessage({ bytes }, { ...settings, maxMessageSize: 1000 }).messageId).toBe(c.key);
    });
  }
});
