import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import tls from 'node:tls';
import { afterEach, describe, expect, it } from 'vitest';
import { isAlive, RunningMaster, tempServer, type TempServer } from './helpers.js';

let server: TempServer | undefined;
let master: RunningMaster | undefined;

afterEach(async () => {
  await master?.stop();
  server?.cleanup();
  master = server = undefined;
});

describe('DAEMON and TLS services', () => {
  it('restarts a DAEMON entry that exits, and stops it on SIGTERM', async () => {
    server = tempServer('');
    const d = server.dir;
    writeFileSync(server.cyrusConf, `DAEMON {
  short  cmd="/bin/sh -c 'echo run >> ${d}/short'"
  long   cmd="/bin/sh -c 'echo $$ > ${d}/long.pid; exec sleep 30'"
}
`);
    master = RunningMaster.start(server);
    await master.waitFor('two runs of the short daemon', () => existsSync(join(d, 'short')) && readFileSync(join(d, 'short'), 'utf8').split('\n').length > 2);
    const restarted = await master.log('daemon exited, restarting', (l) => l.entry === 'short');
    expect(restarted.restartInMs).toBeGreaterThan(0); // it died at once: back-off, not a spin
    await master.waitFor('the long daemon pid', () => existsSync(join(d, 'long.pid')) && readFileSync(join(d, 'long.pid'), 'utf8').trim());
    const pid = Number(readFileSync(join(d, 'long.pid'), 'utf8'));
    expect(isAlive(pid)).toBe(true);
    expect(await master.stop()).toBe(0);
    expect(isAlive(pid)).toBe(false);
  });

  it('serves an imapd -s service over TLS from the first byte', async () => {
    server = tempServer('');
    const d = server.dir;
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(d, 'key.pem'), '-out', join(d, 'cert.pem'), '-days', '1', '-subj', '/CN=test.example'], { stdio: 'ignore' });
    writeFileSync(server.imapdConf, readFileSync(server.imapdConf, 'utf8') + `tls_server_cert: ${d}/cert.pem\ntls_server_key: ${d}/key.pem\n`);
    writeFileSync(server.cyrusConf, 'SERVICES {\n  imaps cmd="imapd -s" listen="127.0.0.1:0"\n}\n');
    master = RunningMaster.start(server);
    const [host, port] = (await master.address('imaps')).split(':');
    const greeting = await new Promise<string>((resolvePromise, reject) => {
      const socket = tls.connect({ host, port: Number(port), rejectUnauthorized: false }, () => undefined);
      socket.setEncoding('utf8');
      socket.once('data', (data: string) => {
        socket.destroy();
        resolvePromise(data);
      });
      socket.once('error', reject);
    });
    expect(greeting).toMatch(/^\* OK \[CAPABILITY IMAP4rev1/);
  });
});
