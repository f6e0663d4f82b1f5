/**
 * The arguments of the URL commands: GENURLAUTH, RESETKEY, URLFETCH (RFC 4467, with the extended
 * URLFETCH of RFC 5524) and APPEND's CATENATE list (RFC 4469). URLs stay strings here: they are
 * parsed (parseImapUrl) by the handlers, since a bad URL is answered per URL (NIL, BADURL), not BAD.
 */
import type { ArgumentCursor } from '../cursor.js';
import type { CatenatePart, Command, UrlFetchRequest } from './types.js';

type Of<N extends Command['name']> = Extract<Command, { name: N }>;

/** mechanism = "INTERNAL" / 1*(ALPHA / DIGIT / "-" / ".") */
function mechanism(cursor: ArgumentCursor): string {
  const value = cursor.atom('mechanism');
  if (!/^[A-Za-z0-9\-.]+$/.test(value)) cursor.fail(`Invalid mechanism ${value}`);
  return value.toUpperCase();
}

/** GENURLAUTH 1*(SP url-rump SP mechanism) */
export function parseGenUrlAuth(cursor: ArgumentCursor): Of<'GENURLAUTH'> {
  const requests: Array<{ url: string; mechanism: string }> = [];
  do {
    cursor.sp();
    const url = cursor.astring('URL');
    cursor.sp();
    requests.push({ url, mechanism: mechanism(cursor) });
  } while (!cursor.atEnd());
  return { name: 'GENURLAUTH', requests };
}

/** RESETKEY [SP mailbox *(SP mechanism)] */
export function parseResetKey(cursor: ArgumentCursor): Of<'RESETKEY'> {
  if (cursor.atEnd()) return { name: 'RESETKEY', mailbox: null, mechanisms: [] };
  cursor.sp();
  const box = cursor.astring('mailbox name');
  const mechanisms: string[] = [];
  while (!cursor.atEnd()) {
    cursor.sp();
    mechanisms.push(mechanism(cursor));
  }
  return { name: 'RESETKEY', mailbox: box, mechanisms };
}

const FETCH_PARAMETERS = new Set(['BODY', 'BINARY', 'BODYPARTSTRUCTURE']);

/** url-fetch-arg = url-full / "(" url-full *(SP url-fetch-param) ")" (RFC 5524). */
function urlFetchArgument(cursor: ArgumentCursor): UrlFetchRequest {
  if (cursor.peek() !== '(') return { url: cursor.astring('URL'), extended: false, body: false, binary: false, bodyPartStructure: false };
  cursor.expect('(');
  const url = cursor.astring('URL');
  const seen = new Set<string>();
  while (!cursor.maybe(')')) {
    cursor.sp();
    const parameter = cursor.keyword('URLFETCH parameter');
    if (!FETCH_PARAMETERS.has(parameter)) cursor.fail(`Unknown URLFETCH parameter ${parameter}`);
    if (seen.has(parameter)) cursor.fail(`URLFETCH parameter ${parameter} given twice`);
    seen.add(parameter);
  }
  if (seen.has('BODY') && seen.has('BINARY')) cursor.fail('BODY and BINARY exclude each other');
  // Without parameters the enclosed form means the plain one (RFC 5524 section 3).
  return { url, extended: seen.size > 0, body: seen.has('BODY'), binary: seen.has('BINARY'), bodyPartStructure: seen.has('BODYPARTSTRUCTURE') };
}

/** URLFETCH 1*(SP url-fetch-arg) */
export function parseUrlFetch(cursor: ArgumentCursor): Of<'URLFETCH'> {
  const urls: UrlFetchRequest[] = [];
  do {
    cursor.sp();
    urls.push(urlFetchArgument(cursor));
  } while (!cursor.atEnd());
  return { name: 'URLFETCH', urls };
}

/** After APPEND's "CATENATE" keyword: SP "(" cat-part *(SP cat-part) ")", cat-part = TEXT SP literal / URL SP astring. */
export function parseCatenateParts(cursor: ArgumentCursor): CatenatePart[] {
  cursor.sp();
  return cursor.list(() => {
    const kind = cursor.keyword('CATENATE part');
    cursor.sp();
    if (kind === 'URL') return { kind: 'url', url: cursor.astring('URL') };
    if (kind !== 'TEXT') cursor.fail(`Unknown CATENATE part ${kind}`);
    if (!cursor.atLiteral()) cursor.fail('TEXT needs a literal');
    const binary = cursor.literalIsBinary();
    return { kind: 'text', bytes: cursor.literalBytes(), binary };
  }, false);
}
