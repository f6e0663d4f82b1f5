/**
 * Every enforcement point at, just under and just over each limit: APPEND and MULTIAPPEND
 * (STORAGE, MESSAGE), COPY, MOVE (across roots refused, within one root never), CREATE (MAILBOX).
 * A refusal is `NO [OVERQUOTA]` and changes nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MailStore } from '../../src/store/index.js';
import { RawClient, startTestServer, type TestServer } from '../imap/harness.js';
import { appendTo, NO_LIMITS, sizedMessage } from './helpers.js';

let server: TestServer;
let store: MailStore;
let fred: RawClient;
let n = 0;

beforeAll(async () => {
  server = await startTestServer({ users: ['fred', 'admin'], conf: ['unixhierarchysep: no', 'altnamespace: no'] });
  store = server.imap.deps.store;
  fred = await RawClient.connect(server.port);
  expect((await fred.command('l', 'LOGIN fred pass')).at(-1)).toMatch(/^l OK/);
});

afterAll(async () => {
  fred?.close();
  await server?.close();
});

/** A fresh folder of fred's that is a root with these limits; returns its client name. */
function rootFolder(limits: Partial<typeof NO_LIMITS>): { internal: string; external: string } {
  const leaf = `f${++n}`;
  store.createMailbox(`user.fred.${leaf}`, { acl: 'fred\tlrswipkxtecdan\t' });
  store.setQuota(`user.fred.${leaf}`, { ...NO_LIMITS, ...limits });
  return { internal: `user.fred.${leaf}`, external: `INBOX.${leaf}` };
}

async function append(mailbox: string, ...sizes: number[]): Promise<string> {
  const tag = `a${++n}`;
  let line = `${tag} APPEND ${mailbox}`;
  const parts = sizes.map((size) => sizedMessage(size));
  fred.write(`${line} {${parts[0]!.length}+}\r\n`);
  for (let i = 0; i < parts.length; i++) {
    fred.write(parts[i]!);
    fred.write(i + 1 < parts.length ? ` {${parts[i + 1]!.length}+}\r\n` : '\r\n');
  }
  line = (await fred.readUntil((l) => l.startsWith(`${tag} `))).at(-1)!;
  return line.slice(tag.length + 1);
}

const messagesIn = (name: string) => {
  const box = store.openMailbox(name);
  try {
    return box.status().messages;
  } finally {
    box.close();
  }
};

describe('APPEND: STORAGE', () => {
  it('at the limit: stored', async () => {
    const { internal, external } = rootFolder({ STORAGE: 2 });
    expect(await append(external, 2048)).toMatch(/^OK /);
    expect(store.quotas.get(internal)!.usage).toMatchObject({ storage: 2048, messages: 1 });
  });
  it('just under: stored', async () => {
    const { external } = rootFolder({ STORAGE: 2 });
    expect(await append(external, 2047)).toMatch(/^OK /);
  });
  it('just over: NO [OVERQUOTA], nothing stored', async () => {
    const { internal, external } = rootFolder({ STORAGE: 2 });
    expect(await append(external, 2049)).toBe('NO [OVERQUOTA] Over quota (STORAGE)');
    expect(messagesIn(internal)).toBe(0);
    expect(store.quotas.get(internal)!.usage).toMatchObject({ storage: 0, messages: 0 });
  });
});

describe('APPEND and MULTIAPPEND: MESSAGE', () => {
  it('up to the limit one by one, then refused', async () => {
    const { internal, external } = rootFolder({ MESSAGE: 2 });
    expect(await append(external, 200)).toMatch(/^OK /);
    expect(await append(external, 200)).toMatch(/^OK /);
    expect(await append(external, 200)).toMatch(/^NO \[OVERQUOTA\]/);
    expect(messagesIn(internal)).toBe(2);
  });
  it('MULTIAPPEND just over stores none; at the limit stores all', async () => {
    const { internal, external } = rootFolder({ MESSAGE: 2 });
    expect(await append(external, 200, 200, 200)).toMatch(/^NO \[OVERQUOTA\]/);
    expect(messagesIn(internal)).toBe(0);
    expect(await append(external, 200, 200)).toMatch(/^OK /);
    expect(store.quotas.get(internal)!.usage.messages).toBe(2);
  });
  it('MULTIAPPEND over STORAGE by the last message stores none', async () => {
    const { internal, external } = rootFolder({ STORAGE: 1 });
    expect(await append(external, 500, 525)).toMatch(/^NO \[OVERQUOTA\]/);
    expect(messagesIn(internal)).toBe(0);
    expect(await append(external, 500, 524)).toMatch(/^OK /);
  });
});

