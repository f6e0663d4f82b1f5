// Murder frontend with a compressing client (COMPRESS=DEFLATE, RFC 4978): client ↔ frontend
// compressed, frontend ↔ backend plain; literals and FETCH bodies relayed as they are.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Session } from '../../src/imap/session/session.js';
import { CompressClient } from './compress-client.js';
import { MESSAGE, startMurder, type Murder } from './proxy-murder.js';

let murder: Murder;
const backendSessions: Session[] = [];
beforeAll(async () => {
  murder = await startMurder({ backends: ['127.0.0.2'] });
  murder.mailbox('127.0.0.2', 'user.fred');
  murder.mailbox('127.0.0.2', 'user.fred.Work');
  const backend = murder.backends.get('127.0.0.2')!.imap;
  const handle = backend.handleConnection.bind(backend);
  backend.handleConnection = (socket, options) => {
    const session = handle(socket, options);
    backendSessions.push(session);
    return session;
  };
});
afterAll(async () => {
  await murder?.close();
});

describe('IMAP proxy with a compressed client', () => {
  it('relays APPEND, SELECT, SEARCH and FETCH of a remote mailbox to a client that compresses', async () => {
    const c = await CompressClient.connect(murder.frontend.port);
    expect((await c.command('L', 'LOGIN fred pass')).at(-1)).toMatch(/^L OK/);
    expect(await c.startCompression('Z')).toBe('Z OK DEFLATE active');
    const body = `${MESSAGE('squeezed')}${'caf\u00e9 \u00ff and more text that repeats. '.repeat(400)}\r\n`;
    const bytes = Buffer.from(body, 'latin1');
    c.write(`A1 APPEND Work (\\Seen) {${bytes.length}}\r\n`);
    expect(await c.readUntil(() => true)).toEqual(['+ go ahead']);
    c.write(Buffer.concat([bytes, Buffer.from('\r\n')]));
    expect((await c.readUntil((l) => l.startsWith('A1 '))).at(-1)).toMatch(/^A1 OK \[APPENDUID \d+ 1\]/);
    expect((await c.command('S', 'SELECT Work')).at(-1)).toMatch(/^S OK \[READ-WRITE\]/);
    c.write('A2 UID SEARCH SUBJECT {8+}\r\nsqueezed\r\n');
    expect(await c.readUntil((l) => l.startsWith('A2 '))).toEqual(['* SEARCH 1', 'A2 OK SEARCH completed']);
    const wireBefore = c.wireBytes;
    const fetched = await c.command('A3', 'UID FETCH 1 BODY.PEEK[]');
    expect(fetched.at(-1)).toBe('A3 OK FETCH completed');
    expect(fetched.join('\r\n')).toContain(`{${bytes.length}}\r\n${body}`);
    expect(c.wireBytes - wireBefore).toBeLessThan(bytes.length / 4);
    // The frontend's connection to the backend is its own, plain.
    expect(backendSessions.length).toBeGreaterThan(0);
    expect(backendSessions.every((s) => !s.compressed)).toBe(true);
    expect(await c.command('z', 'LOGOUT')).toEqual(['* BYE LOGOUT received', 'z OK LOGOUT completed']);
    await c.closedByServer();
  });
});
