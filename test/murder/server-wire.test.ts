// mupdate master on the wire: every command with raw sockets, and bad input.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RawClient, startMupdate, type MupdateTestServer } from './harness.js';

let master: MupdateTestServer;
beforeAll(async () => {
  master = await startMupdate({ mode: 'master', settings: { maxLineLength: 1024, maxLiteral: 1024, connectionsMax: 6 } });
});
afterAll(async () => {
  await master.close();
});

async function admin(): Promise<RawClient> {
  const c = await RawClient.connect(master.port);
  expect(await c.login()).toBe('L0 OK "Authenticated"\r\n');
  return c;
}

describe('mupdate master wire', () => {
  it('greets like Cyrus, in master mode', async () => {
    const c = await RawClient.connect(master.port);
    expect(c.greeting).toMatch(/^\* AUTH .*"PLAIN" "LOGIN"\r\n\* PARTIAL-UPDATE\r\n\* OK MUPDATE "mupdate.test" "Cyrus IMAP" "cyrusts" "\(master\)"\r\n$/);
    c.close();
  });

  it('refuses every command but LOGOUT and AUTHENTICATE before login', async () => {
    const c = await RawClient.connect(master.port);
    for (const cmd of ['NOOP', 'FIND "x"', 'LIST', 'UPDATE', 'ACTIVATE "a" "b!c" "d"', 'RESERVE "a" "b"', 'DELETE "a"']) {
      expect(await c.command('A', cmd)).toBe('A BAD "Please login first"\r\n');
    }
    expect(await c.command('B', 'LOGOUT')).toBe('B OK "bye-bye"\r\n');
    await c.waitClosed();
  });

  it('answers unknown commands, missing and extra arguments', async () => {
    const c = await admin();
    expect(await c.command('A', 'FROB')).toBe('A BAD "Unrecognized command"\r\n');
    expect(await c.command('B', 'FIND')).toBe('B BAD "Missing arguments"\r\n');
    expect(await c.command('C', 'ACTIVATE "x" "y"')).toBe('C BAD "Missing arguments"\r\n');
    expect(await c.command('D', 'DELETE "a" "b"')).toBe('D BAD "Extra arguments"\r\n');
    expect(await c.command('E', 'NOOP')).toBe('E OK "Noop done"\r\n');
    expect(await c.command('F', 'FIND "unterminated')).toBe('F BAD "Unterminated quoted string"\r\n');
    c.close();
  });

  it('refuses a wrong password and a user who is not an admin', async () => {
    const c = await RawClient.connect(master.port);
    expect(await c.login('admin', 'wrong')).toBe('L0 NO "Authentication failed"\r\n');
    expect(await c.login('fred', 'pass')).toBe('L0 NO "Only administrators may use mupdate"\r\n');
    expect(await c.command('A', 'NOOP')).toBe('A BAD "Please login first"\r\n');
    expect(await c.login()).toBe('L0 OK "Authenticated"\r\n');
    expect(await c.login()).toBe('L0 BAD "already authenticated"\r\n');
    c.close();
  });

  it('takes AUTHENTICATE LOGIN and PLAIN without an initial response', async () => {
    const c = await RawClient.connect(master.port);
    c.send('A AUTHENTICATE "LOGIN"\r\n');
    expect(await c.until(/\r\n/)).toBe(`${Buffer.from('Username:').toString('base64')}\r\n`);
    c.send(`"${Buffer.from('admin').toString('base64')}"\r\n`);
    await c.until(/\r\n/);
    c.send(`${Buffer.from('pass').toString('base64')}\r\n`);
    expect(await c.answer('A')).toBe('A OK "Authenticated"\r\n');
    const d = await RawClient.connect(master.port);
    d.send('B AUTHENTICATE "PLAIN"\r\n');
    expect(await d.until(/\r\n/)).toBe('\r\n');
    d.send('*\r\n');
    expect(await d.answer('B')).toBe('B NO "Authentication canceled"\r\n');
    c.close();
    d.close();
  });

  it('RESERVE, ACTIVATE, FIND, LIST and DELETE as Cyrus answers them, strings as {N+} literals', async () => {
    const c = await admin();
    expect(await c.command('A', 'RESERVE "user.wire" "b1!p1"')).toBe('A OK "done"\r\n');
    expect(await c.command('B', 'FIND "user.wire"')).toBe('B RESERVE {9+}\r\nuser.wire {5+}\r\nb1!p1\r\nB OK "Search completed"\r\n');
    expect(await c.command('B2', 'RESERVE "user.wire" "b2!p1"')).toBe('B2 NO "mailbox already exists"\r\n');
    expect(await c.command('B3', 'RESERVE "user.wire" "b1!p1"')).toBe('B3 OK "done"\r\n');
    expect(await c.command('C', 'ACTIVATE "user.wire" "b1!p1" "wire\tlrs\t"')).toBe('C OK "done"\r\n');
    expect(await c.command('D', 'FIND {9+}\r\nuser.wire')).toBe('D MAILBOX {9+}\r\nuser.wire {5+}\r\nb1!p1 {9+}\r\nwire\tlrs\t\r\nD OK "Search completed"\r\n');
    expect(await c.command('E', 'RESERVE "user.wire" "b1!p1"')).toBe('E NO "mailbox already exists"\r\n');
    expect(await c.command('F', 'ACTIVATE "user.other" "b2!p1" ""')).toBe('F OK "done"\r\n');
    expect(await c.command('G', 'LIST')).toBe(
      'G MAILBOX {10+}\r\nuser.other {5+}\r\nb2!p1 {0+}\r\n\r\nG MAILBOX {9+}\r\nuser.wire {5+}\r\nb1!p1 {9+}\r\nwire\tlrs\t\r\nG OK "list complete"\r\n',
    );
    expect(await c.command('H', 'LIST "b1"')).toBe('H MAILBOX {9+}\r\nuser.wire {5+}\r\nb1!p1 {9+}\r\nwire\tlrs\t\r\nH OK "list complete"\r\n');
    expect(await c.command('I', 'DELETE "user.wire"')).toBe('I OK "done"\r\n');
    expect(await c.command('J', 'FIND "user.wire"')).toBe('J OK "Search completed"\r\n');
    expect(await c.command('K', 'DELETE "user.wire"')).toBe('K OK "done"\r\n');
    expect(await c.command('L', 'DELETE "user.other"')).toBe('L OK "done"\r\n');
    expect(master.mirror()).toEqual([]);
    c.close();
  });

  it('keeps the list as remote entries of its mailboxes.db', async () => {
    const c = await admin();
    expect(await c.command('A', 'ACTIVATE "user.kept" "b9!p2" "kept\tlrs\t"')).toBe('A OK "done"\r\n');
    expect(await c.command('B', 'RESERVE "user.held" "b8"')).toBe('B OK "done"\r\n');
    expect(master.mirror()).toEqual([
      { name: 'user.held', server: 'b8', partition: '', acl: '', type: ['reserved', 'remote'] },
      { name: 'user.kept', server: 'b9', partition: 'p2', acl: 'kept\tlrs\t', type: ['remote'] },
    ]);
    await c.command('C', 'DELETE "user.kept"');
    await c.command('D', 'DELETE "user.held"');
    c.close();
  });

  it('sends a go-ahead for a synchronizing literal', async () => {
    const c = await admin();
    c.send('A FIND {3}\r\n');
    expect(await c.until(/\r\n/)).toBe('+ go ahead\r\n');
    c.send('abc\r\n');
    expect(await c.answer('A')).toBe('A OK "Search completed"\r\n');
    c.close();
  });

  it('refuses an oversized line and an oversized literal, and goes on', async () => {
    const c = await admin();
    expect(await c.command('A', `FIND "${'x'.repeat(2000)}"`)).toBe('A BAD "Line too long"\r\n');
    c.send(`B FIND {5000+}\r\n${'y'.repeat(5000)}\r\n`);
    expect(await c.answer('B')).toBe('B BAD "Literal too big"\r\n');
    c.send('C FIND {5000}\r\n');
    expect(await c.answer('C')).toBe('C BAD "Literal too big"\r\n');
    expect(await c.command('D', 'NOOP')).toBe('D OK "Noop done"\r\n');
    c.close();
  });

  it('streams after UPDATE: only NOOP and LOGOUT are answered', async () => {
    const c = await admin();
    expect(await c.command('U', 'UPDATE')).toBe('U OK "streaming starts"\r\n');
    expect(await c.command('A', 'FIND "x"')).toBe('A BAD "not legal when streaming"\r\n');
    expect(await c.command('B', 'UPDATE')).toBe('B BAD "not legal when streaming"\r\n');
    expect(await c.command('C', 'NOOP')).toBe('C OK "Noop done"\r\n');
    expect(await c.command('D', 'LOGOUT')).toBe('D OK "bye-bye"\r\n');
    await c.waitClosed();
  });

  it('streams changes with the UPDATE tag, the changes of one turn coalesced per name into the last', async () => {
    const reader = await admin();
    expect(await reader.command('U', 'UPDATE')).toBe('U OK "streaming starts"\r\n');
    const writer = await admin();
    // One write: the master reads the four commands at once and runs them in one turn.
    writer.send('A RESERVE "user.co" "b1!p"\r\nB ACTIVATE "user.co" "b1!p" "a"\r\nC ACTIVATE "user.co" "b1!p" "b"\r\nD ACTIVATE "user.last" "b1!p" ""\r\n');
    expect(await writer.answer('D')).toBe('A OK "done"\r\nB OK "done"\r\nC OK "done"\r\nD OK "done"\r\n');
    expect(await reader.until(/user\.last \{4\+\}\r\nb1!p \{0\+\}\r\n\r\n/))
      .toBe('U MAILBOX {7+}\r\nuser.co {4+}\r\nb1!p {1+}\r\nb\r\nU MAILBOX {9+}\r\nuser.last {4+}\r\nb1!p {0+}\r\n\r\n');
    writer.send('E DELETE "user.co"\r\nF DELETE "user.last"\r\n');
    await writer.answer('F');
    expect(await reader.until(/user\.last\r\n/)).toBe('U DELETE {7+}\r\nuser.co\r\nU DELETE {9+}\r\nuser.last\r\n');
    reader.close();
    writer.close();
  });

  it('UPDATE "server" ... (PARTIAL-UPDATE) streams only the records on those servers', async () => {
    const writer = await admin();
    writer.send('A ACTIVATE "user.p1" "s1!p" ""\r\nB ACTIVATE "user.p2" "s2!p" ""\r\nC ACTIVATE "user.p3" "s3!p" ""\r\n');
    await writer.answer('C');
    const reader = await admin();
    expect(await reader.command('U', 'UPDATE "s1" "s3"')).toBe(
      'U MAILBOX {7+}\r\nuser.p1 {4+}\r\ns1!p {0+}\r\n\r\nU MAILBOX {7+}\r\nuser.p3 {4+}\r\ns3!p {0+}\r\n\r\nU OK "streaming starts"\r\n',
    );
    // Not on s1/s3: not heard. Moved off s3: heard as a DELETE. Deleted on s1: heard.
    expect(await writer.command('D', 'ACTIVATE "user.p2" "s2!p" "x\tl\t"')).toBe('D OK "done"\r\n');
    expect(await writer.command('E', 'ACTIVATE "user.p3" "s2!p" ""')).toBe('E OK "done"\r\n');
    expect(await reader.until(/user\.p3\r\n/)).toBe('U DELETE {7+}\r\nuser.p3\r\n');
    expect(await writer.command('F', 'DELETE "user.p2"')).toBe('F OK "done"\r\n');
    expect(await writer.command('G', 'RESERVE "user.p4" "s3!q"')).toBe('G OK "done"\r\n');
    expect(await reader.until(/user\.p4 \{4\+\}\r\ns3!q\r\n/)).toBe('U RESERVE {7+}\r\nuser.p4 {4+}\r\ns3!q\r\n');
    writer.send('H DELETE "user.p1"\r\nI DELETE "user.p3"\r\nJ DELETE "user.p4"\r\n');
    await writer.answer('J');
    expect(await reader.until(/user\.p4\r\n/)).toBe('U DELETE {7+}\r\nuser.p1\r\nU DELETE {7+}\r\nuser.p4\r\n');
    reader.close();
    writer.close();
  });

  it('says BYE over mupdate_connections_max', async () => {
    const clients: RawClient[] = [];
    for (let i = 0; i < 6; i++) clients.push(await RawClient.connect(master.port));
    const over = await RawClient.connect(master.port);
    expect(over.greeting).toBe('* BYE "Too many connections, try again later"\r\n');
    await over.waitClosed();
    for (const c of clients) c.close();
  });
});
