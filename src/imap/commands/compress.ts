/**
 * COMPRESS (RFC 4978): after the tagged OK, both directions of the connection are raw DEFLATE
 * (src/common/deflate-socket.ts). Valid after login only, as in Cyrus (before it: BAD, Please login
 * first). An unknown mechanism is BAD (RFC 4978 section 3; Cyrus 3.6 says NO), a second COMPRESS
 * is `BAD [COMPRESSIONACTIVE]` (the RFC's BAD for "COMPRESS already active", with the code Cyrus 3.6
 * gives it).
 */
import { AUTHENTICATED } from '../session/state.js';
import { always, CommandFailure, defineCommand } from './types.js';

export const compressCommand = defineCommand({
  name: 'COMPRESS',
  states: AUTHENTICATED,
  allowsExpunge: always,
  handle(ctx, command) {
    if (ctx.compressed) throw new CommandFailure('BAD', 'COMPRESSIONACTIVE', 'DEFLATE active via COMPRESS');
    if (command.mechanism !== 'DEFLATE') throw new CommandFailure('BAD', null, `Unknown COMPRESS mechanism: ${command.mechanism}`);
    ctx.startCompression();
    return { status: 'OK', text: 'DEFLATE active' };
  },
});
