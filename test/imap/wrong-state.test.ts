import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RawClient, startTestServer, type TestServer } from './harness.js';

let server: TestServer;
let observer: RawClient;

beforeAll(async () => {
  server = await startTestServer();
  observer = await RawClient.connect(server.port);
  await observer.command('l', 'LOGIN fred pass');
  await observer.command('c', 'CREATE Existing');
  await observer.command('u', 'SUBSCRIBE Existing');
  const body = 'Subject: keep\r\n\r\nbody\r\n';
  observer.write(`ap APPEND INBOX (\\Deleted) {${body.length}+}\r\n${body}\r\n`);
  await observer.readUntil((l) => l.startsWith('ap '));
});
afterAll(async () => {
  observer.close();
  await server.close();
});

type State = 'notAuthenticated' | 'authenticated' | 'selected';
const ALL: State[] = ['notAuthenticated', 'authenticated', 'selected'];
const AUTH: State[] = ['authenticated', 'selected'];
const SEL: State[] = ['selected'];
const PRE: State[] = ['notAuthenticated'];
const plain = Buffer.from('\0fred\0pass').toString('base64');

// Every command of the registry, as a client would send it, with the states it is valid in.
const COMMANDS: Array<[command: string, states: State[]]> = [
  ['CAPABILITY', ALL], ['NOOP', ALL], ['ID NIL', ALL],
  ['LOGIN fred pass', PRE], [`AUTHENTICATE PLAIN ${plain}`, PRE], ['STARTTLS', PRE],
  ['SELECT INBOX', AUTH], ['EXAMINE INBOX', AUTH], ['CREATE Fresh', AUTH], ['DELETE Existing', AUTH],
  ['RENAME Existing Renamed', AUTH], ['SUBSCRIBE INBOX', AUTH], ['UNSUBSCRIBE Existing', AUTH], ['LIST "" *', AUTH],
  ['LSUB "" *', AUTH], ['STATUS INBOX (MESSAGES)', AUTH], ['APPEND INBOX {12}', AUTH], ['NAMESPACE', AUTH],
  ['ENABLE UTF8=ACCEPT', AUTH], ['IDLE', AUTH],
  ['GETACL INBOX', AUTH], ['SETACL INBOX anyone lr', AUTH], ['DELETEACL INBOX anyone', AUTH], ['LISTRIGHTS INBOX anyone', AUTH],
  ['MYRIGHTS INBOX', AUTH],
  ['GETQUOTA INBOX', AUTH], ['GETQUOTAROOT INBOX', AUTH], ['SETQUOTA INBOX (STORAGE 5)', AUTH],
  ['CHECK', SEL], ['CLOSE', SEL], ['UNSELECT', SEL], ['EXPUNGE', SEL], ['UID EXPUNGE 1', SEL], ['SEARCH ALL', SEL],
  ['UID SEARCH ALL', SEL], ['FETCH 1 (FLAGS)', SEL], ['UID FETCH 1 (FLAGS)', SEL], ['STORE 1 -FLAGS (\\Deleted)', SEL],
  ['UID STORE 1 -FLAGS (\\Deleted)', SEL], ['COPY 1 Existing', SEL], ['UID COPY 1 Existing', SEL], ['MOVE 1 Existing', SEL],
  ['UID MOVE 1 Existing', SEL],
  // RFC 7162 modifiers and RFC 5256 SORT / RFC 5267 ESORT.
  ['SELECT INBOX (CONDSTORE)', AUTH], ['FETCH 1 (MODSEQ) (CHANGEDSINCE 1)', SEL], ['UID STORE 1 (UNCHANGEDSINCE 99) -FLAGS (\\Deleted)', SEL],
  ['SEARCH MODSEQ 1', SEL], ['SORT (DATE) UTF-8 ALL', SEL], ['UID SORT RETURN (COUNT) (REVERSE ARRIVAL) UTF-8 ALL', SEL],
  ['THREAD REFERENCES UTF-8 ALL', SEL], ['UID THREAD ORDEREDSUBJECT UTF-8 ALL', SEL],
  // RFC 5267.
  ['CANCELUPDATE "x"', SEL],
  // RFC 5465.
  ['NOTIFY NONE', AUTH],
  // RFC 8437.
  ['UNAUTHENTICATE', AUTH],
  // RFC 4467.
  ['GENURLAUTH "imap://fred@localhost/INBOX/;uid=1;urlauth=anonymous" INTERNAL', AUTH], ['RESETKEY', AUTH], ['URLFETCH "x"', AUTH],
  // RFC 5464.
  ['GETMETADATA "" /shared/comment', AUTH], ['SETMETADATA "" (/private/comment "x")', AUTH],
  // RFC 4978 (before login: BAD, as Cyrus 3.6 answers).
  ['COMPRESS DEFLATE', AUTH],
  // Cyrus's XFER, and its receiving end between Murder backends.
  ['XFER INBOX other.example', AUTH], ['XFERRECV 0123456789abcdef ABORT', AUTH],
];

