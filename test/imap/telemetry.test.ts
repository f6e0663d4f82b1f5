/**
 * Cyrus's per-user protocol telemetry on the wire: with {configdirectory}/log/USER present, a session
 * of USER leaves `<pid>-<sessionid>` there with Cyrus's header and marks, from the login on.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import tls from 'node:tls';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type Server } from 'node:net';
import { restartReading, type LoginGate, type MovedSession } from '../../src/common/index.js';
import { CompressClient, last } from './compress-client.js';
import { RawClient, startTestServer, type TestServer } from './harness.js';

const HEADER = /^---------- (\S+) (Sun|Mon|Tue|Wed|Thu|Fri|Sat) (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) [ \d]\d \d\d:\d\d:\d\d \d{4}\n\n/;

let server: TestServer;
const lines: Array<Record<string, unknown>> = [];

beforeAll(async () => {
  const logger = pino({ level: 'info' }, { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) });
  server = await startTestServer({ users: ['fred', 'wilma', 'barney'], logger });
  mkdirSync(join(server.dir, 'conf', 'log', 'fred'), { recursive: true });
});
afterAll(async () => {
  await server.close();
});

const logDir = (user: string) => join(server.dir, 'conf', 'log', user);

/** The trace files of `user` now. */
const traces = (user: string): string[] => readdirSync(logDir(user)).sort();

