// Murder frontend IMAP on the wire: literals relayed byte for byte, commands in the wrong state,
// unknown mailboxes, leaving a remote selection for a local one, COPY between servers, a backend down.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RawClient } from './harness.js';
import { MESSAGE, startMurder, type Murder } from './proxy-murder.js';

let murder: Murder;
beforeAll(async () => {
  // 127.0.0.3 is in the mirror but no backend listens there: a backend down.
  murder = await startMurder({ backends: ['127.0.0.2'] });
  murder.mailbox('127.0.0.2', 'user.fred');
  murder.mailbox('127.0.0.2', 'user.fred.Work');
  murder.frontend.imap.deps.store.putRemoteEntry({ name: 'user.fred.Gone', server: '127.0.0.3', partition: 'default', acl: 'fred\tlrswipkxtecdan\t' });
  // A mailbox of the frontend itself.
  murder.frontend.imap.deps.store.createMailbox('user.fred.Here', { acl: 'fred\tlrswipkxtecdan\t' });
});
afterAll(async () => {
  await murder?.close();
});

async function login(): Promise<RawClient> {
  const c = await RawClient.connect(murder.frontend.port);
  const answer = await c.command('L', 'LOGIN fred pass');
  expect(answer.at(-1)).toMatch(/^L OK/);
  return c;
}