describe('COPY and MOVE', () => {
  it('COPY into a root: under and at the limit copied, over refused with nothing copied', async () => {
    const source = rootFolder({});
    await appendTo(store, source.internal, 300, 300, 300);
    const target = rootFolder({ MESSAGE: 2 });
    expect((await fred.command('s', `SELECT ${source.external}`)).at(-1)).toMatch(/^s OK/);
    expect((await fred.command('c1', `COPY 1:3 ${target.external}`)).at(-1)).toMatch(/^c1 NO \[OVERQUOTA\]/);
    expect(messagesIn(target.internal)).toBe(0);
    expect((await fred.command('c2', `COPY 1 ${target.external}`)).at(-1)).toMatch(/^c2 OK/);
    expect((await fred.command('c3', `COPY 2 ${target.external}`)).at(-1)).toMatch(/^c3 OK/);
    expect(store.quotas.get(target.internal)!.usage.messages).toBe(2);
  });

  it('MOVE to another root over its limit: refused, the source keeps its messages unflagged', async () => {
    const source = rootFolder({});
    await appendTo(store, source.internal, 300);
    const target = rootFolder({ STORAGE: 1 });
    await appendTo(store, target.internal, 900);
    expect((await fred.command('s', `SELECT ${source.external}`)).at(-1)).toMatch(/^s OK/);
    expect((await fred.command('m', `MOVE 1 ${target.external}`)).at(-1)).toMatch(/^m NO \[OVERQUOTA\]/);
    const fetched = await fred.command('f', 'FETCH 1 FLAGS');
    expect(fetched[0]).toBe('* 1 FETCH (FLAGS (\\Recent))');
    expect(store.quotas.get(source.internal)!.usage.messages).toBe(1);
    expect(store.quotas.get(target.internal)!.usage.messages).toBe(1);
  });

  it('MOVE within one root at its limit never fails', async () => {
    const root = rootFolder({ MESSAGE: 2, STORAGE: 1 });
    store.createMailbox(`${root.internal}.sub`, { acl: 'fred\tlrswipkxtecdan\t' });
    await appendTo(store, root.internal, 500, 524);
    expect((await fred.command('s', `SELECT ${root.external}`)).at(-1)).toMatch(/^s OK/);
    expect((await fred.command('m', `MOVE 1:2 ${root.external}.sub`)).at(-1)).toMatch(/^m OK/);
    expect(messagesIn(`${root.internal}.sub`)).toBe(2);
    expect(store.quotas.get(root.internal)!.usage).toEqual({ storage: 1024, messages: 2, mailboxes: 2 });
  });
});

describe('CREATE: MAILBOX', () => {
  it('under and at the limit created, over refused with NO [OVERQUOTA]', async () => {
    const root = rootFolder({ MAILBOX: 3 });
    expect((await fred.command('c1', `CREATE ${root.external}.one`)).at(-1)).toMatch(/^c1 OK/);
    expect((await fred.command('c2', `CREATE ${root.external}.two`)).at(-1)).toMatch(/^c2 OK/);
    expect((await fred.command('c3', `CREATE ${root.external}.three`)).at(-1)).toMatch(/^c3 NO \[OVERQUOTA\]/);
    expect(store.lookup(`${root.internal}.three`)).toBeNull();
    expect(store.quotas.get(root.internal)!.usage.mailboxes).toBe(3);
    expect((await fred.command('d', `DELETE ${root.external}.two`)).at(-1)).toMatch(/^d OK/);
    expect((await fred.command('c4', `CREATE ${root.external}.three`)).at(-1)).toMatch(/^c4 OK/);
  });
});
