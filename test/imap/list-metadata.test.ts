/**
 * LIST-METADATA (RFC 9590): `LIST ... RETURN (METADATA (entries))` answers each listed mailbox with
 * the METADATA response GETMETADATA would give, under the same rights, as the Cyrus 3.6 peer did on
 * the same mailboxes: entries without a value as NIL, the user's own private entries only, nothing
 * for a mailbox whose metadata the user may not read (`l` without `r`).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCommandText } from '../../src/imap/wire/parse/index.js';
import { RawClient, startTestServer, type TestServer } from './harness.js';
import { last, loggedIn } from './mailbox/helpers.js';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ users: ['fred', 'bob', 'admin'] });
  const setup: Array<[string, string[]]> = [
    ['bob', [
      'CREATE Shared', 'CREATE Hidden',
      'SETMETADATA Shared (/shared/comment "bob shared" /private/comment "bob private")',
      'SETMETADATA Hidden (/shared/comment "hidden shared")',
      'SETACL Shared fred lr', 'SETACL Hidden fred l',
    ]],
    ['fred', [
      'CREATE Sent (USE (\\Sent))', 'CREATE Plain',
      'SETMETADATA Sent (/private/comment "my sent" /shared/comment "shared sent")',
      'SETMETADATA INBOX (/private/comment "inbox private")',
    ]],
  ];
  for (const [user, commands] of setup) {
    const c = await loggedIn(server, user);
    for (const command of commands) {
      const answer = last(await c.command('s', command));
      if (!answer.startsWith('s OK')) throw new Error(`${user} ${command}: ${answer}`);
    }
    c.close();
  }
}, 60_000);
afterAll(async () => {
  await server.close();
});

async function run(command: string, user = 'fred'): Promise<string[]> {
  const c = await loggedIn(server, user);
  try {
    return await c.command('t', command);
  } finally {
    c.close();
  }
}

describe('LIST-METADATA', () => {
  it('gives each listed mailbox its entries, NIL where it has none, nothing where the user may not read them', async () => {
    expect(await run('LIST "" "*" RETURN (METADATA (/private/comment /shared/comment))')).toEqual([
      '* LIST (\\HasNoChildren) "/" INBOX',
      '* METADATA INBOX ("/private/comment" "inbox private" "/shared/comment" NIL)',
      '* LIST (\\HasNoChildren) "/" Plain',
      '* METADATA Plain ("/private/comment" NIL "/shared/comment" NIL)',
      '* LIST (\\HasNoChildren \\Sent) "/" Sent',
      '* METADATA Sent ("/private/comment" "my sent" "/shared/comment" "shared sent")',
      // l without r: listed, its metadata left out.
      '* LIST (\\HasNoChildren) "/" "Other Users/bob/Hidden"',
      // lr: the shared entry; bob's private entry is bob's, not fred's.
      '* LIST (\\HasNoChildren) "/" "Other Users/bob/Shared"',
      '* METADATA "Other Users/bob/Shared" ("/private/comment" NIL "/shared/comment" "bob shared")',
      't OK LIST completed',
    ]);
  });

  it('reads what GETMETADATA reads: the owner sees the private entry, and the Hidden one', async () => {
    expect(await run('LIST "" "*" RETURN (METADATA /private/comment)', 'bob')).toEqual([
      '* LIST (\\HasNoChildren) "/" INBOX',
      '* METADATA INBOX ("/private/comment" NIL)',
      '* LIST (\\HasNoChildren) "/" Hidden',
      '* METADATA Hidden ("/private/comment" NIL)',
      '* LIST (\\HasNoChildren) "/" Shared',
      '* METADATA Shared ("/private/comment" "bob private")',
      't OK LIST completed',
    ]);
    expect(await run('GETMETADATA "Other Users/bob/Hidden" /shared/comment')).toEqual(['t OK GETMETADATA completed']);
  });

  it('comes after the STATUS and MYRIGHTS of the mailbox, and works with other return options', async () => {
    expect(await run('LIST "" Sent RETURN (CHILDREN STATUS (MESSAGES) METADATA (/shared/comment) MYRIGHTS)')).toEqual([
      '* LIST (\\HasNoChildren \\Sent) "/" Sent',
      '* STATUS Sent (MESSAGES 0)',
      '* MYRIGHTS Sent lrswipkxtecdan',
      '* METADATA Sent ("/shared/comment" "shared sent")',
      't OK LIST completed',
    ]);
    // No mailbox listed: no METADATA either.
    expect(await run('LIST "" nosuch RETURN (METADATA (/shared/comment))')).toEqual(['t OK LIST completed']);
  });

  it('leaves values over MAXSIZE out and says so, as GETMETADATA', async () => {
    expect(await run('LIST "" Sent RETURN (METADATA (MAXSIZE 7 /private/comment /shared/comment))')).toEqual([
      '* LIST (\\HasNoChildren \\Sent) "/" Sent',
      '* METADATA Sent ("/private/comment" "my sent")',
      't OK [METADATA LONGENTRIES 11] LIST completed',
    ]);
  });

  it('refuses malformed METADATA options', async () => {
    for (const bad of ['METADATA ()', 'METADATA (MAXSIZE 10)', 'METADATA', 'METADATA (comment)', 'METADATA (/shared/comment', 'METADATA (DEPTH 2 /shared/comment)', 'METADATA (MAXSIZE x /shared/comment)']) {
      expect([bad, last(await run(`LIST "" Sent RETURN (${bad})`))]).toEqual([bad, expect.stringMatching(/^t BAD/)]);
    }
  });

  it('is advertised', async () => {
    const c = await RawClient.connect(server.port);
    expect((await c.command('c', 'CAPABILITY'))[0]).toMatch(/ LIST-METADATA( |$)/);
    c.close();
  });
});

describe('LIST-METADATA grammar', () => {
  const option = (text: string) => {
    const command = parseCommandText('LIST', ` "" * RETURN (${text})`);
    if (command.name !== 'LIST') throw new Error('not LIST');
    return command.returnOptions.metadata;
  };
  const CASES: Array<[string, unknown]> = [
    ['METADATA (/shared/comment)', { entries: ['/shared/comment'], maxSize: null, depth: 0 }],
    ['METADATA /private/comment', { entries: ['/private/comment'], maxSize: null, depth: 0 }],
    ['metadata ("/shared/comment" /private/vendor/x)', { entries: ['/shared/comment', '/private/vendor/x'], maxSize: null, depth: 0 }],
    ['METADATA (MAXSIZE 10 DEPTH infinity /shared)', { entries: ['/shared'], maxSize: 10, depth: 'infinity' }],
    ['METADATA (/shared/*)', { entries: ['/shared/*'], maxSize: null, depth: 0 }],
    // Two METADATA options: their entries together (as Cyrus).
    ['METADATA (/shared/a) METADATA (/private/b)', { entries: ['/shared/a', '/private/b'], maxSize: null, depth: 0 }],
    ['CHILDREN', undefined],
  ];
  for (const [text, expected] of CASES) it(text, () => expect(option(text)).toEqual(expected));
});
