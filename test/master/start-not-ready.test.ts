/**
 * Issue 17: the master never says "ready" when it is not. A listen address in use fails the start
 * with exit 1, a TLS-on-connect service without its certificate pair with exit 78, unless the
 * entry is marked optional=yes (then it is logged and skipped).
 */
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { RunningMaster, tempServer, type TempServer } from './helpers.js';

let server: TempServer | undefined;
let master: RunningMaster | undefined;
let occupied: net.Server | undefined;

afterEach(async () => {
  await master?.stop();
  server?.cleanup();
  await new Promise<void>((resolve) => (occupied ? occupied.close(() => resolve()) : resolve()));
  master = server = occupied = undefined;
});

/** A port some other program holds. */
async function occupiedPort(): Promise<number> {
  occupied = net.createServer();
  await new Promise<void>((resolve) => occupied!.listen(0, '127.0.0.1', resolve));
  return (occupied.address() as net.AddressInfo).port;
}

/** How the start ended: the exit status, or "ready". */
async function outcome(m: RunningMaster): Promise<number | null | 'ready'> {
  const ready = m.waitFor('the master to be ready', () => m.logs.some((l) => l.msg === 'master ready'), 20_000).then(() => 'ready' as const);
  ready.catch(() => undefined);
  return Promise.race([m.exited, ready]);
}

describe('master start', () => {
  it('fails with exit 1 when a listen address is in use', async () => {
    const port = await occupiedPort();
    server = tempServer(`SERVICES {\n  imap cmd="imapd" listen="127.0.0.1:${port}"\n}\n`);
    master = RunningMaster.start(server);
    expect(await outcome(master)).toBe(1);
    expect(master.logs.some((l) => l.msg === 'master cannot start' && /SERVICES imap: cannot listen on 127\.0\.0\.1:\d+/.test(String(l.err)))).toBe(true);
  });

  it('starts without an optional entry whose address is in use', async () => {
    const port = await occupiedPort();
    server = tempServer(`SERVICES {\n  imap cmd="imapd" listen="127.0.0.1:0"\n  extra cmd="imapd" listen="127.0.0.1:${port}" optional=yes\n}\n`);
    master = RunningMaster.start(server);
    expect(await outcome(master)).toBe('ready');
    expect(master.logs.some((l) => l.msg === 'cannot serve: entry skipped' && l.service === 'extra')).toBe(true);
  });

  it('fails with exit 78 when a TLS-on-connect service has no certificate pair', async () => {
    server = tempServer('SERVICES {\n  imaps cmd="imapd -s" listen="127.0.0.1:0"\n}\n', 'tls_server_cert: /nonexistent/cert.pem\ntls_server_key: /nonexistent/key.pem\n');
    master = RunningMaster.start(server);
    expect(await outcome(master)).toBe(78);
    expect(master.stdout.some((l) => /listening/.test(l))).toBe(false);
  });
});
