/**
 * RENAME into another quota root must fit there (Cyrus refuses with NO [OVERQUOTA]); a rename within
 * one root, or into no root, is never refused. A refused subtree rename moves nothing, and the usage
 * of both roots stays as it was.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MailStore } from '../../src/store/index.js';
import { RawClient, startTestServer, type TestServer } from '../imap/harness.js';
import { appendTo, NO_LIMITS } from './helpers.js';

let server: TestServer;
let store: MailStore;
let fred: RawClient;
let n = 0;

beforeAll(async () => {
  server = await startTestServer({ users: ['fred'], conf: ['unixhierarchysep: no', 'altnamespace: no'] });
  store = server.imap.deps.store;
  fred = await RawClient.connect(server.port);
  expect((await fred.command('l', 'LOGIN fred pass')).at(-1)).toMatch(/^l OK/);
});

afterAll(async () => {
  fred?.close();
  await server?.close();
});

const ACL = { acl: 'fred\tlrswipkxtecdan\t' };

/** A root folder with these limits and a source folder (outside it) holding messages of `sizes`. */
async function setup(limits: Partial<typeof NO_LIMITS>, sizes: number[], child = false) {
  const k = ++n;
  const root = `user.fred.root${k}`;
  const source = `user.fred.src${k}`;
  store.createMailbox(root, ACL);
  store.setQuota(root, { ...NO_LIMITS, ...limits });
  store.createMailbox(source, ACL);
  if (sizes.length > 0) await appendTo(store, source, ...sizes);
  if (child) {
    store.createMailbox(`${source}.kid`, ACL);
    await appendTo(store, `${source}.kid`, ...sizes);
  }
  return { root, source, ext: { root: `INBOX.root${k}`, source: `INBOX.src${k}` } };
}

async function rename(from: string, to: string): Promise<string> {
  const tag = `r${++n}`;
  return (await fred.command(tag, `RENAME ${from} ${to}`)).at(-1)!.slice(tag.length + 1);
}

describe('RENAME across quota roots', () => {
  it('refuses a mailbox whose messages would exceed the target root, and moves nothing', async () => {
    const { root, source, ext } = await setup({ MESSAGE: 2 }, [100, 100, 100]);
    const before = store.quotas.get(root)!.usage;
    expect(await rename(ext.source, `${ext.root}.in`)).toMatch(/^NO \[OVERQUOTA\]/);
    expect(store.lookup(source)).not.toBeNull();
    expect(store.lookup(`${root}.in`)).toBeNull();
    expect(store.quotas.get(root)!.usage).toEqual(before);
  });

  it('refuses on STORAGE and on MAILBOX counts too', async () => {
    const a = await setup({ STORAGE: 1 }, [2000]);
    expect(await rename(a.ext.source, `${a.ext.root}.in`)).toMatch(/^NO \[OVERQUOTA\]/);
    const b = await setup({ MAILBOX: 1 }, [100]);
    expect(await rename(b.ext.source, `${b.ext.root}.in`)).toMatch(/^NO \[OVERQUOTA\]/);
  });

  it('counts the whole subtree: a parent that fits with a child that does not moves neither', async () => {
    const { root, source, ext } = await setup({ MESSAGE: 3 }, [100, 100], true);
    expect(await rename(ext.source, `${ext.root}.in`)).toMatch(/^NO \[OVERQUOTA\]/);
    expect(store.lookup(source)).not.toBeNull();
    expect(store.lookup(`${source}.kid`)).not.toBeNull();
    expect(store.lookup(`${root}.in`)).toBeNull();
  });

  it('accepts what fits, and the usage follows the mailbox', async () => {
    const { root, ext } = await setup({ MESSAGE: 5 }, [100, 100]);
    expect(await rename(ext.source, `${ext.root}.in`)).toMatch(/^OK/);
    expect(store.quotas.get(root)!.usage.messages).toBe(2);
  });

  it('never refuses a rename within one root', async () => {
    const { root, ext } = await setup({ MESSAGE: 1 }, []);
    store.createMailbox(`${root}.a`, ACL);
    await appendTo(store, `${root}.a`, 100);
    expect(await rename(`${ext.root}.a`, `${ext.root}.b`)).toMatch(/^OK/);
    expect(store.lookup(`${root}.b`)).not.toBeNull();
  });
});
