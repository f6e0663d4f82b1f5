// smmapd on the wire, run by a real master: socketmap lookups over raw TCP and UNIX sockets.
// Existing users, unknown users, +detail and shared folders, virtual domains, over quota (TEMP, or
// PERM with lmtp_over_quota_perm_failure), the same answer as lmtpd's RCPT address by address,
// bad input (PERM; broken framing also closes), many lookups on one connection, the debug log line.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LineClient, type LogLine } from '../master/helpers.js';
import { SmmapClient, startSmmap, type SmmapTestServer } from './harness.js';

const NO_LIMITS = { STORAGE: null, MESSAGE: null, MAILBOX: null };
const ALL = 'lrswipkxtecdan';

let smmap: SmmapTestServer;
let address: string;

beforeAll(async () => {
  smmap = await startSmmap({
    conf: ['unixhierarchysep: no', 'postuser: bb', 'admins: admin', 'virtdomains: userid', 'defaultdomain: example.org', 'smmapperm_lmtp_over_quota_perm_failure: yes',
      'smmapauto_autocreate_post: yes', 'smmapauto_autocreate_quota: 0'],
    services: [
      'smmapperm cmd="smmapd" listen="127.0.0.1:0" prefork=1',
      'smmapauto cmd="smmapd" listen="127.0.0.1:0" prefork=1',
      'lmtp cmd="lmtpd -a" listen="127.0.0.1:0" prefork=1',
    ],
    setup(store) {
      store.createMailbox('user.fred', { acl: `fred\t${ALL}\t` });
      store.createMailbox('user.fred.Lists', { acl: `fred\t${ALL}\tanyone\tp\t` });
      store.createMailbox('user.fred.Private', { acl: `fred\t${ALL}\t` });
      store.createMailbox('user.joe', { acl: `joe\t${ALL}\t` });
      store.createMailbox('user.full', { acl: `full\t${ALL}\t` });
      store.setQuota('user.full', { ...NO_LIMITS, MESSAGE: 0 });
      store.createMailbox('shared', { acl: 'anyone\tlrs\t' });
      store.createMailbox('shared.blah', { acl: 'anyone\tlrsp\t' });
      store.createMailbox('shared.closed', { acl: 'anyone\tlrs\t' });
      store.createMailbox('example.com!user.alice', { acl: `alice@example.com\t${ALL}\t` });
      // The Murder mirror: a user whose INBOX lives on a backend.
      store.putRemoteEntry({ name: 'user.far', server: 'backend.example', partition: 'default', acl: `far\t${ALL}\t` });
    },
  });
  address = await smmap.address('smmap');
}, 60_000);
afterAll(async () => smmap?.close());

/** One lookup on a connection of its own. */
async function lookup(key: string, service = 'smmap'): Promise<string> {
  const c = await SmmapClient.connect(await smmap.address(service));
  try {
    return await c.lookup(key);
  } finally {
    c.close();
  }
}

/** The debug line smmapd wrote for the lookup of `key`. */
function lookupLine(key: string): Promise<LogLine> {
  return smmap.master.log('lookup', (l) => l.key === key);
}

