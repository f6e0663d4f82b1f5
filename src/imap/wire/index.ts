/**
 * The IMAP protocol library: framing (CommandReader), typed command parsing (parseCommand),
 * response serialization, sequence sets, dates and modified UTF-7. No I/O, no storage.
 *
 * A session's read loop, in outline:
 *
 *   reader.push(chunk);
 *   for (let event = reader.next(); event; event = reader.next()) {
 *     if (event.type === 'literal') { write(continuation()); reader.acceptLiteral(); }   // or reject + tagged NO
 *     else if (event.type === 'error') { write(tagged or untagged event.error.status [code] message); if fatal: BYE, close }
 *     else try { handle(event.command.tag, parseCommand(event.command)) }
 *          catch (e) { e instanceof ParseError ? write(tagged(tag, 'BAD', null, e.message)) : ... }
 *   }
 *
 * AUTHENTICATE continuation lines and IDLE's DONE are read with reader.nextLine().
 */
export * from './reader.js';
export { ArgumentCursor, ParseError, isAtomChar } from './cursor.js';
export * from './parse/index.js';
export { parseSection, parseFetchItems, formatSection } from './parse/fetch.js';
export { parseSearchCriteria } from './parse/search.js';
export { canonicalFlag } from './parse/flags.js';
export * from './sequence.js';
export * from './datetime.js';
export * from './mutf7.js';
export * from './mailboxName.js';
export * from './serialize/strings.js';
export * from './serialize/response.js';
export * from './serialize/body.js';
export * from './serialize/fetch.js';
export * from './serialize/lists.js';
