/**
 * Commands on mailboxes: SELECT EXAMINE CREATE DELETE RENAME SUBSCRIBE UNSUBSCRIBE LIST LSUB
 * STATUS APPEND. Mailbox names are returned as sent (modified UTF-7); see mailboxName.ts.
 */
import type { ArgumentCursor } from '../cursor.js';
import { parseDateTime } from '../datetime.js';
import { parseSelectParameters } from './condstore.js';
import { parseFlagList } from './flags.js';
import { listMetadataOption } from './metadata.js';
import { parseCatenateParts } from './url-commands.js';
import { parseAnnotationStore, type AnnotationStore } from './annotate.js';
import type { AppendMessage, Command, ListReturnOptions, ListSelectOption, StatusItem } from './types.js';

type Of<N extends Command['name']> = Extract<Command, { name: N }>;

const STATUS_ITEMS = new Set<StatusItem>(['MESSAGES', 'RECENT', 'UIDNEXT', 'UIDVALIDITY', 'UNSEEN', 'SIZE', 'DELETED', 'HIGHESTMODSEQ', 'APPENDLIMIT', 'MAILBOXID']);
const SELECT_OPTIONS = new Set<ListSelectOption>(['SUBSCRIBED', 'REMOTE', 'RECURSIVEMATCH', 'SPECIAL-USE']);

export function mailbox(cursor: ArgumentCursor): string {
  return cursor.astring('mailbox name');
}

/** list-mailbox = 1*list-char / string (list-char adds % * ] to ATOM-CHAR). */
function listMailbox(cursor: ArgumentCursor): string {
  if (cursor.peek() === '"' || cursor.atLiteral()) return cursor.string('mailbox pattern');
  const value = cursor.takeWhile((code) => code > 0x20 && code < 0x7f && code !== 0x28 && code !== 0x29 && code !== 0x7b && code !== 0x22 && code !== 0x5c);
  if (value === '') cursor.fail('Expected mailbox pattern');
  return value;
}

function statusItems(cursor: ArgumentCursor): StatusItem[] {
  return cursor.list(() => {
    const item = cursor.keyword('status item') as StatusItem;
    if (!STATUS_ITEMS.has(item)) cursor.fail(`Unknown status item ${item}`);
    return item;
  }, false);
}

export function parseSelect(cursor: ArgumentCursor, name: 'SELECT' | 'EXAMINE'): Of<'SELECT' | 'EXAMINE'> {
  cursor.sp();
  const box = mailbox(cursor);
  // RFC 7162: (CONDSTORE) and (QRESYNC (...)); an empty list is allowed (RFC 4466).
  const parameters = cursor.maybeSp() ? parseSelectParameters(cursor) : { condstore: false };
  cursor.end();
  return { name, mailbox: box, ...parameters };
}

export function parseCreate(cursor: ArgumentCursor): Of<'CREATE'> {
  cursor.sp();
  const box = mailbox(cursor);
  let partition: string | null = null;
  let specialUse: string[] = [];
  if (cursor.maybeSp()) {
    if (cursor.peek() === '(') {
      // RFC 4466 create-params; RFC 6154 defines USE (attributes).
      cursor.list(() => {
        const param = cursor.keyword('create parameter');
        if (param !== 'USE') cursor.fail(`Unknown create parameter ${param}`);
        cursor.sp();
        specialUse = parseFlagList(cursor);
        if (specialUse.some((use) => !use.startsWith('\\'))) cursor.fail('Special-use attributes start with "\\"');
      }, false);
    } else {
      partition = cursor.astring('partition name');
    }
  }
  cursor.end();
  return { name: 'CREATE', mailbox: box, partition, specialUse };
}

export function parseOneMailbox(cursor: ArgumentCursor, name: 'DELETE' | 'SUBSCRIBE' | 'UNSUBSCRIBE'): Of<'DELETE' | 'SUBSCRIBE' | 'UNSUBSCRIBE'> {
  cursor.sp();
  const box = mailbox(cursor);
  cursor.end();
  return { name, mailbox: box };
}

export function parseRename(cursor: ArgumentCursor): Of<'RENAME'> {
  cursor.sp();
  const from = mailbox(cursor);
  cursor.sp();
  const to = mailbox(cursor);
  const partition = cursor.maybeSp() ? cursor.astring('partition name') : null;
  cursor.end();
  return { name: 'RENAME', from, to, partition };
}

