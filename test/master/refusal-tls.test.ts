import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { join } from 'node:path';
import tls from 'node:tls';
import { afterEach, describe, expect, it } from 'vitest';
import { refusalText } from '../../src/master/refusal.js';
import { RunningMaster, tempServer, type TempServer } from './helpers.js';

let server: TempServer | undefined;
let master: RunningMaster | undefined;

afterEach(async () => {
  await master?.stop();
  server?.cleanup();
  master = server = undefined;
});

describe('maxchild refusal on a TLS-on-connect service', () => {
  it.each([
    ['imapd', false, /^\* BYE \[UNAVAILABLE\] mx too many connections to service s, try again later\r\n$/],
    ['pop3d', false, /^-ERR \[SYS\/TEMP\] /],
    ['lmtpd', false, /^421 4\.3\.2 /],
    ['imapd', true, null],
    ['pop3d', true, null],
  ] as const)('%s tls=%s', (program, tlsOnConnect, text) => {
    const refusal = refusalText(program, 's', 'mx', tlsOnConnect);
    if (text === null) expect(refusal).toBeNull();
    else expect(refusal).toMatch(text);
  });

  it('imapd -s over maxchild closes the socket without writing plaintext', async () => {
    server = tempServer('');
    const d = server.dir;
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(d, 'key.pem'), '-out', join(d, 'cert.pem'), '-days', '1', '-subj', '/CN=test.example'], { stdio: 'ignore' });
    writeFileSync(server.imapdConf, readFileSync(server.imapdConf, 'utf8') + `tls_server_cert: ${d}/cert.pem\ntls_server_key: ${d}/key.pem\n`);
    writeFileSync(server.cyrusConf, 'SERVICES {\n  imaps cmd="imapd -s" listen="127.0.0.1:0" maxchild=1\n}\n');
    master = RunningMaster.start(server);
    const [host, port] = (await master.address('imaps')).split(':');
    const held = tls.connect({ host, port: Number(port), rejectUnauthorized: false });
    const greeting = await new Promise<string>((resolve, reject) => {
      held.setEncoding('utf8');
      held.once('data', resolve);
      held.once('error', reject);
    });
    expect(greeting).toMatch(/^\* OK /);
    // A second connection, read as raw TCP: the master must send nothing and close.
    const refused = createConnection({ host, port: Number(port) });
    const received = await new Promise<Buffer>((resolve) => {
      const chunks: Buffer[] = [];
      refused.on('data', (c: Buffer) => chunks.push(c));
      refused.on('error', () => undefined);
      refused.on('close', () => resolve(Buffer.concat(chunks)));
    });
    expect(received.length).toBe(0);
    held.destroy();
  });
});
