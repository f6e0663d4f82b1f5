// XFER's refusals that come before any connection to a target, on a backend of a Murder whose
// mupdate master and other backends are not even there: each answers NO, and the mailbox stays as
// it was (writable, not recorded as moving).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RawClient, startTestServer, type TestServer } from './harness.js';

const MURDER = ['servername: backend1.test', 'mupdate_server: 127.0.0.1', 'mupdate_port: 9', 'mupdate_authname: murder', 'mupdate_password: pass', 'proxyservers: proxy', 'proxy_password: pass'];
let strict: TestServer;
let moving: TestServer;

async function setUp(server: TestServer): Promise<void> {
  const admin = await RawClient.connect(server.port);
  await admin.command('a', 'LOGIN admin pass');
  for (const command of ['CREATE user/fred', 'CREATE user/fred/Work', 'CREATE user/admin', 'SETACL user/fred/Work admin lrs']) expect((await admin.command('b', command)).at(-1)).toMatch(/^b OK/);
  admin.close();
}

beforeAll(async () => {
  strict = await startTestServer({ users: ['admin', 'fred'], conf: MURDER });
  moving = await startTestServer({ users: ['admin', 'fred'], conf: [...MURDER, 'allowusermoves: yes'] });
  await setUp(strict);
  await setUp(moving);
});

afterAll(async () => {
  await strict?.close();
  await moving?.close();
});

/** Each command's lines, on one connection logged in as admin. */
async function asAdmin(server: TestServer, commands: string[]): Promise<string[][]> {
  const c = await RawClient.connect(server.port);
  try {
    await c.command('l', 'LOGIN admin pass');
    const answers: string[][] = [];
    for (const [i, command] of commands.entries()) answers.push(await c.command(`c${i}`, command));
    return answers;
  } finally {
    c.close();
  }
}

function untouched(server: TestServer, name: string): void {
  const store = server.imap.deps.store;
  expect(store.xferMoveOf(name)).toBeNull();
  const mailbox = store.openMailbox(name);
  try {
    expect(mailbox.frozen).toBe(false);
  } finally {
    mailbox.close();
  }
}

describe('XFER refusals', () => {
  it('a whole user needs allowusermoves (as in Cyrus); one folder does not, and fails on the unreachable target instead', async () => {
    const [user, folder] = await asAdmin(strict, ['XFER user/fred backend2.test', 'XFER user/fred/Work 127.0.0.1']);
    expect(user).toEqual([
      '* NO USER fred (Operation is not supported on mailbox: moving a user needs allowusermoves: yes)',
      'c0 NO [CANNOT] Operation is not supported on mailbox: moving a user needs allowusermoves: yes',
    ]);
    expect(folder!.at(-1)).toMatch(/^c1 NO \[UNAVAILABLE\] Server 127\.0\.0\.1 is unavailable/);
    untouched(strict, 'user.fred');
    untouched(strict, 'user.fred.Work');
  });

  it("refuses the administrator's own INBOX, a mailbox selected in the session, and a target that is this server", async () => {
    const answers = await asAdmin(moving, ['XFER user/admin backend2.test', 'SELECT user/fred/Work', 'XFER user/fred backend2.test', 'XFER user/fred/Work backend1.test']);
    expect(answers[0]!.at(-1)).toMatch(/^c0 NO \[CANNOT\] Operation is not supported on mailbox: one's own INBOX/);
    expect(answers[1]!.at(-1)).toMatch(/^c1 OK/);
    expect(answers[2]!.at(-1)).toMatch(/^c2 NO \[INUSE\] Mailbox is locked/);
    expect(answers[3]!.at(-1)).toMatch(/^c3 NO \[CANNOT\] Invalid server requested/);
    untouched(moving, 'user.admin');
    untouched(moving, 'user.fred');
  });
});