function listReturnOptions(cursor: ArgumentCursor): ListReturnOptions {
  const options: ListReturnOptions = { subscribed: false, children: false, specialUse: false, status: null };
  cursor.list(() => {
    const option = cursor.keyword('return option');
    if (option === 'SUBSCRIBED') options.subscribed = true;
    else if (option === 'CHILDREN') options.children = true;
    else if (option === 'SPECIAL-USE') options.specialUse = true;
    else if (option === 'MYRIGHTS') options.myRights = true;
    else if (option === 'METADATA') {
      cursor.sp();
      options.metadata = listMetadataOption(cursor, options.metadata);
    }
    else if (option === 'STATUS') {
      cursor.sp();
      options.status = statusItems(cursor);
    } else cursor.fail(`Unknown LIST return option ${option}`);
  });
  return options;
}

/** LIST with LIST-EXTENDED (RFC 5258), LIST-STATUS (5819) and SPECIAL-USE (6154). */
export function parseList(cursor: ArgumentCursor): Of<'LIST'> {
  cursor.sp();
  let extended = false;
  const selectOptions: ListSelectOption[] = [];
  if (cursor.peek() === '(') {
    extended = true;
    cursor.list(() => {
      const option = cursor.keyword('selection option') as ListSelectOption;
      if (!SELECT_OPTIONS.has(option)) cursor.fail(`Unknown LIST selection option ${option}`);
      if (!selectOptions.includes(option)) selectOptions.push(option);
    });
    cursor.sp();
    // RFC 5258 section 3.1: RECURSIVEMATCH needs a base option (SUBSCRIBED); REMOTE and SPECIAL-USE
    // are independent options (RFC 6154 section 6), so they do not count (Cyrus 3.6 answers BAD too).
    if (selectOptions.includes('RECURSIVEMATCH') && !selectOptions.includes('SUBSCRIBED')) {
      cursor.fail('RECURSIVEMATCH needs another selection option');
    }
  }
  const reference = mailbox(cursor);
  cursor.sp();
  let patterns: string[];
  if (cursor.peek() === '(') {
    extended = true;
    patterns = cursor.list(() => listMailbox(cursor), false);
  } else {
    patterns = [listMailbox(cursor)];
  }
  let returnOptions: ListReturnOptions = { subscribed: false, children: false, specialUse: false, status: null };
  if (cursor.maybeSp()) {
    if (cursor.keyword('RETURN') !== 'RETURN') cursor.fail('Expected RETURN');
    cursor.sp();
    extended = true;
    returnOptions = listReturnOptions(cursor);
  }
  cursor.end();
  return { name: 'LIST', selectOptions, reference, patterns, returnOptions, extended };
}

export function parseLsub(cursor: ArgumentCursor): Of<'LSUB'> {
  cursor.sp();
  const reference = mailbox(cursor);
  cursor.sp();
  const pattern = listMailbox(cursor);
  cursor.end();
  return { name: 'LSUB', reference, pattern };
}

export function parseStatus(cursor: ArgumentCursor): Of<'STATUS'> {
  cursor.sp();
  const box = mailbox(cursor);
  cursor.sp();
  const items = statusItems(cursor);
  cursor.end();
  return { name: 'STATUS', mailbox: box, items };
}

/** APPEND mailbox 1*(SP [flag-list SP] [date-time SP] [ANNOTATION (...) SP] literal), MULTIAPPEND (RFC 3502), ANNOTATION (RFC 5257 3.5). */
export function parseAppend(cursor: ArgumentCursor): Of<'APPEND'> {
  cursor.sp();
  const box = mailbox(cursor);
  const messages: AppendMessage[] = [];
  while (!cursor.atEnd()) {
    cursor.sp();
    let flags: string[] = [];
    let internalDate: Date | null = null;
    if (cursor.peek() === '(') {
      flags = parseFlagList(cursor);
      cursor.sp();
    }
    if (cursor.peek() === '"') {
      internalDate = parseDateTime(cursor);
      cursor.sp();
    }
    // ANNOTATION (RFC 5257 3.5): the values the message starts with.
    let annotations: AnnotationStore[] | undefined;
    if (!cursor.atLiteral() && /^annotation$/i.test(cursor.clone().takeWhile((c) => c !== 0x20 && c !== 0x28))) {
      cursor.keyword('ANNOTATION');
      annotations = parseAnnotationStore(cursor);
      cursor.sp();
    }
    if (!cursor.atLiteral()) {
      // CATENATE (RFC 4469): the message is built from literals and URLs.
      if (cursor.keyword('message literal or CATENATE') !== 'CATENATE') cursor.fail('Expected message literal');
      messages.push({ flags, internalDate, message: Buffer.alloc(0), binary: false, catenate: parseCatenateParts(cursor), ...(annotations ? { annotations } : {}) });
      continue;
    }
    const binary = cursor.literalIsBinary();
    messages.push({ flags, internalDate, message: cursor.literalBytes(), binary, ...(annotations ? { annotations } : {}) });
  }
  if (messages.length === 0) cursor.fail('Missing message');
  return { name: 'APPEND', mailbox: box, messages };
}
