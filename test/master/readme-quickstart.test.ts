/**
 * The README's quick tour stays true: the embedded default in conf/ with the demo set-up script
 * (npm's prestart) gives a server whose greeting is the one the README shows, where the demo user
 * and the demo administrator both log in with the passwords the README names.
 * Ports are the only change: the shipped ones become ephemeral so the test runs beside others.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, LineClient, RunningMaster } from './helpers.js';

const REPO = resolve(import.meta.dirname, '../..');
let dir = '';
let master: RunningMaster | undefined;

function announced(name: string): string {
  const re = new RegExp(`^${name} \\(\\w+\\) listening on (.+)$`);
  for (const line of master!.stdout) {
    const m = re.exec(line);
    if (m) return m[1]!;
  }
  throw new Error(`${name} not announced`);
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'cyrusts-quickstart-'));
  cpSync(join(REPO, 'conf'), join(dir, 'conf'), { recursive: true });
  cpSync(join(REPO, 'scripts'), join(dir, 'scripts'), { recursive: true });
  symlinkSync(join(REPO, 'dist'), join(dir, 'dist'));
  symlinkSync(join(REPO, 'node_modules'), join(dir, 'node_modules'));
  const cyrusConf = join(dir, 'conf', 'cyrus.conf');
  writeFileSync(cyrusConf, readFileSync(cyrusConf, 'utf8').replace(/listen="127\.0\.0\.1:\d+"/g, 'listen="127.0.0.1:0"'));
  execFileSync('sh', ['scripts/demo-setup.sh'], { cwd: dir, stdio: 'pipe' });
  master = RunningMaster.start({ dir, imapdConf: join(dir, 'conf', 'imapd.conf'), cyrusConf, cleanup: () => undefined });
  await master.waitFor('imap listening', () => master!.stdout.some((l) => l.startsWith('imap (imapd) listening on')));
}, 60_000);

afterAll(async () => {
  if (master) {
    master.proc.kill('SIGTERM');
    await master.exited;
  }
  rmSync(dir, { recursive: true, force: true });
});

describe('README quick tour on the embedded default', () => {
  it('greets as the README shows', async () => {
    const readme = readFileSync(join(REPO, 'README.md'), 'utf8');
    const shown = /^\s+(\* OK \[CAPABILITY IMAP4rev1 \.\.\.\] .+)$/m.exec(readme)?.[1];
    expect(shown).toBeDefined();
    const client = await LineClient.connect(announced('imap'));
    const greeting = await client.line(/^\* /);
    client.close();
    expect(greeting.replace(/\[CAPABILITY IMAP4rev1 [^\]]*\]/, '[CAPABILITY IMAP4rev1 ...]')).toBe(shown);
  });

  it.each([
    ['demo', 'demo'],
    ['admin', 'admin'],
  ])('%s logs in with the password the README names', async (user, password) => {
    const client = await LineClient.connect(announced('imap'));
    await client.line(/^\* OK/);
    client.send(`a LOGIN ${user} ${password}\r\n`);
    expect(await client.line(/^a /)).toMatch(/^a OK/);
    client.close();
  });

  it('the demo user manages Sieve scripts over ManageSieve (timsieved) on the shipped configuration', async () => {
    const client = await LineClient.connect(announced('sieve'));
    await client.line(/^OK$/);
    client.send(`AUTHENTICATE "PLAIN" "${Buffer.from('\0demo\0demo').toString('base64')}"\r\nLISTSCRIPTS\r\n`);
    await client.line(/^OK$/);
    client.send('LOGOUT\r\n');
    await client.closed;
    expect(client.received.filter((l) => l === 'OK')).toHaveLength(4); // greeting, AUTHENTICATE, LISTSCRIPTS, LOGOUT
  });

  it('the README names the demo passwords the set-up script sets', () => {
    const readme = readFileSync(join(REPO, 'README.md'), 'utf8');
    const script = readFileSync(join(REPO, 'scripts', 'demo-setup.sh'), 'utf8');
    for (const user of ['demo', 'admin']) {
      expect(readme).toContain(`\`${user}\` / \`${user}\``);
      expect(script).toContain(`echo ${user} | node dist/bin/cyrusts.js saslpasswd -C conf/imapd.conf -p -c ${user}`);
    }
    expect(CLI.endsWith(join('dist', 'bin', 'cyrusts.js'))).toBe(true);
  });
});
