/**
 * Issue 17: when the LMTP server ends a session (too many errors, a timeout, shutdown) it stops
 * reading at once and closes the connection, even when the client keeps sending and never closes
 * its side. Before, the socket was only half-closed: it went on reading into the input queue up
 * to the pause mark and stayed open for as long as the client cared.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keepSending } from '../common/keep-sending.js';
import { startTestLmtp, type TestLmtp } from './harness.js';

let server: TestLmtp;
beforeAll(async () => {
  server = await startTestLmtp({ preauthorized: true });
}, 60_000);
afterAll(async () => {
  await server.close();
});

const MiB = 1024 * 1024;

describe('LMTP hangs up on a client that keeps sending', () => {
  it('closes after "too many errors" although the client goes on sending', async () => {
    const { received, written, closed } = await keepSending(server.port, 'XYZZY\r\n'.repeat(30), Buffer.alloc(MiB, 0x78), 160 * MiB);
    expect(received).toMatch(/421 4\.7\.0 Too many errors, closing connection\r\n$/);
    expect(closed).toBe(true);
    expect(written).toBeLessThan(48 * MiB);
  });
});