describe('IMAP proxy on the wire', () => {
  it('relays APPEND with a synchronising literal and a binary message byte for byte', async () => {
    const c = await login();
    const body = `${MESSAGE('bytes')}caf\u00e9 \u00ff\r\n`;
    const bytes = Buffer.from(body, 'latin1');
    c.write(`A1 APPEND Work (\\Seen) {${bytes.length}}\r\n`);
    expect(await c.readLine()).toMatch(/^\+ /);
    c.write(Buffer.concat([bytes, Buffer.from('\r\n')]));
    const appended = await c.readUntil((l) => l.startsWith('A1 '));
    expect(appended.at(-1)).toMatch(/^A1 OK \[APPENDUID \d+ 1\]/);
    // Non-synchronising literal in a selected-state command (SEARCH), on the backend.
    await c.command('S', 'SELECT Work');
    c.write('A2 UID SEARCH SUBJECT {5+}\r\nbytes\r\n');
    const found = await c.readUntil((l) => l.startsWith('A2 '));
    expect(found).toEqual(['* SEARCH 1', 'A2 OK SEARCH completed']);
    c.write('A3 UID FETCH 1 BODY.PEEK[]\r\n');
    const fetched = await c.readUntil((l) => l.startsWith('A3 '));
    expect(fetched.join('\r\n')).toContain(`{${bytes.length}}\r\n${body}`);
    c.close();
  });

  it('ENABLEs on the backend what the client enabled on the frontend (CONDSTORE)', async () => {
    const c = await login();
    expect(await c.command('E1', 'ENABLE CONDSTORE')).toEqual(['* ENABLED CONDSTORE', 'E1 OK ENABLE completed']);
    const selected = await c.command('E2', 'SELECT Work');
    expect(selected.some((l) => /^\* OK \[HIGHESTMODSEQ \d+\]/.test(l))).toBe(true);
    c.close();
  });

  it('relays SETQUOTA, GETQUOTAROOT and GETQUOTA of a remote mailbox to its backend', async () => {
    const admin = await RawClient.connect(murder.frontend.port);
    await admin.command('L', 'LOGIN admin pass');
    expect((await admin.command('Q0', 'SETQUOTA user/fred (STORAGE 1000)')).at(-1)).toMatch(/^Q0 OK/);
    admin.close();
    expect(murder.backends.get('127.0.0.2')!.imap.deps.store.quotas.get('user.fred')).not.toBeNull();
    const c = await login();
    const root = await c.command('Q1', 'GETQUOTAROOT INBOX');
    expect(root[0]).toBe('* QUOTAROOT INBOX INBOX');
    expect(root[1]).toMatch(/^\* QUOTA INBOX \(STORAGE \d+ 1000\)$/);
    expect((await c.command('Q2', 'GETQUOTA INBOX'))[0]).toMatch(/^\* QUOTA INBOX \(STORAGE \d+ 1000\)$/);
    c.close();
  });

  // RFC 7162 3.2.11: every server offering CONDSTORE/QRESYNC says [CLOSED], enabled or not.
  it.each([['under QRESYNC', true], ['without ENABLE', false]])('says [CLOSED] %s when a SELECT leaves a selection of another server', async (_name, enable) => {
    const c = await login();
    if (enable) await c.command('Q0', 'ENABLE QRESYNC');
    await c.command('Q1', 'SELECT Here');
    const toRemote = await c.command('Q2', 'SELECT Work');
    expect(toRemote[0]).toBe('* OK [CLOSED] Ok');
    expect(toRemote.filter((l) => l.includes('[CLOSED]'))).toHaveLength(1);
    const again = await c.command('Q3', 'SELECT Work');
    expect(again.filter((l) => l.includes('[CLOSED]'))).toHaveLength(1);
    const toLocal = await c.command('Q4', 'SELECT Here');
    expect(toLocal[0]).toBe('* OK [CLOSED] Ok');
    c.close();
  });

  it('relays SETMETADATA and GETMETADATA of a remote mailbox; the server entries stay the frontend\'s', async () => {
    const c = await login();
    expect((await c.command('M1', 'SETMETADATA Work (/private/comment "on the backend")')).at(-1)).toMatch(/^M1 OK/);
    const got = await c.command('M2', 'GETMETADATA Work /private/comment');
    expect(got[0]).toBe('* METADATA Work ("/private/comment" "on the backend")');
    const direct = await RawClient.connect(murder.port, '127.0.0.2');
    await direct.command('L', 'LOGIN fred pass');
    expect((await direct.command('M3', 'GETMETADATA Work /private/comment'))[0]).toBe('* METADATA Work ("/private/comment" "on the backend")');
    direct.close();
    expect((await c.command('M4', 'GETMETADATA "" /shared/comment')).at(-1)).toMatch(/^M4 OK/);
    c.close();
  });

  it('LIST-METADATA reads a remote mailbox\'s metadata on its backend, a local one\'s here', async () => {
    const c = await login();
    expect((await c.command('N1', 'SETMETADATA Work (/shared/comment "blue")')).at(-1)).toMatch(/^N1 OK/);
    expect((await c.command('N2', 'SETMETADATA Here (/shared/comment "green")')).at(-1)).toMatch(/^N2 OK/);
    const listed = await c.command('N3', 'LIST "" "*" RETURN (METADATA (/shared/comment))');
    expect(listed).toContain('* METADATA Work ("/shared/comment" "blue")');
    expect(listed).toContain('* METADATA Here ("/shared/comment" "green")');
    // Work's line follows its LIST line, and the frontend keeps no annotation of a remote mailbox.
    expect(listed[listed.findIndex((l) => / Work$/.test(l) && l.startsWith('* LIST')) + 1]).toBe('* METADATA Work ("/shared/comment" "blue")');
    expect(listed.at(-1)).toMatch(/^N3 OK/);
    c.close();
  });

  it('answers wrong-state commands and unknown mailboxes as a server would', async () => {
    const c = await login();
    expect((await c.command('W1', 'FETCH 1 FLAGS')).at(-1)).toBe('W1 BAD FETCH not allowed now');
    expect((await c.command('W2', 'SELECT Nowhere')).at(-1)).toMatch(/^W2 NO \[NONEXISTENT\]/);
    expect((await c.command('W3', 'STATUS Nowhere (MESSAGES)')).at(-1)).toMatch(/^W3 NO \[NONEXISTENT\]/);
    expect((await c.command('W4', 'SELECT Work')).at(-1)).toMatch(/^W4 OK \[READ-WRITE\]/);
    // A syntax error is answered by the frontend's own parser, the backend's selection stays.
    expect((await c.command('W5', 'FETCH x FLAGS')).at(-1)).toMatch(/^W5 BAD/);
    expect((await c.command('W6', 'FETCH 1 (FLAGS)')).at(-1)).toBe('W6 OK FETCH completed');
    expect((await c.command('W7', 'UNSELECT')).at(-1)).toMatch(/^W7 OK/);
    expect((await c.command('W8', 'FETCH 1 FLAGS')).at(-1)).toBe('W8 BAD FETCH not allowed now');
    c.close();
  });

  it('leaves a remote selection for a local mailbox and back', async () => {
    const c = await login();
    expect((await c.command('X1', 'SELECT Work')).at(-1)).toMatch(/^X1 OK/);
    const here = await c.command('X2', 'SELECT Here');
    expect(here).toContain('* 0 EXISTS');
    expect(here.at(-1)).toMatch(/^X2 OK \[READ-WRITE\]/);
    expect((await c.command('X3', 'FETCH 1 FLAGS')).at(-1)).toMatch(/^X3 (NO|BAD|OK)/);
    const back = await c.command('X4', 'EXAMINE Work');
    expect(back.at(-1)).toMatch(/^X4 OK \[READ-ONLY\]/);
    expect(back.some((l) => /^\* \d+ EXISTS$/.test(l) && l !== '* 0 EXISTS')).toBe(true);
    c.close();
  });

  it('refuses COPY/MOVE to a mailbox of the frontend or of a backend down with a clear text', async () => {
    const c = await login();
    await c.command('C0', 'SELECT Work');
    expect((await c.command('C1', 'COPY 1 Here')).at(-1)).toBe('C1 NO Cannot COPY from 127.0.0.2 to a mailbox of this server');
    expect((await c.command('C2', 'MOVE 1 Gone')).at(-1)).toBe('C2 NO [UNAVAILABLE] Server 127.0.0.3 is unavailable');
    // Within the backend: relayed.
    await murder.backends.get('127.0.0.2')!.imap.deps.store.createMailbox('user.fred.Work2', { acl: 'fred\tlrswipkxtecdan\t' });
    murder.mailbox('127.0.0.2', 'user.fred.Work2');
    expect((await c.command('C3', 'COPY 1 Work2')).at(-1)).toMatch(/^C3 OK \[COPYUID /);
    c.close();
  });

  it('answers NO [UNAVAILABLE] when the backend is down, and the session goes on', async () => {
    const c = await login();
    expect((await c.command('D1', 'SELECT Gone')).at(-1)).toBe('D1 NO [UNAVAILABLE] Server 127.0.0.3 is unavailable');
    expect((await c.command('D2', 'STATUS Gone (MESSAGES)')).at(-1)).toBe('D2 NO [UNAVAILABLE] Server 127.0.0.3 is unavailable');
    expect((await c.command('D3', 'STATUS Work (MESSAGES)')).at(-1)).toMatch(/^D3 OK/);
    c.close();
  });

  // Last: it ends the backend's sessions.
  it('ends the session when the backend of the selected mailbox goes away', async () => {
    const c = await login();
    expect((await c.command('B1', 'SELECT Work')).at(-1)).toMatch(/^B1 OK/);
    await murder.backends.get('127.0.0.2')!.imap.shutdown(Date.now());
    expect(await c.readLine()).toBe('* BYE Lost connection to the backend of the selected mailbox');
    await c.readUntil(() => false).catch((err: Error) => expect(err.message).toMatch(/connection closed/));
  });
});
