/**
 * RFC 9208 on the wire: capabilities, GETQUOTA, GETQUOTAROOT, SETQUOTA (administrators only; a
 * domain administrator within its domain), root names as the client sees them, and the ALERT of
 * SELECT near and over quota (quotawarn).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MailStore } from '../../src/store/index.js';
import { RawClient, startTestServer, type TestServer } from '../imap/harness.js';
import { appendTo, sizedMessage } from './helpers.js';

let server: TestServer;
let store: MailStore;
const clients: RawClient[] = [];

async function login(user: string): Promise<RawClient> {
  const c = await RawClient.connect(server.port);
  clients.push(c);
  expect((await c.command('l', `LOGIN "${user}" pass`)).at(-1)).toMatch(/^l OK/);
  return c;
}

beforeAll(async () => {
  server = await startTestServer({
    users: ['fred', 'bob', 'admin', 'joe@example.com', 'dadmin@example.com'],
    conf: ['unixhierarchysep: no', 'altnamespace: no', 'virtdomains: userid', 'defaultdomain: main.test', 'admins: admin dadmin@example.com', 'quotawarn: 90'],
  });
  store = server.imap.deps.store;
});

afterAll(async () => {
  for (const c of clients) c.close();
  await server?.close();
});

describe('capabilities', () => {
  it('advertises QUOTA, the three resources and QUOTASET, never ANNOTATION-STORAGE', async () => {
    const c = await login('fred');
    const caps = (await c.command('c', 'CAPABILITY')).find((l) => l.startsWith('* CAPABILITY'))!.split(' ');
    for (const cap of ['QUOTA', 'QUOTA=RES-STORAGE', 'QUOTA=RES-MESSAGE', 'QUOTA=RES-MAILBOX', 'QUOTASET']) expect(caps).toContain(cap);
    expect(caps.join(' ')).not.toMatch(/ANNOTATION-STORAGE/);
  });
});

describe('GETQUOTAROOT, GETQUOTA, SETQUOTA', () => {
  it('the autocreated INBOX is a root without limits, named INBOX for its user', async () => {
    const fred = await login('fred');
    expect(await fred.command('a', 'GETQUOTAROOT INBOX')).toEqual(['* QUOTAROOT INBOX INBOX', '* QUOTA INBOX ()', 'a OK GETQUOTAROOT completed']);
    const admin = await login('admin');
    expect((await admin.command('b', 'GETQUOTA user.fred'))[0]).toBe('* QUOTA user.fred ()');
  });

  it('SETQUOTA is for administrators; a user may read its own root, not another one', async () => {
    const fred = await login('fred');
    await login('bob');
    expect((await fred.command('a', 'SETQUOTA INBOX (STORAGE 10)')).at(-1)).toMatch(/^a NO \[NOPERM\]/);
    expect((await fred.command('b', 'GETQUOTA user.bob')).at(-1)).toMatch(/^b NO \[NOPERM\]/);
    const admin = await login('admin');
    const set = await admin.command('c', 'SETQUOTA user.fred (STORAGE 100 MESSAGE 10 X-NUM-FOLDERS 5)');
    expect(set).toEqual(['* QUOTA user.fred (STORAGE 0 100 MESSAGE 0 10 MAILBOX 1 5)', 'c OK SETQUOTA completed']);
    await appendTo(store, 'user.fred', 3000);
    expect((await fred.command('d', 'GETQUOTA INBOX'))[0]).toBe('* QUOTA INBOX (STORAGE 2 100 MESSAGE 1 10 MAILBOX 1 5)');
    expect((await admin.command('e', 'SETQUOTA user.fred (BOGUS 1)')).at(-1)).toMatch(/^e NO /);
    expect((await admin.command('f', 'SETQUOTA user.fred (STORAGE x)')).at(-1)).toMatch(/^f BAD /);
    // Resources left out lose their limit.
    expect((await admin.command('g', 'SETQUOTA user.fred (MESSAGE 20)'))[0]).toBe('* QUOTA user.fred (MESSAGE 1 20)');
  });

  it('SETQUOTA root () removes the root; a root need not be a mailbox', async () => {
    const admin = await login('admin');
    expect((await admin.command('a', 'SETQUOTA shared.projects (STORAGE 5)'))[0]).toBe('* QUOTA shared.projects (STORAGE 0 5)');
    expect(store.quotas.get('shared.projects')).not.toBeNull();
    expect((await admin.command('b', 'SETQUOTA shared.projects ()')).at(-1)).toMatch(/^b OK/);
    expect(store.quotas.get('shared.projects')).toBeNull();
    expect((await admin.command('c', 'GETQUOTA shared.projects')).at(-1)).toMatch(/^c NO \[NONEXISTENT\]/);
  });

  it('a domain administrator sets quotas in its domain only', async () => {
    await login('joe@example.com');
    const dadmin = await login('dadmin@example.com');
    expect((await dadmin.command('a', 'SETQUOTA user.joe (STORAGE 50)')).at(-1)).toMatch(/^a OK/);
    expect(store.quotas.get('example.com!user.joe')!.limits.STORAGE).toBe(50);
    // Another domain's names do not even resolve for a domain administrator.
    expect((await dadmin.command('b', 'SETQUOTA user.fred@main.test (STORAGE 50)')).at(-1)).toMatch(/^b NO/);
    expect(store.quotas.get('user.fred')!.limits.STORAGE).not.toBe(50);
  });

  it('GETQUOTAROOT of a mailbox without a root, and of one the user cannot read', async () => {
    const admin = await login('admin');
    expect((await admin.command('a', 'CREATE plain')).at(-1)).toMatch(/^a OK/);
    expect(await admin.command('b', 'GETQUOTAROOT plain')).toEqual(['* QUOTAROOT plain', 'b OK GETQUOTAROOT completed']);
    const fred = await login('fred');
    expect((await fred.command('c', 'GETQUOTAROOT user.bob')).at(-1)).toMatch(/^c NO \[NONEXISTENT\]/);
  });
});

describe('SELECT near and over quota', () => {
  it('warns at quotawarn percent and above, says over when over, nothing below', async () => {
    const admin = await login('admin');
    for (const [name, size] of [['near', 1900], ['over', 2100], ['fine', 1000]] as const) {
      expect((await admin.command('c', `CREATE user.fred.${name}`)).at(-1)).toMatch(/^c OK/);
      expect((await admin.command('s', `SETQUOTA user.fred.${name} (STORAGE 2)`)).at(-1)).toMatch(/^s OK/);
      const box = store.openMailbox(`user.fred.${name}`);
      // "over" is put past its limit as IGNOREQUOTA delivery may.
      await box.append([{ content: sizedMessage(size) }], { quota: 'ignore' });
      box.close();
    }
    const fred = await login('fred');
    const near = await fred.command('a', 'SELECT INBOX.near');
    expect(near.filter((l) => l.includes('[ALERT]'))).toEqual(['* NO [ALERT] Mailbox is at 92% of its STORAGE quota (quota root INBOX.near)']);
    const fine = await fred.command('b', 'SELECT INBOX.fine');
    expect(fine.filter((l) => l.includes('[ALERT]'))).toEqual([]);
    expect(store.quotas.get('user.fred.over')!.usage.storage).toBe(2100);
    const over = await fred.command('c', 'SELECT INBOX.over');
    expect(over.filter((l) => l.includes('[ALERT]'))).toEqual(['* NO [ALERT] Mailbox is over its STORAGE quota (quota root INBOX.over)']);
  });
});
