/**
 * STLS (RFC 2595) with imapd's TLS settings, plaintext USER/PASS only under TLS unless
 * allowplaintext, and a pop3s listener (pop3d -s) run by the master.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import tls from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt } from '../imap/harness.js';
import { CLI, RunningMaster, tempServer, type TempServer } from '../master/helpers.js';
import { message, PopClient, runPython, startPop3Server, type Pop3TestServer } from './harness.js';

let server: Pop3TestServer;
let certDir: string;
beforeAll(async () => {
  certDir = mkdtempSync(join(tmpdir(), 'cyrusts-pop3-cert-'));
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(certDir, 'key.pem'), '-out', join(certDir, 'cert.pem'), '-days', '1', '-subj', '/CN=localhost'], { stdio: 'ignore' });
  server = await startPop3Server({ conf: ['allowplaintext: no', `tls_server_cert: ${certDir}/cert.pem`, `tls_server_key: ${certDir}/key.pem`] });
  await server.deliver('fred', [message('secret')]);
}, 60_000);
afterAll(async () => {
  await server.close();
  rmSync(certDir, { recursive: true, force: true });
});

/** Upgrade a raw client's socket after STLS; returns a reader of lines over TLS. */
async function upgrade(c: PopClient): Promise<{ command(text: string): Promise<string>; lines(n: number): Promise<string[]>; close(): void }> {
  const secure = tls.connect({ socket: c.socket, rejectUnauthorized: false });
  await new Promise<void>((resolve, reject) => {
    secure.once('secureConnect', resolve);
    secure.once('error', reject);
  });
  let buffer = '';
  const waiters: Array<() => void> = [];
  secure.setEncoding('latin1');
  secure.on('data', (d: string) => {
    buffer += d;
    for (const w of waiters.splice(0)) w();
  });
  const lines = async (n: number): Promise<string[]> => {
    for (;;) {
      const parts = buffer.split('\r\n');
      if (parts.length > n) {
        buffer = parts.slice(n).join('\r\n');
        return parts.slice(0, n);
      }
      await new Promise<void>((resolve) => waiters.push(resolve));
    }
  };
  return {
    async command(text) {
      secure.write(`${text}\r\n`);
      return (await lines(1))[0]!;
    },
    lines,
    close: () => secure.destroy(),
  };
}

describe('STLS and allowplaintext: no', () => {
  it('offers STLS and no USER before TLS; refuses USER and plaintext AUTH', async () => {
    const c = await PopClient.connect(server.port);
    const capa = await c.listing('CAPA');
    expect(capa.lines).toContain('STLS');
    expect(capa.lines).not.toContain('USER');
    expect(capa.lines.find((l) => l.startsWith('SASL'))).not.toMatch(/PLAIN|LOGIN/);
    expect(await c.command('USER fred')).toBe('-ERR [AUTH] USER command only available under a layer');
    expect(await c.command(`AUTH PLAIN ${Buffer.from('\0fred\0pass').toString('base64')}`)).toBe('-ERR [AUTH] Mechanism not available');
    expect(await c.command('STLS extra')).toBe('-ERR Unexpected extra argument');
    c.close();
  });

  it('upgrades with STLS, discards what was pipelined after it, then allows USER/PASS', async () => {
    const c = await PopClient.connect(server.port);
    c.write('STLS\r\nNOOP\r\n');
    expect(await c.line()).toBe('+OK Begin TLS negotiation now');
    const s = await upgrade(c);
    const capaStatus = await s.command('CAPA');
    expect(capaStatus).toBe('+OK List of capabilities follows');
    const rest: string[] = [];
    for (;;) {
      const [line] = await s.lines(1);
      if (line === '.') break;
      rest.push(line!);
    }
    expect(rest).toContain('USER');
    expect(rest).not.toContain('STLS');
    expect(rest.find((l) => l.startsWith('SASL'))).toMatch(/PLAIN/);
    expect(await s.command('STLS')).toBe('-ERR Already successfully executed STLS');
    expect(await s.command('USER fred')).toBe('+OK Name is a valid mailbox');
    expect(await s.command('PASS pass')).toMatch(/^\+OK Mailbox locked and ready/);
    expect(await s.command('STAT')).toMatch(/^\+OK 1 /);
    s.close();
  });

  it('works with poplib.stls()', async () => {
    const script = join(server.dir, 'stls.py');
    writeFileSync(script, [
      'import poplib, ssl, sys',
      'ctx = ssl.create_default_context(); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE',
      'p = poplib.POP3(sys.argv[1], int(sys.argv[2]), timeout=10)',
      'p.stls(ctx)',
      "p.user('fred'); p.pass_('pass')",
      'print(p.stat()[0]); p.quit()',
    ].join('\n'));
    const result = await runPython(script, [server.host, String(server.port)]);
    expect(result.err).toBe('');
    expect(result.out.trim()).toBe('1');
  });
});

describe('pop3s: pop3d -s under the master', () => {
  let temp: TempServer | undefined;
  let master: RunningMaster | undefined;
  afterAll(async () => {
    await master?.stop();
    temp?.cleanup();
  });

  it('speaks TLS from the first byte, offers no STLS and takes USER/PASS', async () => {
    ensureBuilt();
    temp = tempServer('SERVICES {\n  pop3s cmd="pop3d -s" listen="127.0.0.1:0"\n}\n');
    writeFileSync(temp.imapdConf, readFileSync(temp.imapdConf, 'utf8') + `allowplaintext: no\nautocreate_quota: 0\ntls_server_cert: ${certDir}/cert.pem\ntls_server_key: ${certDir}/key.pem\n`);
    execFileSync(process.execPath, [CLI, 'saslpasswd', '-C', temp.imapdConf, '-p', 'fred'], { input: 'pass\n' });
    master = RunningMaster.start(temp);
    const [host, port] = (await master.address('pop3s')).split(':');
    const secure = tls.connect({ host, port: Number(port), rejectUnauthorized: false });
    let buffer = '';
    secure.setEncoding('latin1');
    const next = () =>
      new Promise<string>((resolve) => {
        const check = () => {
          const at = buffer.indexOf('\r\n');
          if (at < 0) return void secure.once('data', (d: string) => ((buffer += d), check()));
          const line = buffer.slice(0, at);
          buffer = buffer.slice(at + 2);
          resolve(line);
        };
        check();
      });
    expect(await next()).toMatch(/^\+OK .* server ready$/);
    secure.write('CAPA\r\n');
    const capa: string[] = [];
    for (let line = await next(); line !== '.'; line = await next()) capa.push(line);
    expect(capa).not.toContain('STLS');
    expect(capa).toContain('USER');
    secure.write('USER fred\r\nPASS pass\r\nSTAT\r\nQUIT\r\n');
    expect(await next()).toBe('+OK Name is a valid mailbox');
    expect(await next()).toMatch(/^\+OK Mailbox locked and ready/);
    expect(await next()).toBe('+OK 0 0');
    expect(await next()).toBe('+OK');
    secure.destroy();
  }, 60_000);
});
