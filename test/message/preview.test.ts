/** PREVIEW text (RFC 8970) from a message's parse: which part, how it is decoded, where it is cut. */
import { describe, expect, it } from 'vitest';
import { PREVIEW_READ_LIMIT, previewPart, previewText, summarizeMessage } from '../../src/message/index.js';

function preview(text: string, limit = PREVIEW_READ_LIMIT): string | null {
  const message = Buffer.from(text.replace(/\n/g, '\r\n'), 'utf8');
  const part = previewPart(summarizeMessage(message).body);
  if (part === null) return null;
  return previewText(part, message.subarray(part.range.bodyStart, Math.min(part.range.bodyEnd, part.range.bodyStart + limit)));
}

describe('preview', () => {
  it('takes the first text part, skipping attachments and non-text parts', () => {
    const mixed = ['Content-Type: multipart/mixed; boundary=X', '', '--X', 'Content-Type: image/png', '', 'png', '--X',
      'Content-Type: text/plain', 'Content-Disposition: attachment', '', 'attached', '--X', 'Content-Type: text/plain', '', 'the text', '--X--', ''].join('\n');
    expect(preview(mixed)).toBe('the text');
    expect(preview('Content-Type: image/gif\n\nGIF89a\n')).toBeNull();
  });

  it('prefers text/plain in an alternative, inside nested multiparts', () => {
    const nested = ['Content-Type: multipart/mixed; boundary=O', '', '--O', 'Content-Type: multipart/alternative; boundary=A', '',
      '--A', 'Content-Type: text/html', '', '<p>html</p>', '--A', 'Content-Type: text/plain', '', 'plain', '--A--', '--O--', ''].join('\n');
    expect(preview(nested)).toBe('plain');
  });

  it('shows HTML as its visible text: no head, no tags, entities decoded', () => {
    expect(preview('Content-Type: text/html\n\n<html><head><title>Title</title></head><body>A&amp;B&nbsp;<i>c</i><script>x()</script></body></html>\n')).toBe('A&B c');
  });

  it('decodes the transfer encoding and the charset, also of a base64 body cut short', () => {
    const text = 'Grüße '.repeat(40);
    const b64 = Buffer.from(text, 'latin1').toString('base64').replace(/.{76}/g, '$&\n');
    const message = `Content-Type: text/plain; charset=iso-8859-1\nContent-Transfer-Encoding: base64\n\n${b64}\n`;
    expect(preview(message)).toBe(text.trim().slice(0, 200).trimEnd());
    // Only the first 160 bytes read (two lines of 76 and a bit): decoded up to the last whole line, nothing garbled.
    expect(preview(message, 160)).toBe(Buffer.from(b64.split('\n').slice(0, 2).join(''), 'base64').toString('latin1').trim());
    expect(preview('Content-Transfer-Encoding: quoted-printable\n\nsoft=\nbreak =3D ok\n')).toBe('softbreak = ok');
  });

  it('collapses white space and cuts at 200 characters without splitting a character', () => {
    expect(preview('\n\n  a \t b\n\n c  \n')).toBe('a b c');
    const emoji = '😀'.repeat(300);
    const cut = preview(`Content-Type: text/plain; charset=utf-8\n\n${emoji}\n`)!;
    expect(Array.from(cut)).toHaveLength(200);
    expect(cut).toBe('😀'.repeat(200));
    expect(preview('\n\n')).toBe('');
  });
});
