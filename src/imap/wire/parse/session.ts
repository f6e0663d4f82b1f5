/**
 * Commands about the session rather than a mailbox: the ones without arguments, LOGIN,
 * AUTHENTICATE (SASL-IR), ENABLE and ID; and the message commands STORE COPY MOVE UID EXPUNGE.
 */
import type { ArgumentCursor } from '../cursor.js';
import { parseSequenceSet } from '../sequence.js';
import { parseFlag, parseFlagList } from './flags.js';
import { mailbox } from './mailbox.js';
import type { Command, NoArgumentCommandName, StoreOperation } from './types.js';

type Of<N extends Command['name']> = Extract<Command, { name: N }>;

export function parseNoArguments(cursor: ArgumentCursor, name: NoArgumentCommandName): Command {
  cursor.end();
  return { name };
}

export function parseLogin(cursor: ArgumentCursor): Of<'LOGIN'> {
  cursor.sp();
  const userid = cursor.astring('user name');
  cursor.sp();
  const password = cursor.astring('password');
  cursor.end();
  return { name: 'LOGIN', userid, password };
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

export function parseAuthenticate(cursor: ArgumentCursor): Of<'AUTHENTICATE'> {
  cursor.sp();
  const mechanism = cursor.keyword('SASL mechanism');
  let initialResponse: string | null = null;
  if (cursor.maybeSp()) {
    const text = cursor.atom('initial response');
    if (text === '=') initialResponse = '';
    else if (BASE64.test(text) && text.length % 4 === 0) initialResponse = text;
    else cursor.fail('Invalid base64 initial response');
  }
  cursor.end();
  return { name: 'AUTHENTICATE', mechanism, initialResponse };
}

export function parseEnable(cursor: ArgumentCursor): Of<'ENABLE'> {
  const capabilities: string[] = [];
  do {
    cursor.sp();
    capabilities.push(cursor.keyword('capability'));
  } while (!cursor.atEnd());
  return { name: 'ENABLE', capabilities };
}

/** ID ( "field" nstring ... ) / NIL (RFC 2971: at most 30 pairs, fields up to 30 bytes, values up to 1024). */
export function parseId(cursor: ArgumentCursor): Of<'ID'> {
  cursor.sp();
  if (cursor.peek() !== '(') {
    if (cursor.keyword('NIL') !== 'NIL') cursor.fail('Expected parameter list or NIL');
    cursor.end();
    return { name: 'ID', parameters: null };
  }
  const parameters: Array<[string, string | null]> = [];
  cursor.expect('(');
  while (!cursor.maybe(')')) {
    if (parameters.length > 0) cursor.sp();
    const field = cursor.string('ID field');
    cursor.sp();
    const value = cursor.nstring('ID value');
    if (field.length > 30 || (value !== null && value.length > 1024) || parameters.length >= 30) cursor.fail('ID parameters too long');
    parameters.push([field, value]);
  }
  if (parameters.length === 0) cursor.fail('Empty ID list (use NIL)');
  cursor.end();
  return { name: 'ID', parameters };
}

export function parseStore(cursor: ArgumentCursor, byUid: boolean): Of<'STORE'> {
  cursor.sp();
  const set = parseSequenceSet(cursor);
  cursor.sp();
  const item = cursor.keyword('store item');
  const match = /^([+-]?)FLAGS(\.SILENT)?$/.exec(item);
  if (!match) cursor.fail(`Invalid store item ${item}`);
  const operation: StoreOperation = match[1] === '+' ? 'add' : match[1] === '-' ? 'remove' : 'replace';
  cursor.sp();
  let flags: string[];
  if (cursor.peek() === '(') flags = parseFlagList(cursor);
  else {
    flags = [parseFlag(cursor)];
    while (cursor.maybeSp()) flags.push(parseFlag(cursor));
  }
  cursor.end();
  return { name: 'STORE', byUid, set, operation, silent: match[2] !== undefined, flags };
}

export function parseCopyMove(cursor: ArgumentCursor, name: 'COPY' | 'MOVE', byUid: boolean): Of<'COPY' | 'MOVE'> {
  cursor.sp();
  const set = parseSequenceSet(cursor);
  cursor.sp();
  const box = mailbox(cursor);
  cursor.end();
  return { name, byUid, set, mailbox: box };
}

export function parseUidExpunge(cursor: ArgumentCursor): Of<'UID EXPUNGE'> {
  cursor.sp();
  const uids = parseSequenceSet(cursor);
  cursor.end();
  return { name: 'UID EXPUNGE', uids };
}