/** The one trace file that is new since `before`, once it holds `until` (the writes are asynchronous). */
async function newTrace(user: string, before: string[], until: string): Promise<{ name: string; text: string }> {
  const deadline = Date.now() + 5000;
  for (;;) {
    const added = traces(user).filter((f) => !before.includes(f));
    if (added.length === 1) {
      const text = readFileSync(join(logDir(user), added[0]!), 'latin1');
      if (text.includes(until)) return { name: added[0]!, text };
    }
    if (Date.now() > deadline) throw new Error(`no trace holding ${JSON.stringify(until)} among ${JSON.stringify(added)}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('telemetry log (log/USER)', () => {
  it('traces a LOGIN session after its login: commands and answers with <T< and >T>, not the LOGIN or the password', async () => {
    const before = traces('fred');
    const c = await RawClient.connect(server.port);
    expect(last(await c.command('a', 'LOGIN fred pass'))).toMatch(/^a OK/);
    const message = 'Subject: traced\r\n\r\nbody text here\r\n';
    c.write(`b APPEND INBOX {${message.length}+}\r\n${message}\r\n`);
    await c.readUntil((l) => l.startsWith('b '));
    expect(last(await c.command('c', 'SELECT INBOX'))).toMatch(/^c OK/);
    expect(last(await c.command('d', 'FETCH 1 BODY[]'))).toBe('d OK FETCH completed');
    expect(last(await c.command('z', 'LOGOUT'))).toBe('z OK LOGOUT completed');
    c.close();
    const { name, text } = await newTrace('fred', before, 'z OK LOGOUT completed');
    expect(name).toMatch(new RegExp(`^${process.pid}-[0-9a-f]+$`));
    expect(text).toMatch(HEADER);
    expect(HEADER.exec(text)![1]).toBe('fred');
    expect(text).toMatch(/<\d{10}<c SELECT INBOX\r\n/);
    expect(text).toMatch(/<\d{10}<d FETCH 1 BODY\[\]\r\n/);
    expect(text).toMatch(/>\d{10}>[^]*d OK FETCH completed\r\n/);
    expect(text).toContain('body text here');
    expect(text).toMatch(/<\d{10}<z LOGOUT\r\n/);
    expect(text).not.toContain('LOGIN fred');
    expect(text).not.toContain('pass');
  });

  it('writes nothing for a user without a directory', async () => {
    const c = await RawClient.connect(server.port);
    expect(last(await c.command('a', 'LOGIN wilma pass'))).toMatch(/^a OK/);
    expect(last(await c.command('b', 'SELECT INBOX'))).toMatch(/^b OK/);
    await c.command('z', 'LOGOUT');
    c.close();
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(readdirSync(join(server.dir, 'conf', 'log')).sort()).toEqual(['fred']);
  });

  it('traces an AUTHENTICATE PLAIN session without its credentials', async () => {
    const before = traces('fred');
    const credentials = Buffer.from('\0fred\0pass').toString('base64');
    const c = await RawClient.connect(server.port);
    c.write('a AUTHENTICATE PLAIN\r\n');
    expect(await c.readLine()).toBe('+ ');
    c.write(`${credentials}\r\n`);
    expect(last(await c.readUntil((l) => l.startsWith('a ')))).toMatch(/^a OK/);
    expect(last(await c.command('b', 'NOOP'))).toBe('b OK NOOP completed');
    await c.command('z', 'LOGOUT');
    c.close();
    const { text } = await newTrace('fred', before, 'z OK LOGOUT completed');
    expect(text).toMatch(HEADER);
    expect(text).toMatch(/<\d{10}<b NOOP\r\n>\d{10}>b OK NOOP completed\r\n/);
    expect(text).not.toContain('AUTHENTICATE PLAIN');
    expect(text).not.toContain(credentials);
  });

  it('ends the trace at UNAUTHENTICATE: the next login and its password do not reach it', async () => {
    const before = traces('fred');
    const c = await RawClient.connect(server.port);
    expect(last(await c.command('a', 'LOGIN fred pass'))).toMatch(/^a OK/);
    expect(last(await c.command('b', 'UNAUTHENTICATE'))).toMatch(/^b OK/);
    expect(last(await c.command('c', 'LOGIN wilma pass'))).toMatch(/^c OK/);
    expect(last(await c.command('d', 'NOOP'))).toBe('d OK NOOP completed');
    await c.command('z', 'LOGOUT');
    c.close();
    const { text } = await newTrace('fred', before, 'b UNAUTHENTICATE');
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(readFileSync(join(logDir('fred'), traces('fred').find((f) => !before.includes(f))!), 'latin1')).toBe(text);
    expect(text).not.toContain('wilma');
    expect(text).not.toContain('pass');
    expect(text).not.toContain('d NOOP');
  });

  it('traces the plain text of a COMPRESS=DEFLATE session', async () => {
    const before = traces('fred');
    const c = await CompressClient.connect(server.port);
    expect(last(await c.command('a', 'LOGIN fred pass'))).toMatch(/^a OK/);
    expect(await c.startCompression('b')).toBe('b OK DEFLATE active');
    expect(last(await c.command('c', 'NOOP'))).toBe('c OK NOOP completed');
    expect(last(await c.command('d', 'LIST "" INBOX'))).toBe('d OK LIST completed');
    await c.command('z', 'LOGOUT');
    c.close();
    const { text } = await newTrace('fred', before, 'z OK LOGOUT completed');
    expect(text).toMatch(/<\d{10}<b COMPRESS DEFLATE\r\n/);
    expect(text).toMatch(/<\d{10}<c NOOP\r\n>\d{10}>c OK NOOP completed\r\n/);
    expect(text).toMatch(/>\d{10}>\* LIST \([^)]*\) "[./]" INBOX\r\nd OK LIST completed\r\n/);
  });

  it('an unwritable trace ends the trace with one log line, never the session', async () => {
    mkdirSync(logDir('barney'));
    lines.length = 0;
    const c = await RawClient.connect(server.port);
    const sid = lines.find((l) => l.msg === 'connection opened')?.sid;
    expect(typeof sid).toBe('string');
    // The trace's own name taken by a directory: no one, not even root, can append to it.
    mkdirSync(join(logDir('barney'), `${process.pid}-${String(sid)}`));
    expect(last(await c.command('a', 'LOGIN barney pass'))).toMatch(/^a OK/);
    expect(last(await c.command('b', 'SELECT INBOX'))).toMatch(/^b OK/);
    expect(last(await c.command('c', 'NOOP'))).toBe('c OK NOOP completed');
    expect(last(await c.command('z', 'LOGOUT'))).toBe('z OK LOGOUT completed');
    c.close();
    const stopped = lines.filter((l) => l.msg === 'telemetry log stopped');
    expect(stopped).toHaveLength(1);
    expect(stopped[0]).toMatchObject({ err: 'EISDIR' });
  });
});

describe('logtimestamps', () => {
  let timed: TestServer;
  beforeAll(async () => {
    timed = await startTestServer({ users: ['fred'], conf: ['logtimestamps: yes'] });
    mkdirSync(join(timed.dir, 'conf', 'log', 'fred'), { recursive: true });
  });
  afterAll(async () => {
    await timed.close();
  });

  it('marks each chunk with the seconds since the previous command or response', async () => {
    const c = await RawClient.connect(timed.port);
    await c.command('a', 'LOGIN fred pass');
    await c.command('b', 'NOOP');
    await new Promise((resolve) => setTimeout(resolve, 1100));
    await c.command('z', 'LOGOUT');
    c.close();
    const dir = join(timed.dir, 'conf', 'log', 'fred');
    const deadline = Date.now() + 5000;
    let text = '';
    while (!text.includes('z OK LOGOUT completed') && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      const files = readdirSync(dir);
      text = files.length === 1 ? readFileSync(join(dir, files[0]!), 'latin1') : '';
    }
    expect(text).toMatch(HEADER);
    expect(text).toMatch(/<0<b NOOP\r\n>0>b OK NOOP completed\r\n/);
    // The pause before LOGOUT: one second since the previous answer.
    expect(text).toMatch(/<1<z LOGOUT\r\n>0>/);
    expect(text).not.toMatch(/[<>]\d{10}[<>]/);
  });
});

describe('under STARTTLS', () => {
  let secured: TestServer;
  let certDir: string;
  beforeAll(async () => {
    certDir = mkdtempSync(join(tmpdir(), 'cyrusts-cert-'));
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(certDir, 'key.pem'), '-out', join(certDir, 'cert.pem'), '-days', '1', '-subj', '/CN=localhost'], { stdio: 'ignore' });
    secured = await startTestServer({ users: ['fred'], conf: [`tls_server_cert: ${certDir}/cert.pem`, `tls_server_key: ${certDir}/key.pem`] });
    mkdirSync(join(secured.dir, 'conf', 'log', 'fred'), { recursive: true });
  });
  afterAll(async () => {
    await secured.close();
    rmSync(certDir, { recursive: true, force: true });
  });

  it('traces the decrypted commands and answers', async () => {
    const c = await RawClient.connect(secured.port);
    expect(last(await c.command('s', 'STARTTLS'))).toMatch(/^s OK/);
    const secure = tls.connect({ socket: c.socket, rejectUnauthorized: false });
    await new Promise<void>((resolve, reject) => {
      secure.once('secureConnect', resolve);
      secure.once('error', reject);
    });
    let received = '';
    secure.on('data', (d: Buffer) => (received += d.toString('latin1')));
    const answer = async (tag: string, command: string) => {
      secure.write(`${tag} ${command}\r\n`);
      while (!new RegExp(`(^|\\r\\n)${tag} `).test(received)) await new Promise((resolve) => setTimeout(resolve, 10));
    };
    await answer('a', 'LOGIN fred pass');
    await answer('b', 'NOOP');
    await answer('z', 'LOGOUT');
    secure.destroy();
    const dir = join(secured.dir, 'conf', 'log', 'fred');
    const deadline = Date.now() + 5000;
    let text = '';
    while (!text.includes('z OK LOGOUT completed') && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      const files = readdirSync(dir);
      text = files.length === 1 ? readFileSync(join(dir, files[0]!), 'latin1') : '';
    }
    expect(text).toMatch(HEADER);
    expect(text).toMatch(/<\d{10}<b NOOP\r\n>\d{10}>b OK NOOP completed\r\n/);
    expect(text).not.toContain('STARTTLS');
  });
});

describe('a session moved to its user\'s worker after its login', () => {
  let home: TestServer;
  let listener: Server;
  let port: number;
  const moves: MovedSession[] = [];

  beforeAll(async () => {
    home = await startTestServer({ users: ['fred'] });
    mkdirSync(join(home.dir, 'conf', 'log', 'fred'), { recursive: true });
    // The master's part, in one process: the login asks to move, and the moved session is resumed
    // on the same server (another worker, in a real run: another pid in the file name).
    listener = createServer((socket) => {
      const gate: LoginGate = {
        loggedIn: () => Promise.resolve({ refusal: null, move: true }),
        passed: () => undefined,
        move: (moved) => {
          moves.push(moved);
          setImmediate(() => {
            home.imap.resumeConnection(socket, { tls: false, unixSocket: false, remoteAddress: socket.remoteAddress }, moved);
            restartReading(socket);
          });
          return true;
        },
        onMoveAsked: () => undefined,
        stay: () => undefined,
      };
      home.imap.handleConnection(socket, { tls: false, unixSocket: false, remoteAddress: socket.remoteAddress, loginGate: gate });
    });
    await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
    port = (listener.address() as { port: number }).port;
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => listener.close(() => resolve()));
    await home.close();
  });

  it('leaves one trace, made where it is served: the login\'s answer and the commands after it', async () => {
    const c = await RawClient.connect(port);
    // NOOP in the LOGIN's write: read on the first worker, carried, run on the second.
    c.write('a LOGIN fred pass\r\nb NOOP\r\n');
    await c.readUntil((l) => l.startsWith('b '));
    expect(moves).toHaveLength(1);
    expect(last(await c.command('c', 'SELECT INBOX'))).toMatch(/^c OK/);
    await c.command('z', 'LOGOUT');
    c.close();
    const dir = join(home.dir, 'conf', 'log', 'fred');
    const deadline = Date.now() + 5000;
    let files: string[] = [];
    let text = '';
    while (!text.includes('z OK LOGOUT completed') && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      files = readdirSync(dir);
      text = files.length === 1 ? readFileSync(join(dir, files[0]!), 'latin1') : '';
    }
    expect(files).toEqual([`${process.pid}-${moves[0]!.sessionId}`]);
    expect(text).toMatch(HEADER);
    // One header: the first worker made no file of its own (it answered nothing after the login).
    expect(text.match(/^---------- /gm)).toHaveLength(1);
    expect(text).toMatch(/<\d{10}<b NOOP\r\n/);
    expect(text).toMatch(/>\d{10}>a OK /);
    expect(text).toMatch(/<\d{10}<c SELECT INBOX\r\n/);
    expect(text).not.toContain('LOGIN fred');
  });
});
