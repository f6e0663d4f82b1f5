/**
 * FETCH items of later extensions: SAVEDATE (RFC 8514), EMAILID and THREADID (RFC 8474) and
 * Cyrus's DIGEST.SHA1 (the message's GUID: the SHA-1 of its bytes), read from the index records, and PREVIEW (RFC 8970), made from the cached parse and the bytes of one
 * text part. Messages are not grouped in conversations here: THREADID is always NIL.
 */
import type { Mailbox, MessageRecord } from '../../../../mailbox/index.js';
import { PREVIEW_READ_LIMIT, previewPart, previewText } from '../../../../message/index.js';
import type { FetchItem } from '../../../wire/parse/types.js';
import type { FetchResponse } from '../../../wire/serialize/fetch.js';
import { emailIdOf } from '../search/extension-keys.js';
import type { MessageData } from './content.js';

/** Some item needs what only the index record holds (the save date, the guid). */
export function needsRecords(items: readonly FetchItem[]): boolean {
  return items.some((item) => item.kind === 'simple' && (item.item === 'SAVEDATE' || item.item === 'EMAILID' || item.item === 'DIGEST.SHA1'));
}

/** The records of a batch by UID (one store call). */
export function loadRecords(mailbox: Mailbox, uids: readonly number[]): Map<number, MessageRecord> {
  return new Map(mailbox.records(uids).map((record) => [record.uid, record] as const));
}

/** SAVEDATE, EMAILID, THREADID or DIGEST.SHA1 of one message; false for any other item. */
export function renderObjectItem(response: FetchResponse, item: FetchItem, record: MessageRecord | undefined): boolean {
  if (item.kind !== 'simple') return false;
  switch (item.item) {
    case 'SAVEDATE': response.saveDate(record?.saveDate ?? null); return true;
    case 'EMAILID': response.objectId('EMAILID', record === undefined ? null : emailIdOf(record.guid)); return true;
    case 'THREADID': response.objectId('THREADID', null); return true;
    case 'DIGEST.SHA1': response.digest(record?.guid ?? null); return true;
    default: return false;
  }
}

/**
 * PREVIEW of one message. Computing it costs one read of a part's first bytes, cheap enough that
 * LAZY is answered the same way (RFC 8970 lets a server compute it at once).
 */
export async function addPreview(response: FetchResponse, data: MessageData): Promise<void> {
  const part = previewPart(data.need().body);
  if (part === null) {
    response.preview('');
    return;
  }
  const start = part.range.bodyStart;
  const end = Math.min(part.range.bodyEnd, start + PREVIEW_READ_LIMIT);
  response.preview(previewText(part, end > start ? await data.range(start, end) : Buffer.alloc(0)));
}
