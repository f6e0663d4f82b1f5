/**
 * XFER (Cyrus's, administrators only): `XFER mailbox server [partition]`, the server also written
 * `server!partition` as in Cyrus's own locations (not both at once). And XFERRECV, its receiving
 * end between two backends of ours (see XferRecvStep).
 */
import type { ArgumentCursor } from '../cursor.js';
import type { Command, XferRecvStep } from './types.js';

type Of<N extends Command['name']> = Extract<Command, { name: N }>;

export function parseXfer(cursor: ArgumentCursor): Of<'XFER'> {
  cursor.sp();
  const mailbox = cursor.astring('mailbox name');
  cursor.sp();
  let server = cursor.astring('server');
  let partition = cursor.maybeSp() ? cursor.astring('partition') : null;
  cursor.end();
  const bang = server.indexOf('!');
  if (bang >= 0) {
    if (partition !== null) cursor.fail('Partition given twice (server!partition and a partition)');
    partition = server.slice(bang + 1) || null;
    server = server.slice(0, bang);
  }
  if (server === '') cursor.fail('Empty server name');
  if (partition !== null && !/^[A-Za-z0-9_.-]+$/.test(partition)) cursor.fail('Invalid partition name');
  return { name: 'XFER', mailbox, server, partition };
}

/** Most pieces in one PUT (a batch of small message files). */
const MAX_PIECES = 4096;

function step(cursor: ArgumentCursor): XferRecvStep {
  const kind = cursor.keyword('XFERRECV step');
  switch (kind) {
    case 'MAILBOX': {
      cursor.sp();
      const mailbox = cursor.astring('mailbox name');
      cursor.sp();
      const uniqueId = cursor.astring('uniqueid');
      cursor.sp();
      // NIL, or a partition name (quoted or not: "NIL" quoted is a partition of that name).
      const quotedOrLiteral = cursor.peek() === '"' || cursor.atLiteral();
      const word = cursor.astring('partition');
      const partition = !quotedOrLiteral && word.toUpperCase() === 'NIL' ? null : word;
      cursor.sp();
      const sourcePartition = cursor.astring('source partition');
      return { kind: 'mailbox', mailbox, uniqueId, partition, sourcePartition };
    }
    case 'PUT': {
      cursor.sp();
      const mailbox = cursor.astring('mailbox name');
      cursor.sp();
      const spans = cursor.list(() => {
        const file = cursor.astring('file name');
        cursor.sp();
        const offset = cursor.number('offset');
        cursor.sp();
        return { file, offset, length: cursor.number('length') };
      }, false);
      if (spans.length > MAX_PIECES) cursor.fail('Too many pieces');
      cursor.sp();
      if (!cursor.atLiteral()) cursor.fail('Expected the pieces as a literal');
      const data = cursor.literalBytes();
      const total = spans.reduce((sum, s) => sum + s.length, 0);
      if (total !== data.length) cursor.fail('The pieces do not add up to the literal');
      let at = 0;
      const pieces = spans.map((s) => {
        const piece = { file: s.file, offset: s.offset, data: data.subarray(at, at + s.length) };
        at += s.length;
        return piece;
      });
      return { kind: 'put', mailbox, pieces };
    }
    case 'STATE':
    case 'USER': {
      cursor.sp();
      const name = cursor.astring(kind === 'STATE' ? 'mailbox name' : 'userid');
      cursor.sp();
      if (!cursor.atLiteral()) cursor.fail('Expected the state as a literal');
      const state = cursor.literalBytes();
      return kind === 'STATE' ? { kind: 'state', mailbox: name, state } : { kind: 'user', userid: name, state };
    }
    case 'COMMIT':
      return { kind: 'commit' };
    case 'ABORT':
      return { kind: 'abort' };
    default:
      return cursor.fail(`Unknown XFERRECV step ${kind}`);
  }
}

export function parseXferRecv(cursor: ArgumentCursor): Of<'XFERRECV'> {
  cursor.sp();
  const xferId = cursor.atom('XFER id');
  if (!/^[0-9a-f]{8,64}$/.test(xferId)) cursor.fail('Invalid XFER id');
  cursor.sp();
  const parsed = step(cursor);
  cursor.end();
  return { name: 'XFERRECV', xferId, step: parsed };
}
