/**
 * The rights matrix (issue 13): every right, granted and then removed, against every command that
 * needs it, for the owner, another user, a member of a group (auth_groupfile), a user reached only
 * through "anyone", anonymous, an administrator and a domain administrator. A granted right lets
 * the command through; a removed one gets NO and leaves the world as it was (unless the principal
 * holds the right anyway: the owner's implicit `lkxan`, an administrator's `la` and its power to
 * create and rename anywhere in reach).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MailStore } from '../../src/store/index.js';
import { RawClient, startTestServer, type TestServer } from './harness.js';

interface Principal {
  label: string;
  login: [string, string];
  /** The ACL identifier that grants this principal rights. */
  identifier: string;
  /** Rights it has whatever the ACL says. */
  implicit: string;
  /** Administrator powers: create and rename without rights. */
  admin: boolean;
  /** Domain of the mailboxes it is tested on (null: the default domain). */
  domain: string | null;
}

const PRINCIPALS: Principal[] = [
  { label: 'owner', login: ['fred', 'pass'], identifier: 'fred', implicit: 'lkxan', admin: false, domain: null },
  { label: 'another user', login: ['bob', 'pass'], identifier: 'bob', implicit: '', admin: false, domain: null },
  { label: 'group member', login: ['gina', 'pass'], identifier: 'group:staff', implicit: '', admin: false, domain: null },
  { label: 'anyone', login: ['carl', 'pass'], identifier: 'anyone', implicit: '', admin: false, domain: null },
  { label: 'anonymous', login: ['anonymous', 'guest'], identifier: 'anonymous', implicit: '', admin: false, domain: null },
  { label: 'admin', login: ['admin', 'pass'], identifier: 'admin', implicit: 'la', admin: true, domain: null },
  { label: 'domain admin', login: ['dadmin@example.com', 'pass'], identifier: 'dadmin@example.com', implicit: 'la', admin: true, domain: 'example.com' },
];

/** The fixture's internal names in a domain. */
function names(domain: string | null) {
  const base = domain ? `${domain}!user.fred` : 'user.fred';
  return { inbox: base, box: `${base}.box`, child: `${base}.box.child`, victim: `${base}.box.victim`, renamed: `${base}.box.renamed`, src: `${base}.src` };
}

/** What each principal calls the fixture's mailboxes (standard namespace, "/" separator). */
function external(p: Principal, internal: string): string {
  const local = internal.replace(/^[^!]*!/, '');
  const own = p.label === 'owner';
  return own ? local.replace(/^user\.fred/, 'INBOX').replaceAll('.', '/') : local.replaceAll('.', '/');
}

type Outcome = 'allowed' | 'refused';

interface Case {
  command: string;
  right: string;
  /** Rights given in both variants (so the command can get as far as the right under test). */
  base: string;
  /** Rights of the MOVE/COPY source mailbox. */
  source?: boolean;
  deletedMessage?: boolean;
  /** Administrators may do this without the right (Cyrus's isadmin). */
  adminPower?: boolean;
  /** Run the command; return whether it was allowed (and check the answer's form). */
  run(c: RawClient, n: (internal: string) => string, fx: ReturnType<typeof names>): Promise<Outcome>;
  /** After a refusal: nothing changed. */
  unchanged?(c: RawClient, fx: ReturnType<typeof names>): Promise<void>;
}

let server: TestServer;
let groupDir: string;
let store: MailStore;
let tagNo = 0;
const tag = () => `t${++tagNo}`;
/** Whether the session under test has a mailbox selected (so that cleaning up never provokes BAD). */
let selectedNow = false;

async function answer(c: RawClient, command: string): Promise<{ lines: string[]; tagged: string }> {
  const t = tag();
  const lines = await c.command(t, command);
  const tagged = lines.at(-1)!.slice(t.length + 1);
  if (/^(SELECT|EXAMINE) /.test(command)) selectedNow = tagged.startsWith('OK');
  if (command === 'UNSELECT') selectedNow = false;
  return { lines, tagged };
}

/** OK → allowed; NO → refused (never BAD, never a server bug). */
function outcome(tagged: string): Outcome {
  if (tagged.startsWith('OK')) return 'allowed';
  expect(tagged).toMatch(/^NO \[(NOPERM|NONEXISTENT|READ-ONLY|TRYCREATE)\]/);
  return 'refused';
}

function count(name: string): number {
  const mailbox = store.openMailbox(name);
  try {
    return mailbox.snapshot(null).uids.length;
  } finally {
    mailbox.close();
  }
}

