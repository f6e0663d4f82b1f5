/**
 * The login penalty's counts live in one SQLite file that every worker opens on its first login,
 * often at the same moment (a fresh server's workers answering their first clients). Switching a
 * new database to WAL can be refused at once, without SQLite's busy handler, when another process
 * does it at the same time: that worker then kept its counts in memory, unshared (seen twice in
 * imap-load's runs). Processes opening one new file at the same instant must all get the database.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const MODULE = path.resolve(import.meta.dirname, '../../dist/src/auth/failure-counts.js');
// Each child opens the file it is sent at the instant it is sent (a busy wait until then), and says how it went.
const CHILD = `
  import(${JSON.stringify(MODULE)}).then(({ SqliteCounts }) => {
    process.on('message', ({ file, at }) => {
      while (Date.now() < at) {}
      try {
        new SqliteCounts(file, 600000).close();
        process.send('ok');
      } catch (err) {
        process.send(String(err.message));
      }
    });
    process.send('ready');
  });`;

describe('opening the penalty counts from many processes at once', () => {
  const children: ChildProcess[] = [];
  let dir: string;

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'penalty-race-'));
    for (let k = 0; k < 8; k++) children.push(spawn(process.execPath, ['-e', CHILD], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] }));
  }, 30_000);

  afterAll(() => {
    for (const child of children) child.kill();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('every process gets the database, in 25 rounds of 8 processes on a new file', async () => {
    await Promise.all(children.map((child) => new Promise((resolve) => child.once('message', resolve))));
    const failures: string[] = [];
    for (let round = 0; round < 25; round++) {
      const file = path.join(dir, `logins-${round}.db`);
      const at = Date.now() + 50;
      const answers = await Promise.all(children.map((child) => new Promise<string>((resolve) => {
        child.once('message', (answer: string) => resolve(answer));
        child.send({ file, at });
      })));
      failures.push(...answers.filter((answer) => answer !== 'ok'));
    }
    expect(failures).toEqual([]);
  }, 60_000);
});
