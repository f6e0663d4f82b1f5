// PUTSCRIPT and CHECKSCRIPT as the protocol handles them, with a stand-in for the Sieve compiler
// (the language is built elsewhere; here "if foo {" is the one invalid script): an in-process
// timsieved on an ephemeral port. What the log says of a session: events, never a password nor a script.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ImapdConfig } from '../../src/config/index.js';
import { SieveServer } from '../../src/sieve/server.js';
import { literal, SieveClient } from './harness.js';

vi.mock('../../src/sieve-script/index.js', async (importOriginal) => ({
  ...(await importOriginal<object>()),
  SUPPORTED_EXTENSIONS: ['fileinto', 'reject', 'vacation'],
  compileSieve: (source: string, options: { extensions?: readonly string[] } = {}) => {
    if (source.includes('if foo {')) return { ok: false, errors: ['line 2: expected a test', 'line 3: second error'] };
    const wanted = /require "([^"]+)"/.exec(source)?.[1];
    if (wanted && !(options.extensions ?? []).includes(wanted)) return { ok: false, errors: [`line 1: unsupported extension "${wanted}"`] };
    return { ok: true, script: { requires: wanted ? [wanted] : [] } };
  },
}));

let dir: string;
let sieve: SieveServer;
let listener: Server;
let port: number;
const logged: string[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'cyrusts-sieve-'));
  writeFileSync(join(dir, 'imapd.conf'), [
    `configdirectory: ${join(dir, 'conf')}`,
    `partition-default: ${join(dir, 'spool')}`,
    'sievedir: {configdirectory}/sieve',
    'allowplaintext: yes',
    'fsync_disabled: yes',
    'auth_failure_delay: 0',
    'sieve_maxscripts: 2',
    'sieve_maxscriptsize: 1',
    'sieve_extensions: fileinto vacation notify',
  ].join('\n'));
  const config = ImapdConfig.load(join(dir, 'imapd.conf'));
  const logger = pino({ level: 'debug' }, { write: (line: string) => void logged.push(line) });
  sieve = SieveServer.create({ config: config.forService('sieve'), serviceName: 'sieve', logger, auth: { passwordStore: { scrypt: { N: 1024, r: 8, p: 1 }, scramIterations: 64 } } });
  await sieve.deps.auth.store.setPassword('fred', 'sekrit-pass');
  await sieve.deps.auth.store.setPassword('zed', 'sekrit-pass');
  listener = createServer((socket) => sieve.handleConnection(socket, { tls: false, unixSocket: false, localAddress: socket.localAddress, remoteAddress: socket.remoteAddress }));
  await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
  port = (listener.address() as { port: number }).port;
});

afterAll(async () => {
  await sieve.shutdown(Date.now());
  sieve.close();
  await new Promise<void>((resolve) => listener.close(() => resolve()));
  rmSync(dir, { recursive: true, force: true });
});

async function loggedIn(): Promise<SieveClient> {
  const client = await SieveClient.connect({ host: '127.0.0.1', port });
  expect((await client.login('fred', 'sekrit-pass')).status).toBe('OK');
  return client;
}

const put = (name: string, script: string | Buffer) => Buffer.concat([Buffer.from(`PUTSCRIPT "${name}" `), literal(script)]);
const scriptFile = (name: string) => join(dir, 'conf', 'sieve', 'f', 'fred', `${name}.script`);

