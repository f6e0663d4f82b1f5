/** Shared by the mailbox-command tests: a logged-in raw client and store shortcuts. */
import { RawClient, type TestServer } from '../harness.js';

export async function loggedIn(server: TestServer, user = 'fred'): Promise<RawClient> {
  const c = await RawClient.connect(server.port);
  const login = await c.command('l', `LOGIN ${user} pass`);
  if (!login.at(-1)!.startsWith('l OK')) throw new Error(`login failed: ${login.join('\n')}`);
  return c;
}

export function uidValidityOf(server: TestServer, internal: string): number {
  const mailbox = server.imap.deps.store.openMailbox(internal);
  try {
    return mailbox.status().uidValidity;
  } finally {
    mailbox.close();
  }
}

/** The tagged line of a response. */
export const last = (lines: string[]): string => lines.at(-1)!;
