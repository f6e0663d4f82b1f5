/**
 * LIST and SPECIAL-USE (RFC 6154) for mailboxes made with CREATE ... (USE (...)), as Cyrus 3.6.1
 * answered the same commands (specialusealways on, its default): the attributes show in every LIST;
 * the SPECIAL-USE selection option lists only the mailboxes that have one; RETURN (SPECIAL-USE)
 * changes nothing more; SUBSCRIBED SPECIAL-USE needs both; SPECIAL-USE with RECURSIVEMATCH is BAD
 * (RFC 6154 makes SPECIAL-USE an independent selection option, and RFC 5258's RECURSIVEMATCH needs
 * a base one, i.e. SUBSCRIBED).
 */
import { afterAll, beforeAll, describe, expect, it, test } from 'vitest';
import { ParseError } from '../../src/imap/wire/cursor.js';
import { parseCommandText } from '../../src/imap/wire/parse/index.js';
import { startTestServer, type TestServer } from './harness.js';
import { last, loggedIn } from './mailbox/helpers.js';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
  server.imap.deps.store.createMailbox('user.fred', { acl: 'fred\tlrswipkxtecdan\t' });
  const c = await loggedIn(server, 'fred');
  for (const create of ['CREATE MySent (USE (\\Sent))', 'CREATE Plain', 'CREATE Arch (USE (\\Archive \\Drafts))']) {
    const answer = last(await c.command('c', create));
    if (!answer.startsWith('c OK')) throw new Error(`${create}: ${answer}`);
  }
  c.close();
}, 60_000);
afterAll(async () => {
  await server.close();
});

async function list(command: string): Promise<string[]> {
  const c = await loggedIn(server, 'fred');
  try {
    const lines = await c.command('t', command);
    expect(last(lines)).toMatch(/^t OK/);
    return lines.slice(0, -1);
  } finally {
    c.close();
  }
}

const ALL = [
  '* LIST (\\HasNoChildren) "/" INBOX',
  '* LIST (\\HasNoChildren \\Archive \\Drafts) "/" Arch',
  '* LIST (\\HasNoChildren \\Sent) "/" MySent',
  '* LIST (\\HasNoChildren) "/" Plain',
];
const SPECIAL = ['* LIST (\\HasNoChildren \\Archive \\Drafts) "/" Arch', '* LIST (\\HasNoChildren \\Sent) "/" MySent'];

describe('LIST with SPECIAL-USE', () => {
  it.each([
    ['LIST "" "*"', ALL],
    ['LIST "" "*" RETURN (SPECIAL-USE)', ALL],
    ['LIST "" "%" RETURN (SPECIAL-USE CHILDREN)', ALL],
    ['LIST (SPECIAL-USE) "" "*"', SPECIAL],
    ['LIST (SPECIAL-USE) "" "%"', SPECIAL],
    ['LIST (SPECIAL-USE) "" "*" RETURN (SPECIAL-USE)', SPECIAL],
    ['LIST (SPECIAL-USE) "" "*" RETURN (CHILDREN)', SPECIAL],
    ['LIST (special-use) "" "Plain"', []],
    ['LIST (SUBSCRIBED SPECIAL-USE) "" "*"', []],
  ])('%s', async (command, expected) => {
    expect(await list(command)).toEqual(expected);
  });

  it('SPECIAL-USE with RECURSIVEMATCH is BAD', async () => {
    const c = await loggedIn(server, 'fred');
    expect(last(await c.command('r', 'LIST (SPECIAL-USE RECURSIVEMATCH) "" "%"'))).toMatch(/^r BAD /);
    c.close();
  });
});

describe('RECURSIVEMATCH needs SUBSCRIBED', () => {
  test.each(['(RECURSIVEMATCH)', '(SPECIAL-USE RECURSIVEMATCH)', '(RECURSIVEMATCH REMOTE SPECIAL-USE)'])('LIST %s is a syntax error', (options) => {
    expect(() => parseCommandText('LIST', ` ${options} "" "*"`)).toThrow(ParseError);
  });

  test.each(['(SUBSCRIBED RECURSIVEMATCH)', '(SPECIAL-USE SUBSCRIBED RECURSIVEMATCH)'])('LIST %s parses', (options) => {
    expect(parseCommandText('LIST', ` ${options} "" "*"`).name).toBe('LIST');
  });
});
