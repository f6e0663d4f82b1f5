/**
 * COPY/MOVE from a mailbox selected on one backend to a mailbox on another, as Cyrus's proxyd does
 * it: the messages are fetched from the source backend (flags, internal date, the message itself)
 * and appended on the target's in one MULTIAPPEND; MOVE then expunges them at the source. The
 * answer carries COPYUID from the target's APPENDUID. The messages are held in memory meanwhile.
 */
import { formatSequenceSet } from '../wire/sequence.js';
import { untaggedStatus } from '../wire/serialize/response.js';
import { CommandFailure, type CommandResult } from '../commands/types.js';
import type { CommandPiece, TaggedResponse } from './backend.js';

interface FetchedMessage {
  uid: number;
  flags: string[];
  internalDate: string;
  body: Buffer;
}

/** What the copy needs of the proxy: commands on a backend, untagged answers seen or relayed. */
export interface CopyRelay {
  command(server: string, pieces: CommandPiece[], onUntagged: (bytes: Buffer) => void): Promise<TaggedResponse>;
  /** Write an untagged response of the selected mailbox to the client. */
  toClient(bytes: Buffer | string): void;
}

export interface CrossCopy {
  move: boolean;
  byUid: boolean;
  /** The message set as the client wrote it. */
  set: string;
  source: string;
  target: string;
  /** The target mailbox's name as the client wrote it. */
  targetName: string;
}

export async function copyAcross(relay: CopyRelay, copy: CrossCopy): Promise<CommandResult> {
  const messages: FetchedMessage[] = [];
  const fetch = `${copy.byUid ? 'UID ' : ''}FETCH ${copy.set} (UID FLAGS INTERNALDATE BODY.PEEK[])`;
  const fetched = await relay.command(copy.source, [text(fetch)], (bytes) => {
    const message = parseFetch(bytes);
    if (message !== null) messages.push(message);
    else relay.toClient(bytes);
  });
  if (fetched.status !== 'OK') return { status: fetched.status, code: fetched.code, text: fetched.text };
  if (messages.length === 0) return { status: 'OK', text: `${copy.move ? 'MOVE' : 'COPY'} completed (no messages)` };
  messages.sort((a, b) => a.uid - b.uid);
  const pieces: CommandPiece[] = [text(`APPEND ${quoted(copy.targetName)}`)];
  for (const m of messages) {
    pieces.push(text(` (${m.flags.filter((f) => f.toLowerCase() !== '\\recent').join(' ')}) "${m.internalDate}" `));
    pieces.push({ kind: 'literal', bytes: m.body, binary: false });
  }
  const appended = await relay.command(copy.target, pieces, () => undefined);
  if (appended.status !== 'OK') {
    const trycreate = appended.code?.toUpperCase() === 'TRYCREATE';
    return { status: appended.status, code: trycreate ? 'TRYCREATE' : appended.code, text: appended.text };
  }
  const uids = messages.map((m) => m.uid);
  const appendUid = /^APPENDUID (\d+) (\S+)$/i.exec(appended.code ?? '');
  const copyUid = appendUid ? `COPYUID ${appendUid[1]} ${formatSequenceSet(uids)} ${appendUid[2]}` : null;
  if (!copy.move) return { status: 'OK', code: copyUid, text: 'COPY completed' };
  if (copyUid !== null) relay.toClient(untaggedStatus('OK', copyUid, 'Ok'));
  const set = formatSequenceSet(uids);
  const flagged = await relay.command(copy.source, [text(`UID STORE ${set} +FLAGS.SILENT (\\Deleted)`)], (bytes) => relay.toClient(bytes));
  if (flagged.status !== 'OK') throw new CommandFailure('NO', null, `Copied but not removed from the source: ${flagged.text}`);
  const expunged = await relay.command(copy.source, [text(`UID EXPUNGE ${set}`)], (bytes) => relay.toClient(bytes));
  if (expunged.status !== 'OK') throw new CommandFailure('NO', null, `Copied but not removed from the source: ${expunged.text}`);
  return { status: 'OK', text: 'MOVE completed' };
}

function text(value: string): CommandPiece {
  return { kind: 'text', bytes: Buffer.from(value, 'utf8') };
}

function quoted(value: string): string {
  return `"${value.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}

/** A FETCH response with UID, FLAGS, INTERNALDATE and BODY[] (a literal), or null for anything else. */
export function parseFetch(bytes: Buffer): FetchedMessage | null {
  const head = bytes.toString('latin1', 0, Math.min(bytes.length, 64));
  if (!/^\* \d+ FETCH \(/i.test(head)) return null;
  const marker = /BODY\[\] \{(\d+)\}\r\n/i.exec(bytes.toString('latin1'));
  if (!marker) return null;
  const start = marker.index + marker[0].length;
  const size = Number(marker[1]);
  const body = bytes.subarray(start, start + size);
  // The attributes outside the literal (before and after it).
  const rest = bytes.toString('latin1', 0, marker.index) + bytes.toString('latin1', start + size);
  const uid = /\bUID (\d+)/i.exec(rest);
  const flags = /\bFLAGS \(([^)]*)\)/i.exec(rest);
  const date = /\bINTERNALDATE "([^"]*)"/i.exec(rest);
  if (!uid || !flags || !date) return null;
  return { uid: Number(uid[1]), flags: flags[1]!.split(' ').filter((f) => f !== ''), internalDate: date[1]!, body };
}
