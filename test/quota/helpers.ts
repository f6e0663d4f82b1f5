/** Shared by the quota tests: a store in a temp directory and messages of an exact size. */
import type { MailStore } from '../../src/store/index.js';

/** A CRLF message of exactly `size` bytes (at least 100). */
export function sizedMessage(size: number, tag = 'm'): Buffer {
  const head = `From: a@example.com\r\nSubject: ${tag}\r\n\r\n`;
  const room = size - head.length - 2;
  if (room < 0) throw new Error('message too small');
  return Buffer.from(head + 'x'.repeat(room) + '\r\n');
}

export async function appendTo(store: MailStore, name: string, ...sizes: number[]): Promise<number[]> {
  const box = store.openMailbox(name);
  try {
    return (await box.append(sizes.map((size, i) => ({ content: sizedMessage(size, `s${i}` ) })))).uids;
  } finally {
    box.close();
  }
}

export const NO_LIMITS = { STORAGE: null, MESSAGE: null, MAILBOX: null };
