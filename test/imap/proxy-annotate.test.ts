// Murder frontend IMAP: FETCH / STORE / SEARCH ANNOTATION and APPEND ... ANNOTATION (RFC 5257) on a
// remote mailbox pass through the proxy to the backend, which keeps the values.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RawClient } from './harness.js';
import { MESSAGE, startMurder, type Murder } from './proxy-murder.js';

let murder: Murder;
beforeAll(async () => {
  murder = await startMurder({ backends: ['127.0.0.2'] });
  murder.mailbox('127.0.0.2', 'user.fred');
  murder.mailbox('127.0.0.2', 'user.fred.Work');
});
afterAll(async () => {
  await murder?.close();
});

describe('IMAP proxy: annotations on a remote mailbox', () => {
  it('are stored, fetched and searched through the frontend, and kept on the backend', async () => {
    const c = await RawClient.connect(murder.frontend.port, murder.frontend.host);
    try {
      await c.command('l', 'LOGIN fred pass');
      expect((await c.command('cap', 'CAPABILITY'))[0]).toMatch(/ ANNOTATE-EXPERIMENT-1( |$)/);
      const body = MESSAGE('one');
      c.write(`ap APPEND Work ANNOTATION (/comment (value.shared "first")) {${body.length}+}\r\n${body}\r\n`);
      expect((await c.readUntil((l) => l.startsWith('ap '))).at(-1)).toMatch(/^ap OK/);
      expect((await c.command('s', 'SELECT Work')).at(-1)).toMatch(/^s OK/);
      expect((await c.command('st', 'STORE 1 ANNOTATION (/comment (value.priv "mine"))')).at(-1)).toMatch(/^st OK/);
      expect((await c.command('f', 'FETCH 1 (ANNOTATION (/comment value))'))[0]).toBe('* 1 FETCH (ANNOTATION (/comment (value.priv "mine" value.shared "first")))');
      expect((await c.command('se', 'SEARCH ANNOTATION /comment value.priv "min"'))[0]).toBe('* SEARCH 1');
      expect((await c.command('bad', 'STORE 1 ANNOTATION (/comment (value.bogus "x"))')).at(-1)).toMatch(/^bad BAD/);
    } finally {
      c.close();
    }
    const box = murder.backends.get('127.0.0.2')!.imap.deps.store.openMailbox('user.fred.Work');
    try {
      expect(box.annotations([1], 'fred').get(1)?.get('/comment')).toEqual({ shared: 'first', priv: 'mine' });
    } finally {
      box.close();
    }
  });
});
