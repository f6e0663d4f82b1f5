/**
 * 8-bit envelope addresses: with SMTPUTF8 (RFC 6531) the bytes are UTF-8; without it they are
 * refused (lmtp_strict_rfc2821, the default) or each 8-bit byte becomes "X", as Cyrus does.
 */
import type { EnvelopeAddress } from '../wire/commands.js';

// eslint-disable-next-line no-control-regex
const EIGHT_BIT = /[\x80-\xff]/;

/** The address to use, or null when it must be refused. The text is latin1 (one char per byte). */
export function acceptEightBit(address: EnvelopeAddress, smtputf8: boolean, strict: boolean): EnvelopeAddress | null {
  const domain = address.domain;
  if (!EIGHT_BIT.test(address.localPart) && (domain === null || !EIGHT_BIT.test(domain))) return address;
  if (smtputf8) {
    const utf8 = (text: string) => Buffer.from(text, 'latin1').toString('utf8');
    return { localPart: utf8(address.localPart), domain: domain === null ? null : utf8(domain) };
  }
  if (strict || (domain !== null && EIGHT_BIT.test(domain))) return null;
  return { localPart: address.localPart.replace(/[\x80-\xff]/g, 'X'), domain };
}

/** "<local@domain>" as it goes into Return-Path; "<>" for the null sender. */
export function formatPath(address: EnvelopeAddress | null): string {
  if (address === null) return '<>';
  const simple = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~.\x80-\uffff-]+$/.test(address.localPart);
  const local = simple ? address.localPart : `"${address.localPart.replace(/["\\]/g, '\\$&')}"`;
  return address.domain === null ? `<${local}>` : `<${local}@${address.domain}>`;
}