describe('lookups', () => {
  it('an existing user is OK with the key as the value, with or without its domain', async () => {
    expect(await lookup('fred')).toBe('OK fred');
    expect(await lookup('fred@example.org')).toBe('OK fred@example.org');
    expect(await lookup('alice@example.com')).toBe('OK alice@example.com');
  });

  it('an unknown user is NOTFOUND, also a user of another domain', async () => {
    expect(await lookup('nobody')).toBe('NOTFOUND ');
    expect(await lookup('nobody@example.org')).toBe('NOTFOUND ');
    expect(await lookup('alice@example.org')).toBe('NOTFOUND ');
    expect(await lookup('fred@other.example')).toBe('NOTFOUND ');
  });

  it('+detail: the folder where anyone may post, else the INBOX, as lmtpd decides', async () => {
    expect(await lookup('fred+Lists')).toBe('OK fred+Lists');
    expect((await lookupLine('fred+Lists')).mailbox).toBe('user.fred.Lists');
    for (const key of ['fred+Private', 'fred+Nowhere@example.org']) {
      expect(await lookup(key)).toBe(`OK ${key}`);
      expect((await lookupLine(key)).mailbox).toBe('user.fred');
    }
    expect(await lookup('nobody+Lists')).toBe('NOTFOUND ');
  });

  it('shared folders: +folder and postuser+folder need the p right', async () => {
    expect(await lookup('+shared.blah')).toBe('OK +shared.blah');
    expect(await lookup('bb+shared.blah@example.org')).toBe('OK bb+shared.blah@example.org');
    expect((await lookupLine('+shared.blah')).mailbox).toBe('shared.blah');
    expect(await lookup('+shared.closed')).toBe('NOTFOUND ');
    expect(await lookup('+shared.missing')).toBe('NOTFOUND ');
  });

  it('a user over quota is TEMP, PERM with lmtp_over_quota_perm_failure', async () => {
    expect(await lookup('full')).toBe('TEMP Over quota');
    expect(await lookup('full', 'smmapperm')).toBe('PERM Over quota');
    expect(await lookup('joe', 'smmapperm')).toBe('OK joe');
  });

  it('autocreate_post: a user without an INBOX is OK, and the lookup creates nothing', async () => {
    expect(await lookup('newcomer', 'smmapauto')).toBe('OK newcomer');
    expect((await lookupLine('newcomer')).newInbox).toBe('newcomer');
    expect(await lookup('newcomer')).toBe('NOTFOUND '); // the service without autocreate_post
    expect(await lookup('admin', 'smmapauto')).toBe('NOTFOUND '); // first contact never makes an admin's INBOX
    const store = smmap.openStore();
    try {
      expect(store.lookup('user.newcomer')).toBeNull();
    } finally {
      store.close();
    }
  });

  it('Murder: a mailbox the mirror puts on a backend is OK, and the log says where', async () => {
    expect(await lookup('far')).toBe('OK far');
    expect((await lookupLine('far')).server).toBe('backend.example');
    expect(await lookup('far+Lists@example.org')).toBe('OK far+Lists@example.org');
  });

  it('answers as lmtpd answers RCPT TO, address by address', async () => {
    const lmtp = await LineClient.connect(await smmap.address('lmtp'));
    let taken = 0;
    /** The next final reply line after the ones already taken. */
    const next = async (): Promise<string> => {
      for (;;) {
        const at = lmtp.received.findIndex((l, i) => i >= taken && /^\d{3} /.test(l));
        if (at >= 0) {
          taken = at + 1;
          return lmtp.received[at]!;
        }
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    };
    const reply = async (line: string): Promise<string> => {
      lmtp.send(`${line}\r\n`);
      return next();
    };
    try {
      expect(await next()).toMatch(/^220 /);
      await reply('LHLO mx.example');
      await reply('MAIL FROM:<someone@example.net>');
      const keys = ['fred', 'fred+Lists', 'fred+Private', 'nobody', 'alice@example.com', 'alice@example.org', '+shared.blah', '+shared.closed', 'full', 'joe@example.org'];
      const expected: Record<string, string> = { '250': 'OK', '550': 'NOTFOUND', '452': 'TEMP' };
      for (const key of keys) {
        const rcpt = await reply(`RCPT TO:<${key}>`);
        const answer = await lookup(key);
        expect({ key, answer: answer.split(' ')[0] }).toEqual({ key, answer: expected[rcpt.slice(0, 3)] ?? rcpt });
      }
    } finally {
      lmtp.close();
    }
  });
});

describe('bad input', () => {
  it('a netstring that is not "MAPNAME KEY" gets PERM and the connection goes on', async () => {
    const c = await SmmapClient.connect(address);
    try {
      c.write('4:fred,');
      expect(await c.read(1)).toEqual(['PERM request is not "MAPNAME KEY" (no space)']);
      expect(await c.lookup('fred')).toBe('OK fred');
    } finally {
      c.close();
    }
  });

  it('what is not a netstring gets PERM and the connection is closed', async () => {
    const c = await SmmapClient.connect(address);
    c.write('cyrus fred\r\n');
    expect(await c.read(1)).toEqual(['PERM not a netstring (length expected)']);
    await c.waitClosed();
  });

  it('a request longer than 4096 bytes is refused from its length alone, and the connection closed', async () => {
    const c = await SmmapClient.connect(address);
    c.write('5000:');
    expect(await c.read(1)).toEqual(['PERM request longer than 4096 bytes']);
    await c.waitClosed();
  });

  it('a netstring without its comma: the good request before it is answered, then PERM and close', async () => {
    const c = await SmmapClient.connect(address);
    c.write('10:cyrus fred,10:cyrus fred;');
    expect(await c.read(2)).toEqual(['OK fred', 'PERM not a netstring ("," expected after the payload)']);
    await c.waitClosed();
  });
});

describe('one connection, many lookups', () => {
  it('answers lookups sent 150 at a time without waiting, in order, round after round', async () => {
    // More than the 64 requests the session reads ahead: it stops reading, then reads on.
    const c = await SmmapClient.connect(address);
    try {
      for (let round = 0; round < 3; round++) {
        const keys = Array.from({ length: 150 }, (_, i) => (i % 3 === 0 ? 'fred' : i % 3 === 1 ? `nobody${i}` : 'full'));
        c.write(keys.map((k) => { const p = `cyrus ${k}`; return `${Buffer.byteLength(p)}:${p},`; }).join(''));
        const replies = await c.read(150);
        expect(replies).toEqual(keys.map((k) => (k === 'fred' ? 'OK fred' : k === 'full' ? 'TEMP Over quota' : 'NOTFOUND ')));
      }
    } finally {
      c.close();
    }
  });

  it('answers lookups one after another on one UNIX-socket connection, and one sent a byte at a time', async () => {
    const c = await SmmapClient.connect(smmap.socketPath);
    try {
      for (let i = 0; i < 50; i++) expect(await c.lookup(i % 2 ? 'joe' : 'nobody')).toBe(i % 2 ? 'OK joe' : 'NOTFOUND ');
      for (const byte of Buffer.from('11:postfix joe,')) {
        c.write(Buffer.from([byte]));
        await new Promise((resolve) => setImmediate(resolve));
      }
      expect(await c.read(1)).toEqual(['OK joe']);
    } finally {
      c.close();
    }
  });
});

describe('logs', () => {
  it('one debug line per lookup, tagged with the session id', async () => {
    const c = await SmmapClient.connect(address);
    try {
      expect(await c.lookup('joe+logged', 'virtual')).toBe('OK joe+logged');
      expect(await c.lookup('nobody-logged')).toBe('NOTFOUND ');
    } finally {
      c.close();
    }
    const ok = await lookupLine('joe+logged');
    const notFound = await lookupLine('nobody-logged');
    expect(ok).toMatchObject({ level: 20, map: 'virtual', answer: 'OK', mailbox: 'user.joe' });
    expect(notFound).toMatchObject({ level: 20, map: 'cyrus', answer: 'NOTFOUND' });
    expect(typeof ok.session).toBe('string');
    expect(notFound.session).toBe(ok.session);
    expect(smmap.master.logs.filter((l) => l.msg === 'lookup' && l.session === ok.session)).toHaveLength(2);
  });
});