async function selectThen(c: RawClient, box: string, command: string): Promise<Outcome> {
  const selected = await answer(c, `SELECT "${box}"`);
  expect(selected.tagged).toMatch(/^OK/);
  return outcome((await answer(c, command)).tagged);
}

async function flagsOf(c: RawClient): Promise<string> {
  const { lines } = await answer(c, 'FETCH 1 (FLAGS)');
  return lines.find((l) => l.startsWith('* 1 FETCH')) ?? '';
}

const message = 'From: a@example.com\r\nSubject: matrix\r\n\r\nbody\r\n';

const CASES: Case[] = [
  { command: 'SELECT', right: 'r', base: 'l', run: async (c, n, fx) => outcome((await answer(c, `SELECT "${n(fx.box)}"`)).tagged),
    unchanged: async () => expect(selectedNow).toBe(false) },
  { command: 'EXAMINE', right: 'r', base: 'l', run: async (c, n, fx) => outcome((await answer(c, `EXAMINE "${n(fx.box)}"`)).tagged),
    unchanged: async () => expect(selectedNow).toBe(false) },
  ...([['\\Seen', 's'], ['\\Flagged', 'w'], ['\\Deleted', 't']] as const).map(([flag, right]): Case => ({
    command: `STORE ${flag}`, right, base: 'lr',
    run: (c, n, fx) => selectThen(c, n(fx.box), `STORE 1 +FLAGS (${flag})`),
    unchanged: async (c) => expect(await flagsOf(c)).not.toContain(flag),
  })),
  { command: 'EXPUNGE', right: 'e', base: 'lrs', deletedMessage: true, run: (c, n, fx) => selectThen(c, n(fx.box), 'EXPUNGE'),
    unchanged: async (_c, fx) => expect(count(fx.box)).toBe(1) },
  { command: 'APPEND', right: 'i', base: 'l', run: async (c, n, fx) => outcome((await answer(c, `APPEND "${n(fx.box)}" {${message.length}+}\r\n${message}`)).tagged),
    unchanged: async (_c, fx) => expect(count(fx.box)).toBe(1) },
  ...(['COPY', 'MOVE'] as const).map((verb): Case => ({
    command: `${verb} target`, right: 'i', base: 'l', source: true,
    run: (c, n, fx) => selectThen(c, n(fx.src), `${verb} 1 "${n(fx.box)}"`),
    unchanged: async (_c, fx) => {
      expect(count(fx.box)).toBe(1);
      expect(count(fx.src)).toBe(1);
    },
  })),
  { command: 'CREATE (k on the parent)', right: 'k', base: 'l', adminPower: true, run: async (c, n, fx) => outcome((await answer(c, `CREATE "${n(fx.child)}"`)).tagged),
    unchanged: async (_c, fx) => expect(store.lookup(fx.child)).toBeNull() },
  { command: 'DELETE', right: 'x', base: 'l', run: async (c, n, fx) => outcome((await answer(c, `DELETE "${n(fx.victim)}"`)).tagged),
    unchanged: async (_c, fx) => expect(store.lookup(fx.victim)).not.toBeNull() },
  ...(['x', 'k'] as const).map((right): Case => ({
    command: `RENAME (${right})`, right, base: right === 'x' ? 'lk' : 'lx', adminPower: true,
    run: async (c, n, fx) => outcome((await answer(c, `RENAME "${n(fx.victim)}" "${n(fx.renamed)}"`)).tagged),
    unchanged: async (_c, fx) => {
      expect(store.lookup(fx.victim)).not.toBeNull();
      expect(store.lookup(fx.renamed)).toBeNull();
    },
  })),
  { command: 'LIST', right: 'l', base: '', run: async (c, n, fx) => {
    const { lines, tagged } = await answer(c, `LIST "" "${n(fx.box)}"`);
    expect(tagged).toMatch(/^OK/);
    return lines.some((l) => l.startsWith('* LIST') && l.endsWith(n(fx.box))) ? 'allowed' : 'refused';
  } },
  { command: 'SETACL', right: 'a', base: 'l', run: async (c, n, fx) => outcome((await answer(c, `SETACL "${n(fx.box)}" zed lr`)).tagged),
    unchanged: async (_c, fx) => expect(store.lookup(fx.box)!.acl).not.toContain('zed') },
  { command: 'DELETEACL', right: 'a', base: 'l', run: async (c, n, fx) => outcome((await answer(c, `DELETEACL "${n(fx.box)}" keeper`)).tagged),
    unchanged: async (_c, fx) => expect(store.lookup(fx.box)!.acl).toContain('keeper\t') },
  { command: 'GETACL', right: 'a', base: 'l', run: async (c, n, fx) => {
    const { lines, tagged } = await answer(c, `GETACL "${n(fx.box)}"`);
    const result = outcome(tagged);
    expect(lines.some((l) => l.startsWith('* ACL'))).toBe(result === 'allowed');
    return result;
  } },
  { command: 'LISTRIGHTS', right: 'a', base: 'l', run: async (c, n, fx) => outcome((await answer(c, `LISTRIGHTS "${n(fx.box)}" bob`)).tagged) },
  { command: 'MYRIGHTS (any right)', right: 'l', base: '', run: async (c, n, fx) => {
    const { lines, tagged } = await answer(c, `MYRIGHTS "${n(fx.box)}"`);
    const result = outcome(tagged);
    if (result === 'allowed') expect(lines.some((l) => /^\* MYRIGHTS \S+ "?l/.test(l))).toBe(true);
    return result;
  } },
];

/** Fresh fixture: box (one message) with `acl` for the principal, victim below it, src for COPY/MOVE. */
async function fixture(p: Principal, testCase: Case, rights: string): Promise<ReturnType<typeof names>> {
  const fx = names(p.domain);
  for (const name of [fx.box, fx.src]) if (store.lookup(name)) store.deleteMailbox(name, { recursive: true });
  // "keeper" is a bystander entry, so that DELETEACL has something to delete.
  const acl = `keeper\tlr\t${rights ? `${p.identifier}\t${rights}\t` : ''}`;
  store.createMailbox(fx.box, { acl });
  // The mailbox DELETE and RENAME act on; invisible otherwise (a visible child would list box as \Noselect).
  const onVictim = testCase.command === 'DELETE' || testCase.command.startsWith('RENAME');
  store.createMailbox(fx.victim, { acl: onVictim && rights ? `${p.identifier}\t${rights}\t` : '' });
  store.createMailbox(fx.src, { acl: `${p.identifier}\tlrswte\t` });
  await server.imap.deps.intake.append(fx.box, [{ bytes: Buffer.from(message), flags: testCase.deletedMessage ? ['\\Deleted'] : [] }]);
  await server.imap.deps.intake.append(fx.src, [{ bytes: Buffer.from(message) }]);
  return fx;
}

/** What the principal may do with `rights` in the ACL. */
function expected(p: Principal, testCase: Case, rights: string): Outcome {
  if (p.admin && testCase.adminPower) return 'allowed';
  const held = new Set([...rights, ...p.implicit]);
  return held.has(testCase.right) ? 'allowed' : 'refused';
}

beforeAll(async () => {
  groupDir = mkdtempSync(join(tmpdir(), 'cyrusts-acl-groups-'));
  writeFileSync(join(groupDir, 'group'), 'staff:x:5000:gina\n');
  server = await startTestServer({
    users: ['fred', 'bob', 'gina', 'carl', 'admin', 'dadmin@example.com', 'fred@example.com'],
    conf: [
      'unixhierarchysep: yes', 'altnamespace: no', 'virtdomains: userid', 'defaultdomain: main.test', 'admins: admin dadmin@example.com',
      'allowanonymouslogin: yes', 'delete_mode: immediate', 'autocreate_quota: -1', `auth_groupfile: ${join(groupDir, 'group')}`,
    ],
  });
  store = server.imap.deps.store;
  store.createMailbox('user.fred', { acl: 'fred\tlrswipkxtecdan\t' });
  store.createMailbox('example.com!user.fred', { acl: 'fred@example.com\tlrswipkxtecdan\t' });
});

afterAll(async () => {
  await server?.close();
  rmSync(groupDir, { recursive: true, force: true });
});

describe.each(PRINCIPALS)('rights matrix: $label', (p) => {
  let c: RawClient;
  beforeAll(async () => {
    c = await RawClient.connect(server.port);
    expect((await c.command('login', `LOGIN "${p.login[0]}" "${p.login[1]}"`)).at(-1)).toMatch(/^login OK/);
  });
  afterAll(() => c?.close());

  const n = (internal: string) => external(p, internal);
  for (const testCase of CASES) {
    for (const variant of ['granted', 'removed'] as const) {
      it(`${testCase.command} with ${testCase.right} ${variant}`, async () => {
        const rights = variant === 'granted' ? testCase.base + testCase.right : testCase.base.replace(testCase.right, '');
        const fx = await fixture(p, testCase, rights);
        const want = expected(p, testCase, rights);
        try {
          expect(await testCase.run(c, n, fx)).toBe(want);
          if (want === 'refused') await testCase.unchanged?.(c, fx);
        } finally {
          if (selectedNow) await answer(c, 'UNSELECT');
        }
      });
    }
  }
});
