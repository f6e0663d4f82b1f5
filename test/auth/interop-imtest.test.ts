import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SaslExchange } from '../../src/auth/index.js';
import { ctx, makeAuth } from './helpers.js';

// Cyrus's own imtest (package cyrus-clients) runs the real libsasl2 client mechanisms against a
// minimal IMAP front written here around the Authenticator: an interoperability check of SCRAM,
// PLAIN and LOGIN with a client this project did not write.
const IMTEST = ['/usr/lib/cyrus/bin/imtest', '/usr/bin/imtest'].find((p) => fs.existsSync(p));

let env: ReturnType<typeof makeAuth>;
let server: net.Server;
let port = 0;
const outcomes: string[] = [];

function serve(socket: net.Socket): void {
  const connection = ctx({ tls: false });
  let buffer = '';
  let exchange: { tag: string; sasl: SaslExchange; pendingSuccess: boolean } | null = null;
  let loginLiteral: { tag: string; user: string } | null = null;
  const send = (line: string) => socket.write(`${line}\r\n`);
  const fail = (tag: string, err: unknown) => {
    outcomes.push(`NO ${(err as Error).message}`);
    exchange = null;
    send(`${tag} NO authentication failed`);
  };
  const advance = async (tag: string, data: Buffer | null) => {
    const sasl = exchange!.sasl;
    try {
      const step = await sasl.step(data);
      if (step.kind === 'challenge') return send(`+ ${step.data.toString('base64')}`);
      outcomes.push(`OK ${step.identity.userid}`);
      if (step.data) {
        exchange!.pendingSuccess = true;
        return send(`+ ${step.data.toString('base64')}`);
      }
      exchange = null;
      send(`${tag} OK authenticated`);
    } catch (err) {
      fail(tag, err);
    }
  };
  send('* OK [CAPABILITY IMAP4rev1 SASL-IR AUTH=SCRAM-SHA-256 AUTH=SCRAM-SHA-1 AUTH=PLAIN AUTH=LOGIN] test ready');
  socket.on('data', (chunk) => {
    buffer += chunk.toString('latin1');
    let nl: number;
    while ((nl = buffer.indexOf('\r\n')) >= 0) {
      const line = buffer.slice(0, nl);
      buffer = buffer.slice(nl + 2);
      if (loginLiteral) {
        const { tag, user } = loginLiteral;
        loginLiteral = null;
        env.auth.login(user, line, connection).then(
          (identity) => {
            outcomes.push(`OK ${identity.userid}`);
            send(`${tag} OK logged in`);
          },
          (err) => fail(tag, err),
        );
        continue;
      }
      if (exchange) {
        const { tag } = exchange;
        if (exchange.pendingSuccess) {
          exchange = null;
          send(`${tag} OK authenticated`);
        } else if (line === '*') {
          exchange.sasl.abort();
          exchange = null;
          send(`${tag} BAD cancelled`);
        } else void advance(tag, Buffer.from(line, 'base64'));
        continue;
      }
      const [tag = '*', command = '', mechanism = '', initial] = line.split(' ');
      switch (command.toUpperCase()) {
        case 'CAPABILITY':
          send('* CAPABILITY IMAP4rev1 SASL-IR AUTH=SCRAM-SHA-256 AUTH=SCRAM-SHA-1 AUTH=PLAIN AUTH=LOGIN');
          send(`${tag} OK done`);
          break;
        case 'AUTHENTICATE':
          try {
            exchange = { tag, sasl: env.auth.startSasl(mechanism, connection), pendingSuccess: false };
            void advance(tag, initial === undefined ? null : initial === '=' ? Buffer.alloc(0) : Buffer.from(initial, 'base64'));
          } catch (err) {
            fail(tag, err);
          }
          break;
        case 'LOGIN': // imtest sends: tag LOGIN user {n}, then the password as a literal
          loginLiteral = { tag, user: mechanism };
          send('+ go ahead');
          break;
        case 'LOGOUT':
          send('* BYE');
          send(`${tag} OK bye`);
          socket.end();
          break;
        default:
          send(`${tag} BAD unknown`);
      }
    }
  });
  socket.on('error', () => undefined);
}

beforeAll(async () => {
  env = makeAuth('allowplaintext: yes\n');
  await env.auth.store.setPassword('fred', 'pencil');
  server = net.createServer(serve);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as net.AddressInfo).port;
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  env.cleanup();
});

function imtest(mechanism: string, password: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(IMTEST!, ['-m', mechanism, '-a', 'fred', '-u', 'fred', '-w', password, '-p', String(port), '127.0.0.1'], {
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    child.stdin.end('. LOGOUT\r\n');
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    child.on('error', reject);
    child.on('close', () => {
      clearTimeout(timer);
      resolve(output);
    });
  });
}

describe.skipIf(!IMTEST)('interoperability with Cyrus imtest (libsasl2 client)', () => {
  it.each(['SCRAM-SHA-256', 'SCRAM-SHA-1', 'PLAIN', 'LOGIN' /* imtest uses the IMAP LOGIN command */])('%s: right and wrong password', async (mechanism) => {
    outcomes.length = 0;
    const good = await imtest(mechanism, 'pencil');
    expect(good).toMatch(/Authenticated/);
    const bad = await imtest(mechanism, 'wrong');
    expect(bad).not.toMatch(/Authenticated\./);
    expect(outcomes[0]).toBe('OK fred');
    expect(outcomes[1]).toMatch(/^NO/);
  });
});
