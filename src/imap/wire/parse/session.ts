/**
 * Commands about the session rather than a mailbox: the ones without arguments, LOGIN,
 * AUTHENTICATE (SASL-IR), ENABLE, COMPRESS and ID.
 */
import { isAtomChar, type ArgumentCursor } from '../cursor.js';
import type { Command, NoArgumentCommandName } from './types.js';

type Of<N extends Command['name']> = Extract<Command, { name: N }>;

export function parseNoArguments(cursor: ArgumentCursor, name: NoArgumentCommandName): Command {
  cursor.end();
  return { name };
}

export function parseLogin(cursor: ArgumentCursor): Of<'LOGIN'> {
  cursor.sp();
  const userid = loginUserid(cursor);
  cursor.sp();
  const password = cursor.astring('password');
  cursor.end();
  return { name: 'LOGIN', userid, password };
}

/**
 * The userid of LOGIN: an astring, except that an unquoted one may also hold the list wildcards
 * "%" and "*" (Cyrus accepts `LOGIN fred%example.org pass`, "%" standing for "@" in some setups).
 */
function loginUserid(cursor: ArgumentCursor): string {
  if (cursor.peek() === '"' || cursor.atLiteral()) return cursor.string('user name');
  const value = cursor.takeWhile((code) => isAtomChar(code) || code === 0x5d || code === 0x25 || code === 0x2a);
  if (value === '') cursor.fail('Expected user name');
  return value;
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

/** COMPRESS mechanism (RFC 4978: one atom; which ones are known is the command's business). */
export function parseCompress(cursor: ArgumentCursor): Of<'COMPRESS'> {
  cursor.sp();
  const mechanism = cursor.keyword('compression mechanism');
  cursor.end();
  return { name: 'COMPRESS', mechanism };
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
