// Entry points of the message layer: RFC 5322 / MIME parsing for the store, FETCH and SEARCH.
export type * from './types.js';
export { normalizeLineEnds, munge8bitHeader, mungeLegacy8bitHeader } from './lineEnds.js';
export { decodeHeaderBytes, encodeHeaderText, hasEscapedBytes, headerTextByteLength } from './rawText.js';
export { summarizeMessage, headerBytesOf, MAX_MIME_DEPTH } from './structure.js';
export { renderImapForms, formatEnvelope, formatBodyStructure, type ImapForm, type ImapForms } from './imapForms.js';
export { imapString, nstring, MAX_QUOTED_LENGTH } from './imapStrings.js';
export { encodeBinaryParts, base64Lines, BASE64_LINE } from './binaryParts.js';
export { addressSearchForms, parseAddressList, MISSING_DOMAIN } from './address.js';
export { parseContentType, parseDisposition, parseLanguage, parseEncoding, mergeContinuations, paramValue } from './mimeFields.js';
export {
  parseSection, findPart, planSection, sectionBytes, sectionNeedsMessage, selectHeaderFields,
  cachedHeaderBytes, applyPartial, partialRange,
  type BodySection, type SectionPlan, type SectionText,
} from './sections.js';
export { decodeTransferEncoding, decodeQuotedPrintable, binarySection, binarySize } from './transferEncoding.js';
export {
  decodeHeaderValue, decodeCharset, headerValues, headerText, lastFieldValue, bodyText, messageText, htmlToText,
  normalizeForSearch, searchMatches, CYRUS_SEARCH_NORMALISATION, type SearchNormalisation,
} from './searchText.js';
export { sentDay, calendarDay, parseImapDateText, parseImapDateTime, rfc5322Date, type ImapDate } from './dates.js';
export { previewPart, previewText, PREVIEW_READ_LIMIT } from './preview.js';
export { refsForest, refsThreads } from './threadRefs.js';
export { baseSubject, sentTime, sortDisplay, sortMailbox } from './sortKeys.js';
export {
  formatForest, formatThreads, messageIds, orderedSubjectForest, orderedSubjectThreads, referencesForest, referencesThreads, ThreadInput,
  type ThreadForest, type ThreadMessage, type ThreadNode, type ThreadSelection,
} from './threads.js';
export { storedFields, searchTextOf, STORED_SEARCH_FIELDS, SEARCH_VALUE_SEPARATOR, type SearchText, type StoredFields, type StoredSearchField } from './storedFields.js';
export { isReplyOrForward } from './threads.js';
