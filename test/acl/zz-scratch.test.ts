import { execFile } from 'node:child_process';
import { it } from 'vitest';
import { startTestServer } from '../imap/harness.js';
function run(port: number, script: string): Promise<string> {
  return new Promise((resolve) => {
    const child = execFile('cyradm', ['-u', 'admin', '-w', 'pass', '--norc', '-p', String(port), '127.0.0.1'], { encoding: 'utf8', timeout: 20000 }, (err, stdout, stderr) => resolve(`${err ? 'ERR ' + err.message : ''}\nSTDOUT\n${stdout}\nSTDERR\n${stderr}`));
    child.stdin!.end(script);
  });
}
it('scratch', async () => {
  const s = await startTestServer({ users: ['admin', 'fred', 'bob'], conf: ['unixhierarchysep: yes'] });
  try {
    console.log(await run(s.port, 'lm\ncm user/bob\ncm user/bob/Work\nlm\nlam user/bob\nsam user/bob admin x\ndm user/bob\nlm\n'));
  } finally { await s.close(); }
}, 60000);
