// Cyrus's own Perl client, sieveshell (Debian's cyrus-admin), unmodified against timsieved: it
// takes only a bare OK after a capability list or a successful command, reads GETSCRIPT's literal,
// and authenticates with the best mechanism we offer (SCRAM with its success data as (SASL "...")).
import { execFile } from 'node:child_process';
import { existsSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SieveScriptStore } from '../../src/store/index.js';
import { startSieveServer, type SieveTestServer } from './harness.js';

const SIEVESHELL = '/usr/bin/sieveshell';
const installed = existsSync(SIEVESHELL);

let server: SieveTestServer;

beforeAll(async () => {
  if (installed) server = await startSieveServer();
}, 60_000);

afterAll(async () => {
  await server?.close();
});

/** Run sieveshell as fred with these commands (-e), in the server's directory; its stdout and stderr. */
function sieveshell(commands: string[]): Promise<{ out: string; code: number | null }> {
  return new Promise((resolve) => {
    execFile(
      SIEVESHELL,
      ['--user=fred', '--authname=fred', '--password=pass', `--exec=${commands.join('\n')}`, `${server.host}:${server.port}`],
      { cwd: server.dir, timeout: 30_000 },
      (err, stdout, stderr) => resolve({ out: `${stdout}${stderr}`, code: err ? ((err as { code?: number }).code ?? 1) : 0 }),
    );
  });
}

const SCRIPT = 'require "fileinto";\r\nfileinto "lists";\r\n';

describe.skipIf(!installed)(`Cyrus sieveshell (${installed ? SIEVESHELL : 'not installed: apt-get install cyrus-admin'})`, () => {
  it('list, activate, get (to stdout and to a file), delete of the active script refused, deactivate, delete', async () => {
    const store = new SieveScriptStore({ directory: server.sievedir, maxScriptSize: 32768, maxScripts: 5, virtDomains: false, fullDirHash: false, durable: false });
    store.put('fred', 'vacation', Buffer.from(SCRIPT));
    store.put('fred', 'spam', Buffer.from('keep;\r\n'));
    const first = await sieveshell(['list', 'activate vacation', 'list', 'get vacation', 'get spam spam.txt', 'delete vacation']);
    expect(first.out).not.toMatch(/Bad protocol|unable to connect/);
    const lines = first.out.split('\n').map((l) => l.trimEnd());
    expect(lines).toContain('spam');
    expect(lines).toContain('vacation  <- active script');
    expect(first.out).toContain('require "fileinto";');
    expect(first.out).toMatch(/delete failed: .*active script/);
    expect(readFileSync(join(server.dir, 'spam.txt'), 'utf8')).toBe('keep;\r\n');
    expect(readlinkSync(join(server.sievedir, 'f', 'fred', 'defaultbc'))).toBe('vacation.bc');
    const second = await sieveshell(['deactivate', 'delete vacation', 'list']);
    expect(second.out).not.toMatch(/failed|Bad protocol/);
    expect(store.list('fred')).toEqual([{ name: 'spam', active: false }]);
  });

  it('put stores a script that compiles and reports the first error of one that does not', async () => {
    writeFileSync(join(server.dir, 'myfilter'), SCRIPT);
    writeFileSync(join(server.dir, 'broken'), 'if foo {\r\n');
    const run = await sieveshell(['put myfilter', 'put broken', 'activate myfilter', 'list', 'get myfilter']);
    expect(run.out).toMatch(/upload failed: .*line 1/);
    expect(run.out).toContain('myfilter  <- active script');
    expect(run.out).not.toMatch(/^broken/m);
    expect(readFileSync(join(server.sievedir, 'f', 'fred', 'myfilter.script'), 'utf8')).toBe(SCRIPT);
  });
});
