/**
 * Issue 17: after a fatal protocol error the server stops reading at once, sends its BYE and
 * closes the connection, even when the client keeps sending and never closes its side (an
 * attacker ignores the BYE). Before, the socket was only half-closed and went on reading (and
 * discarding) whatever the client sent, for as long as the client cared to send.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keepSending } from '../common/keep-sending.js';
import { startTestServer, type TestServer } from './harness.js';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server.close();
});

const MiB = 1024 * 1024;
const X = Buffer.alloc(MiB, 0x78);

describe('a fatal protocol error hangs up on a client that keeps sending', () => {
  it('closes after a pre-login LITERAL+ over the bound, reading hardly any of the data', async () => {
    const { received, written, closed } = await keepSending(server.port, 'a LOGIN fred {67108864+}\r\n', X, 160 * MiB);
    expect(received).toMatch(/\r\na BAD \[TOOBIG\] Literal too big\r\n\* BYE Literal too big\r\n$/);
    expect(closed).toBe(true);
    // What the client wrote before the close is what the kernel buffers held: far under the literal.
    expect(written).toBeLessThan(48 * MiB);
  });

  it('closes a tiny-literal flood before login', async () => {
    const chunk = Buffer.from(' {1+}\r\nx'.repeat(8192));
    const { received, written, closed } = await keepSending(server.port, 'a LOGIN fred', chunk, 160 * MiB);
    expect(received).toMatch(/\r\na BAD \[TOOBIG\] Too many literals in one command\r\n\* BYE /);
    expect(closed).toBe(true);
    expect(written).toBeLessThan(48 * MiB);
  });

  it('closes after LOGOUT even when the client goes on sending', async () => {
    const { received, closed } = await keepSending(server.port, 'a LOGOUT\r\n', X, 160 * MiB);
    expect(received).toMatch(/\r\n\* BYE .*\r\na OK .*\r\n$/);
    expect(closed).toBe(true);
  });

  it('a client that sends nothing more reads the tagged answer, the BYE and the end of the stream', async () => {
    const { received, ended } = await keepSending(server.port, 'a LOGIN fred {20000+}\r\n', Buffer.alloc(0), 0);
    expect(received).toMatch(/a BAD \[TOOBIG\] Literal too big\r\n\* BYE Literal too big\r\n$/);
    expect(ended).toBe(true);
  });
});
