// PUTSCRIPT and CHECKSCRIPT through timsieved run by the master, with the real Sieve compiler
// (src/sieve-script).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { literal, SieveClient, startSieveServer, type SieveTestServer } from './harness.js';

let server: SieveTestServer;

beforeAll(async () => {
  server = await startSieveServer({ conf: ['sieve_maxscripts: 2', 'sieve_maxscriptsize: 1'] });
}, 60_000);

afterAll(async () => {
  await server?.close();
});

const VALID = 'require "fileinto";\r\nfileinto "x";\r\n';
const put = (name: string, script: string) => Buffer.concat([Buffer.from(`PUTSCRIPT "${name}" `), literal(script)]);

describe('PUTSCRIPT / CHECKSCRIPT with the Sieve compiler', () => {
  it('stores a valid script, activates it and gives it back', async () => {
    const client = await SieveClient.connect(server);
    expect((await client.login()).status).toBe('OK');
    expect((await client.command(put('filter', VALID))).status).toBe('OK');
    expect((await client.command('SETACTIVE "filter"')).status).toBe('OK');
    expect((await client.command('GETSCRIPT "filter"')).literals[0]!.toString()).toBe(VALID);
    expect(readFileSync(join(server.sievedir, 'f', 'fred', 'filter.script'), 'utf8')).toBe(VALID);
    client.close();
  });

  it('refuses an invalid script with NO and the first error ("line N: ...")', async () => {
    const client = await SieveClient.connect(server);
    expect((await client.login()).status).toBe('OK');
    expect((await client.command(put('broken', 'if foo {\r\n'))).status).toMatch(/^NO "line 1: /);
    expect((await client.command(put('norequire', 'fileinto "x";\r\n'))).status).toMatch(/^NO "line 1: /);
    expect((await client.command('GETSCRIPT "broken"')).status).toMatch(/^NO \(NONEXISTENT\)/);
    client.close();
  });

  it('CHECKSCRIPT: OK for a valid script, NO with the error for an invalid one, nothing stored', async () => {
    const client = await SieveClient.connect(server);
    expect((await client.login()).status).toBe('OK');
    expect((await client.command(Buffer.concat([Buffer.from('CHECKSCRIPT '), literal(VALID)]))).status).toBe('OK');
    expect((await client.command(Buffer.concat([Buffer.from('CHECKSCRIPT '), literal('if foo {\r\n')]))).status).toMatch(/^NO "line 1: /);
    expect((await client.command('LISTSCRIPTS')).lines).toEqual(['"filter" ACTIVE', 'OK']);
    client.close();
  });

  it('CHECKSCRIPT accepts a script including scripts that do not exist (a runtime matter, RFC 6609)', async () => {
    const client = await SieveClient.connect(server);
    expect((await client.login()).status).toBe('OK');
    expect((await client.command('CAPABILITY')).lines.find((l) => l.startsWith('"SIEVE"'))).toMatch(/[ "]include[ "]/);
    const script = 'require ["include", "variables"];\r\nglobal "x";\r\ninclude :global "site-wide";\r\ninclude :optional "mine";\r\nreturn;\r\n';
    expect((await client.command(Buffer.concat([Buffer.from('CHECKSCRIPT '), literal(script)]))).status).toBe('OK');
    client.close();
  });

  it('QUOTA/MAXSIZE and QUOTA/MAXSCRIPTS', async () => {
    const client = await SieveClient.connect(server);
    expect((await client.login()).status).toBe('OK');
    expect((await client.command(put('big', `# ${'x'.repeat(1100)}\r\nkeep;\r\n`))).status).toBe('NO (QUOTA/MAXSIZE) "Script is too big"');
    expect((await client.command(put('second', 'keep;\r\n'))).status).toBe('OK');
    expect((await client.command(put('third', 'keep;\r\n'))).status).toBe('NO (QUOTA/MAXSCRIPTS) "Too many scripts"');
    expect((await client.command(put('second', 'discard;\r\n'))).status).toBe('OK');
    client.close();
  });
});
