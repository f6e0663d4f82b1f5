/**
 * Issue 17: when the POP3 server ends a session (QUIT, too many failed logins) it stops reading at
 * once and closes the connection, even when the client keeps sending and never closes its side.
 * Before, the socket was only half-closed: it went on reading into the line buffer until the
 * pause mark and stayed open for as long as the client cared.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keepSending } from '../common/keep-sending.js';
import { startPop3Server, type Pop3TestServer } from './harness.js';

let server: Pop3TestServer;
beforeAll(async () => {
  server = await startPop3Server();
}, 60_000);
afterAll(async () => {
  await server.close();
});

const MiB = 1024 * 1024;

describe('POP3 hangs up on a client that keeps sending', () => {
  it('closes after QUIT although the client goes on sending', async () => {
    const { received, written, closed } = await keepSending(server.port, 'QUIT\r\n', Buffer.alloc(MiB, 0x78), 160 * MiB);
    expect(received).toMatch(/^\+OK .*\r\n\+OK.*\r\n$/);
    expect(closed).toBe(true);
    expect(written).toBeLessThan(48 * MiB);
  });

  it('closes after QUIT although the client pipelines more commands', async () => {
    const { received, closed } = await keepSending(server.port, 'QUIT\r\n', Buffer.from('NOOP\r\n'.repeat(20_000)), 160 * MiB);
    expect(received).toMatch(/^\+OK .*\r\n\+OK.*\r\n$/);
    expect(closed).toBe(true);
  });
});

describe('POP3 closes a session that sends only unknown commands', () => {
  it('answers 20 unknown commands in a row, says why on the last and closes', async () => {
    const { received, closed } = await keepSending(server.port, '', Buffer.from('XYZZY\r\n'.repeat(100)), 8 * MiB);
    const lines = received.trimEnd().split('\r\n');
    expect(lines[0]).toMatch(/^\+OK /);
    expect(lines.slice(1, 20)).toEqual(Array.from({ length: 19 }, () => '-ERR Unrecognized command'));
    expect(lines[20]).toBe('-ERR Unrecognized command; too many bad commands, closing');
    expect(lines).toHaveLength(21);
    expect(closed).toBe(true);
  });
});
