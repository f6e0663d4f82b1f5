import { ImapFlow } from 'imapflow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestServer } from '../harness.js';
import { ATTACHMENT, DATES, PLAIN, startWithMessages } from './fixtures.js';

let server: TestServer;
beforeAll(async () => {
  server = await startWithMessages();
}, 60_000);
afterAll(async () => {
  await server.close();
});

async function client(): Promise<ImapFlow> {
  const c = new ImapFlow({ host: server.host, port: server.port, secure: false, auth: { user: 'fred', pass: 'pass' }, logger: process.env.FLOWLOG ? undefined : false, disableAutoIdle: true });
  await c.connect();
  // imapflow LISTs a folder before selecting it; LIST belongs to the mailbox commands (written
  // separately), so these tests give imapflow the folder data it would have learnt.
  const folders = (c as unknown as { folders: Map<string, object> }).folders;
  for (const path of ['INBOX', 'Archive']) folders.set(path, { path, delimiter: '/', flags: new Set(), listed: true });
  return c;
}

describe('message commands with imapflow', () => {
  it('fetches envelope, bodystructure, flags, sections and partials', async () => {
    const c = await client();
    await c.mailboxOpen('INBOX');
    const all = [];
    for await (const m of c.fetch('1:*', { uid: true, flags: true, envelope: true, bodyStructure: true, internalDate: true, size: true })) all.push(m);
    expect(all.map((m) => m.uid)).toEqual([1, 2, 3]);
    expect(all[0]!.envelope!.subject).toBe('Hello world');
    expect(all[0]!.envelope!.from![0]).toMatchObject({ name: 'Fred Foo', address: 'fred@example.com' });
    expect(all[0]!.size).toBe(PLAIN.length);
    expect((all[0]!.internalDate as Date).getTime()).toBe(DATES[0]!.getTime());
    expect([...all[1]!.flags!]).toEqual(expect.arrayContaining(['\\Flagged', '$Important']));
    expect(all[1]!.bodyStructure!.type).toBe('multipart/mixed');
    expect(all[1]!.bodyStructure!.childNodes!.map((n) => n.type)).toEqual(['text/plain', 'application/octet-stream', 'message/rfc822', 'text/plain']);
    const one = await c.fetchOne('1', { source: true, headers: ['subject'], bodyParts: ['text'] });
    expect(one.source!.equals(PLAIN)).toBe(true);
    expect(one.headers!.toString()).toBe('Subject: Hello world\r\n\r\n');
    const part = await c.download('2', '2');
    const chunks: Buffer[] = [];
    for await (const chunk of part.content) chunks.push(chunk as Buffer);
    expect(Buffer.concat(chunks).equals(ATTACHMENT)).toBe(true);
    const partial = await c.fetchOne('3', { source: { start: 10, maxLength: 20 } });
    expect(partial.source!.length).toBe(20);
    await c.logout();
  });

  it('stores flags, searches, copies, moves and expunges', async () => {
    const c = await client();
    await c.mailboxOpen('INBOX');
    expect(await c.messageFlagsAdd('1:2', ['\\Answered'])).toBe(true);
    expect(await c.search({ answered: true })).toEqual([1, 2]);
    expect(await c.search({ from: 'alice' })).toEqual([2]);
    expect(await c.search({ body: 'lazy dog' })).toEqual([1]);
    expect(await c.search({ since: new Date(2024, 1, 1), larger: 10_000 })).toEqual([3]);
    expect(await c.search({ or: [{ flagged: true }, { seen: true }] }, { uid: true })).toEqual([1, 2]);
    const copy = await c.messageCopy('1', 'Archive');
    expect(copy).toMatchObject({ destination: 'Archive' });
    expect(copy && copy.uidMap ? [...copy.uidMap.entries()] : []).toEqual([[1, 1]]);
    const moved = await c.messageMove('2', 'Archive');
    expect(moved && moved.uidMap ? [...moved.uidMap.entries()] : []).toEqual([[2, 2]]);
    expect(await c.search({ all: true }, { uid: true })).toEqual([1, 3]);
    await c.messageFlagsAdd('1', ['\\Deleted']);
    expect(await c.messageDelete('3', { uid: true })).toBe(true);
    expect(c.mailbox && c.mailbox.exists).toBe(1);
    await c.mailboxOpen('Archive', { readOnly: true });
    const flags = [];
    for await (const m of c.fetch('1:*', { flags: true })) flags.push([...m.flags!].sort());
    // Read-only: the copies are shown \Recent (nobody claimed them), as Cyrus's EXAMINE does.
    expect(flags).toEqual([['\\Answered', '\\Recent', '\\Seen'], ['$Important', '\\Answered', '\\Flagged', '\\Recent']]);
    await c.logout();
  });
});
