// ManageSieve through timsieved run by the master, for the extensions that follow Cyrus 3.6's
// sieve_extensions list: the capability lines (EXTLISTS, no vnd.cyrus.log on SIEVE, as Cyrus), and
// PUTSCRIPT / CHECKSCRIPT of scripts using extlists, redirect-dsn, redirect-deliverby and
// vnd.cyrus.log (x-cyrus-log), with Cyrus's whole sieve_extensions value set.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { literal, SieveClient, startSieveServer, type SieveTestServer } from './harness.js';

const CYRUS_LIST = 'fileinto reject vacation vacation-seconds notify include envelope environment body relational regex subaddress copy '
  + 'date index imap4flags mailbox mboxmetadata servermetadata variables editheader extlists duplicate ihave fcc special-use '
  + 'redirect-dsn redirect-deliverby mailboxid vnd.cyrus.log vnd.cyrus.jmapquery vnd.cyrus.imip snooze';

let server: SieveTestServer;
let narrow: SieveTestServer;

beforeAll(async () => {
  server = await startSieveServer({ conf: [`sieve_extensions: ${CYRUS_LIST}`] });
  narrow = await startSieveServer({ conf: ['sieve_extensions: fileinto'] });
}, 60_000);

afterAll(async () => {
  await server?.close();
  await narrow?.close();
});

const check = (script: string) => Buffer.concat([Buffer.from('CHECKSCRIPT '), literal(script)]);
const sieveLine = (lines: readonly string[]): string => lines.find((l) => l.startsWith('"SIEVE"'))!;

describe('Cyrus 3.6\'s sieve_extensions over ManageSieve', () => {
  it('advertises the new extensions and EXTLISTS, but not vnd.cyrus.log (as Cyrus 3.6)', async () => {
    const client = await SieveClient.connect(server);
    const line = sieveLine(client.greeting.lines);
    for (const ext of ['extlists', 'redirect-dsn', 'redirect-deliverby', 'encoded-character', 'comparator-i;ascii-numeric', 'ereject']) expect(line).toContain(` ${ext}`);
    expect(line).not.toContain('vnd.cyrus.log');
    expect(line).not.toContain('snooze');
    expect(client.greeting.lines).toContain('"EXTLISTS" "urn:ietf:params:sieve:addrbook"');
    client.close();
    const other = await SieveClient.connect(narrow);
    expect(other.greeting.lines.some((l) => l.startsWith('"EXTLISTS"'))).toBe(false);
    other.close();
  });

  it('accepts scripts using them, vnd.cyrus.log by either name', async () => {
    const client = await SieveClient.connect(server);
    expect((await client.login()).status).toBe('OK');
    for (const script of [
      'require ["extlists", "fileinto"];\r\nif address :list "from" ":addrbook:default" { fileinto "Known"; }\r\n',
      'require ["redirect-dsn", "redirect-deliverby"];\r\nredirect :notify "SUCCESS,FAILURE" :ret "HDRS" :bytimerelative 600 :bymode "notify" :bytrace "a@example.net";\r\n',
      'require "vnd.cyrus.log";\r\nlog "hello";\r\n',
      'require "x-cyrus-log";\r\nlog "hello";\r\n',
    ]) expect((await client.command(check(script))).status).toBe('OK');
    client.close();
  });

  it('refuses bad values with the line of the error', async () => {
    const client = await SieveClient.connect(server);
    expect((await client.login()).status).toBe('OK');
    expect((await client.command(check('require "redirect-dsn";\r\n\r\nredirect :notify "ALWAYS" "a@example.net";\r\n'))).status)
      .toMatch(/^NO "line 3: redirect: :notify \\"ALWAYS\\" must be \\"NEVER\\" or a comma-separated list/);
    expect((await client.command(check('require "extlists";\r\nif header :list "from" "ldap://x/y" { stop; }\r\n'))).status)
      .toMatch(/^NO "line 2: header :list: \\"ldap:\/\/x\/y\\" is not a list this server knows/);
    client.close();
    const other = await SieveClient.connect(narrow);
    expect((await other.login()).status).toBe('OK');
    expect((await other.command(check('require "vnd.cyrus.log";\r\nlog "x";\r\n'))).status).toMatch(/^NO "line 1: unsupported extension \\"vnd.cyrus.log\\""/);
    other.close();
  });
});