describe('PUTSCRIPT', () => {
  it('SIEVE lists the supported extensions that sieve_extensions allows (Cyrus\'s "notify" is enotify; the comparator and encoded-character are always on, as in Cyrus)', async () => {
    const client = await SieveClient.connect({ host: '127.0.0.1', port });
    expect(client.greeting.lines).toContain('"SIEVE" "fileinto comparator-i;ascii-numeric vacation encoded-character enotify"');
    expect(client.greeting.lines).toContain('"NOTIFY" "mailto"');
    client.close();
  });

  it('stores a script that compiles, replaces it, and keeps it active across a replacement', async () => {
    const client = await loggedIn();
    expect((await client.command(put('main', 'require "fileinto";\r\nfileinto "x";\r\n'))).status).toBe('OK');
    expect(readFileSync(scriptFile('main'), 'utf8')).toBe('require "fileinto";\r\nfileinto "x";\r\n');
    expect((await client.command('SETACTIVE "main"')).status).toBe('OK');
    expect((await client.command(put('main', 'keep;\r\n'))).status).toBe('OK');
    expect(readFileSync(scriptFile('main'), 'utf8')).toBe('keep;\r\n');
    expect((await client.command('LISTSCRIPTS')).lines).toEqual(['"main" ACTIVE', 'OK']);
    expect((await client.command('PUTSCRIPT "quoted" "keep;"')).status).toBe('OK');
    client.close();
  });

  it('answers a script that does not compile with NO and its first error, storing nothing', async () => {
    const client = await loggedIn();
    // Replacing "main" (a new name would be over sieve_maxscripts, which is checked first).
    expect((await client.command(put('main', 'keep;\r\nif foo {\r\n'))).status).toBe('NO "line 2: expected a test"');
    expect((await client.command(put('main', 'require "reject";\r\nreject "no";\r\n'))).status).toBe('NO "line 1: unsupported extension \\"reject\\""');
    expect((await client.command(put('main', Buffer.from([0x6b, 0xff, 0x3b])))).status).toBe('NO "Script is not valid UTF-8"');
    expect(readFileSync(scriptFile('main'), 'utf8')).toBe('keep;\r\n');
    client.close();
  });

  it('QUOTA/MAXSIZE for a script over sieve_maxscriptsize, QUOTA/MAXSCRIPTS for one script too many', async () => {
    const client = await loggedIn();
    expect((await client.command(put('huge', `# ${'x'.repeat(1100)}\r\nkeep;\r\n`))).status).toBe('NO (QUOTA/MAXSIZE) "Script is too big"');
    // main and quoted exist (sieve_maxscripts: 2): a third name is refused, a replacement is not.
    expect((await client.command(put('third', 'keep;'))).status).toBe('NO (QUOTA/MAXSCRIPTS) "Too many scripts"');
    expect((await client.command(put('quoted', 'discard;'))).status).toBe('OK');
    client.close();
  });

  it('CHECKSCRIPT compiles without storing', async () => {
    const client = await loggedIn();
    expect((await client.command(Buffer.concat([Buffer.from('CHECKSCRIPT '), literal('keep;\r\n')]))).status).toBe('OK');
    expect((await client.command(Buffer.concat([Buffer.from('CHECKSCRIPT '), literal('if foo {\r\n')]))).status).toBe('NO "line 2: expected a test"');
    expect((await client.command('LISTSCRIPTS')).lines.length).toBe(3);
    client.close();
  });

  it('a store failure answers NO (TRYLATER) and is logged in full as an internal error', async () => {
    // zed's script directory is a file: every store operation fails with ENOTDIR.
    mkdirSync(join(dir, 'conf', 'sieve', 'z'), { recursive: true });
    writeFileSync(join(dir, 'conf', 'sieve', 'z', 'zed'), 'not a directory');
    logged.length = 0;
    const client = await SieveClient.connect({ host: '127.0.0.1', port });
    expect((await client.login('zed', 'sekrit-pass')).status).toBe('OK');
    expect((await client.command(put('main', 'keep;'))).status).toBe('NO (TRYLATER) "Internal server error"');
    expect((await client.command('LISTSCRIPTS')).status).toBe('NO (TRYLATER) "Internal server error"');
    client.close();
    const errors = logged.map((l) => JSON.parse(l) as { msg: string; command?: string; err?: { message?: string } }).filter((l) => l.msg === 'internal error');
    expect(errors.map((e) => e.command)).toEqual(['PUTSCRIPT', 'LISTSCRIPTS']);
    expect(errors[0]!.err?.message).toMatch(/ENOTDIR/);
  });

  it('logs one line per event with the session id, and never the password or a script body', async () => {
    logged.length = 0;
    const client = await loggedIn();
    expect((await client.command(put('quoted', 'require "fileinto"; fileinto "SECRET-FOLDER";'))).status).toBe('OK');
    expect((await client.command('LOGOUT')).status).toBe('OK');
    await client.closedByServer();
    const lines = logged.map((l) => JSON.parse(l) as { msg: string; sid?: string });
    const stored = lines.find((l) => l.msg === 'script stored') as { sid?: string; user?: string; script?: string; size?: number } | undefined;
    expect(stored).toMatchObject({ user: 'fred', script: 'quoted', size: 45 });
    expect(stored!.sid).toMatch(/./);
    expect(lines.some((l) => l.msg === 'connection closed' && l.sid === stored!.sid)).toBe(true);
    const all = logged.join('\n');
    expect(all).not.toContain('sekrit-pass');
    expect(all).not.toContain(Buffer.from('\0fred\0sekrit-pass').toString('base64'));
    expect(all).not.toContain('SECRET-FOLDER');
  });
});