const cases = COMMANDS.flatMap(([command, states]) => ALL.filter((s) => !states.includes(s)).map((state) => [state, command] as const));

async function inState(state: State): Promise<RawClient> {
  const c = await RawClient.connect(server.port);
  if (state !== 'notAuthenticated') expect((await c.command('l', 'LOGIN fred pass')).at(-1)).toMatch(/^l OK/);
  if (state === 'selected') expect((await c.command('s', 'SELECT INBOX')).at(-1)).toMatch(/^s OK/);
  return c;
}

/** What a command run by mistake could change: mailboxes, subscriptions, INBOX's messages and flags. */
async function world(): Promise<string[]> {
  return [
    ...(await observer.command('w1', 'LIST "" *')),
    ...(await observer.command('w2', 'LSUB "" *')),
    ...(await observer.command('w3', 'STATUS INBOX (MESSAGES UIDNEXT HIGHESTMODSEQ)')),
    ...(await observer.command('w4', 'STATUS Existing (MESSAGES UIDNEXT)')),
  ];
}

/** The session is still in `state`. */
async function expectState(c: RawClient, state: State): Promise<void> {
  const ns = (await c.command('p', 'NAMESPACE')).at(-1)!;
  const check = (await c.command('q', 'CHECK')).at(-1)!;
  if (state === 'notAuthenticated') expect([ns, check]).toEqual([expect.stringMatching(/^p BAD/), expect.stringMatching(/^q BAD/)]);
  if (state === 'authenticated') expect([ns, check]).toEqual([expect.stringMatching(/^p OK/), expect.stringMatching(/^q BAD/)]);
  if (state === 'selected') expect([ns, check]).toEqual([expect.stringMatching(/^p OK/), expect.stringMatching(/^q OK/)]);
}

describe('every command in every state it is not valid in', () => {
  it('covers the whole registry', async () => {
    const { REGISTRY } = await import('../../src/imap/commands/registry.js');
    const nameOf = (c: string) => (c.startsWith('UID EXPUNGE') ? 'UID EXPUNGE' : c.replace(/^UID /, '').split(' ')[0]!);
    const named = new Set(COMMANDS.map(([c]) => nameOf(c)));
    // LOGOUT is valid in every state (and ends the session).
    expect([...REGISTRY.keys()].filter((n) => n !== 'LOGOUT' && !named.has(n))).toEqual([]);
  });

  it.each(cases)('%s: %s gets a tagged BAD or NO and changes nothing', async (state, command) => {
    const before = await world();
    const c = await inState(state);
    const lines = await c.command('t', command);
    expect(lines.at(-1)).toMatch(/^t (BAD|NO) /);
    expect(lines.filter((l) => l.startsWith('+'))).toEqual([]);
    await expectState(c, state);
    c.close();
    expect(await world()).toEqual(before);
  });
});
