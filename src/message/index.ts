// Entry points of the message layer: RFC 5322 / MIME parsing for the store, FETCH and SEARCH.
export type * from './types.js';
export { normalizeLineEnds, hasCleanLineEnds, munge8bitHeader } from './lineEnds.js';
export { summarizeMessage, MAX_MIME_DEPTH } from './structure.js';
export { parseAddressList } from './address.js';
export { parseContentType, parseDisposition, parseLanguage, parseEncoding } from './mimeFields.js';
