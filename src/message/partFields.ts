/** A MIME part's own header fields (Content-*) into the leaf data of a BodyPart. */
import { fieldValue, type HeaderBlock } from './header.js';
import { mergeContinuations, parseContentType, parseDisposition, parseEncoding, parseLanguage } from './mimeFields.js';
import type { BodyParams, BodyPart } from './types.js';

const DEFAULT_TEXT: { type: string; subtype: string; params: BodyParams } = {
  type: 'TEXT', subtype: 'PLAIN', params: [['CHARSET', 'us-ascii']],
};

/**
 * Type, parameters and extension data of the part whose header is `block`. The range's bodyEnd and
 * the size are provisional (set by the walk). The last occurrence of a repeated field counts, as in Cyrus.
 * A missing or unparsable Content-Type gives TEXT/PLAIN (CHARSET us-ascii), or MESSAGE/RFC822 inside
 * multipart/digest (RFC 2046 5.1.5).
 */
export function readPartFields(buf: Buffer, block: HeaderBlock, inDigest: boolean): BodyPart {
  const values = new Map<string, string>();
  for (const field of block.fields) {
    if (field.key.startsWith('content-')) values.set(field.key, fieldValue(buf, field));
  }
  const typeValue = values.get('content-type');
  const parsedType = typeValue === undefined ? null : parseContentType(typeValue);
  const type = parsedType ?? (inDigest ? { type: 'MESSAGE', subtype: 'RFC822', params: null } : DEFAULT_TEXT);
  const dispositionValue = values.get('content-disposition');
  const disposition = dispositionValue === undefined ? null : parseDisposition(dispositionValue);
  const languageValue = values.get('content-language');
  const encodingValue = values.get('content-transfer-encoding');
  const text = (key: string): string | null => {
    const value = values.get(key);
    return value === undefined || value === '' ? null : value;
  };
  return {
    type: type.type,
    subtype: type.subtype,
    params: mergeContinuations(type.params),
    id: text('content-id'),
    description: text('content-description'),
    encoding: (encodingValue === undefined ? null : parseEncoding(encodingValue)) ?? '7BIT',
    size: 0,
    md5: text('content-md5'),
    disposition: disposition === null ? null : { type: disposition.type, params: mergeContinuations(disposition.params) },
    language: languageValue === undefined ? null : parseLanguage(languageValue),
    location: text('content-location'),
    range: { headerStart: block.start, bodyStart: block.bodyStart, bodyEnd: block.bodyStart },
  };
}
