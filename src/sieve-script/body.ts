/**
 * The text the body test (RFC 5173) compares: the raw body after the header block, or the decoded
 * text of the MIME parts whose content type matches (:text is :content "text").
 */
import { parseHeaderBlock } from './headers.js';

const MAX_DEPTH = 20;
const MAX_PARTS = 500;

interface ContentType { type: string; subtype: string; params: Map<string, string> }

function splitEntity(bytes: Buffer): { header: Buffer; body: Buffer } {
  if (bytes.length >= 2 && bytes[0] === 0x0d && bytes[1] === 0x0a) return { header: Buffer.alloc(0), body: bytes.subarray(2) };
  if (bytes.length >= 1 && bytes[0] === 0x0a) return { header: Buffer.alloc(0), body: bytes.subarray(1) };
  const crlf = bytes.indexOf('\r\n\r\n');
  const lf = bytes.indexOf('\n\n');
  if (crlf >= 0 && (lf < 0 || crlf < lf)) return { header: bytes.subarray(0, crlf + 2), body: bytes.subarray(crlf + 4) };
  if (lf >= 0) return { header: bytes.subarray(0, lf + 1), body: bytes.subarray(lf + 2) };
  return { header: bytes, body: Buffer.alloc(0) };
}

function parseContentType(value: string | undefined, fallback: string): ContentType {
  const [main = '', ...rest] = (value ?? fallback).split(';');
  const [type = 'text', subtype = 'plain'] = main.trim().toLowerCase().split('/');
  const params = new Map<string, string>();
  for (const p of rest) {
    const eq = p.indexOf('=');
    if (eq < 0) continue;
    let v = p.slice(eq + 1).trim();
    if (v.startsWith('"') && v.endsWith('"') && v.length >= 2) v = v.slice(1, -1).replace(/\\(.)/g, '$1');
    params.set(p.slice(0, eq).trim().toLowerCase(), v);
  }
  return { type: type.trim(), subtype: subtype.trim(), params };
}

function decodeTransfer(body: Buffer, encoding: string): Buffer {
  const e = encoding.trim().toLowerCase();
  if (e === 'base64') return Buffer.from(body.toString('latin1').replace(/[^A-Za-z0-9+/=]/g, ''), 'base64');
  if (e === 'quoted-printable') {
    const text = body.toString('latin1').replace(/=\r?\n/g, '');
    const out: number[] = [];
    for (let i = 0; i < text.length; i += 1) {
      if (text[i] === '=' && /^[0-9A-Fa-f]{2}$/.test(text.slice(i + 1, i + 3))) {
        out.push(parseInt(text.slice(i + 1, i + 3), 16));
        i += 2;
      } else {
        out.push(text.charCodeAt(i) & 0xff);
      }
    }
    return Buffer.from(out);
  }
  return body;
}

function decodeCharset(bytes: Buffer, charset: string | undefined): string {
  try {
    return new TextDecoder(charset ?? 'utf-8').decode(bytes);
  } catch {
    return bytes.toString('latin1');
  }
}

function typeMatches(ct: ContentType, wanted: readonly string[]): boolean {
  return wanted.some((w) => {
    const want = w.trim().toLowerCase();
    if (want === '') return true;
    return want.includes('/') ? want === `${ct.type}/${ct.subtype}` : want === ct.type;
  });
}

export function bodyTexts(content: Buffer, transform: 'raw' | 'text' | 'content', contentTypes: readonly string[]): string[] {
  const { body } = splitEntity(content);
  if (transform === 'raw') return [decodeCharset(body, 'utf-8')];
  const wanted = transform === 'text' ? ['text'] : contentTypes;
  const out: string[] = [];
  let parts = 0;
  const walk = (entity: Buffer, depth: number, defaultType: string): void => {
    parts += 1;
    if (parts > MAX_PARTS || depth > MAX_DEPTH) return;
    const { header, body: inner } = splitEntity(entity);
    const fields = parseHeaderBlock(header);
    const ct = parseContentType(fields.get('content-type')?.[0], defaultType);
    if (ct.type === 'multipart') {
      const boundary = ct.params.get('boundary');
      if (boundary === undefined || boundary === '') return;
      const child = ct.subtype === 'digest' ? 'message/rfc822' : 'text/plain';
      for (const part of splitMultipart(inner, boundary)) walk(part, depth + 1, child);
      return;
    }
    if (ct.type === 'message' && ct.subtype === 'rfc822') {
      if (typeMatches(ct, wanted.filter((w) => w.trim() !== ''))) out.push(decodeCharset(inner, 'utf-8'));
      walk(inner, depth + 1, 'text/plain');
      return;
    }
    if (!typeMatches(ct, wanted)) return;
    const decoded = decodeTransfer(inner, fields.get('content-transfer-encoding')?.[0] ?? '7bit');
    out.push(ct.type === 'text' ? decodeCharset(decoded, ct.params.get('charset')) : decoded.toString('latin1'));
  };
  walk(content, 0, 'text/plain');
  return out;
}

function splitMultipart(body: Buffer, boundary: string): Buffer[] {
  const text = body.toString('latin1');
  const delimiter = `--${boundary}`;
  const parts: Buffer[] = [];
  let start = -1;
  let index = 0;
  for (;;) {
    const at = text.indexOf(delimiter, index);
    if (at < 0) break;
    const atLineStart = at === 0 || text[at - 1] === '\n';
    if (!atLineStart) { index = at + delimiter.length; continue; }
    if (start >= 0) {
      let end = at;
      if (text[end - 1] === '\n') end -= 1;
      if (text[end - 1] === '\r') end -= 1;
      parts.push(body.subarray(start, end));
    }
    const closing = text.startsWith('--', at + delimiter.length);
    if (closing) return parts;
    const eol = text.indexOf('\n', at);
    if (eol < 0) break;
    start = eol + 1;
    index = eol + 1;
  }
  return parts;
}
