// Shared by the Sieve delivery tests: a fake `sendmail` that writes what it was given to a folder,
// scripts laid out as Cyrus keeps them under sievedir, and one LMTP delivery over the socket.
import { chmodSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { LmtpClient, storedMessages, type TestLmtp } from './harness.js';

export interface Sent {
  args: string[];
  content: string;
}

export function fakeSendmail(dir: string): { program: string; outbox: string } {
  const outbox = join(dir, 'outbox');
  mkdirSync(outbox, { recursive: true });
  const program = join(dir, 'fake-sendmail');
  // Each call: the arguments, one per line, then a blank line and the message.
  writeFileSync(program, `#!/bin/sh\nf="${outbox}/$(date +%s%N)-$$"\n{ for a in "$@"; do printf '%s\\n' "$a"; done; printf '\\n'; cat; } > "$f.tmp" && mv "$f.tmp" "$f.eml"\n`);
  chmodSync(program, 0o755);
  return { program, outbox };
}

/** What the fake sendmail was given, oldest first. */
export function sent(outbox: string): Sent[] {
  return readdirSync(outbox).filter((f) => f.endsWith('.eml')).sort().map((f) => {
    const text = readFileSync(join(outbox, f), 'utf8');
    const split = text.indexOf('\n\n');
    return { args: text.slice(0, split).split('\n'), content: text.slice(split + 2) };
  });
}

/** Store a script of `user` as Cyrus keeps it, and make it the active one when `active`. */
export function putScript(sieveDir: string, user: string, name: string, script: string, active = false): void {
  const dir = join(sieveDir, user[0]!, user);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, `${name}.script`), script);
  if (active) {
    rmSync(join(dir, 'defaultbc'), { force: true });
    symlinkSync(`${name}.bc`, join(dir, 'defaultbc'));
  }
}

/** Make `script` the active one of `user`, as Cyrus keeps it. */
export function activate(sieveDir: string, user: string, script: string, name = 'main'): void {
  putScript(sieveDir, user, name, script, true);
}

/** One LMTP transaction over the server's socket (or its TCP port with `via` 'tcp'); the per-recipient replies of DATA. */
export async function deliver(server: TestLmtp, from: string, rcpts: string[], text: string, via: 'socket' | 'tcp' = 'socket'): Promise<string[]> {
  const c = await LmtpClient.connect(via === 'tcp' ? { port: server.port } : { path: server.socketPath });
  await c.command('LHLO x');
  expect(await c.command(`MAIL FROM:<${from}>`)).toMatch(/^250 /);
  for (const r of rcpts) expect(await c.command(`RCPT TO:<${r}>`)).toMatch(/^250 /);
  await c.command('DATA');
  c.write(`${text.replace(/\r?\n/g, '\r\n')}\r\n.\r\n`);
  const replies = await c.replies(rcpts.length);
  c.close();
  return replies;
}

/** A test message to fred with Message-ID <ID@example.org>. */
export function mail(id: string, headers: string[] = [], body = 'Hello.'): string {
  return ['From: Sender <sender@example.org>', 'To: Fred <fred@lmtp.test>', `Subject: test ${id}`, `Message-ID: <${id}@example.org>`, ...headers, '', body].join('\r\n');
}

/** The stored messages of `mailbox` with Message-ID <ID@example.org> (none when the mailbox does not exist). */
export async function messagesWith(server: TestLmtp, mailbox: string, id: string): Promise<string[]> {
  if (server.store.lookup(mailbox) === null) return [];
  return (await storedMessages(server.store, mailbox)).filter((m) => m.includes(`<${id}@example.org>`));
}

/** The flags of the newest message of `mailbox` (as its owner sees them). */
export function newestFlags(server: TestLmtp, mailbox: string, owner: string): string[] {
  const box = server.store.openMailbox(mailbox);
  try {
    const uids = box.snapshot(owner).uids;
    return box.records([uids[uids.length - 1]!], owner)[0]!.flags.sort();
  } finally {
    box.close();
  }
}
