// ctl_deliver -d: deliver.db as text, oldest first; deliveries begun but never recorded marked
// pending; Sieve action records shown with their user; a missing database is not created.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DuplicateStore, duplicateDbPath } from '../../src/store/index.js';
import { runCtlDeliver, type CtlDeliverOptions } from '../../src/tools/ctl_deliver.js';
import { makeEnv, type TestEnv } from '../store/helpers.js';

let env: TestEnv;
beforeEach(() => {
  env = makeEnv('fsync_disabled: yes');
  mkdirSync(env.config.configDirectory, { recursive: true });
});
afterEach(() => env.cleanup());

function run(opts: Partial<CtlDeliverOptions>): { status: number; out: string; err: string } {
  let out = '';
  let err = '';
  const status = runCtlDeliver({ config: env.configFile, ...opts }, (t) => (out += t), (t) => (err += t));
  return { status, out, err };
}

function fill(file: string): void {
  const db = DuplicateStore.open(file, { durable: false });
  db.recordDelivery('<b@example.com>', 'user.fred', 2_000_000_000);
  db.recordDelivery('<a@example.com>', 'user.fred.Lists', 1_000_000_000);
  db.markPending('<c@example.com>', 'user.wilma', 3_000_000_500);
  db.recordAction('fred', 'vacation:ann@example.com', 4_000_000_000);
  db.close();
}

describe('ctl_deliver', () => {
  it('-d dumps every record, oldest first', () => {
    fill(duplicateDbPath(env.config));
    const { status, out, err } = run({ dump: true });
    expect(err).toBe('');
    expect(status).toBe(0);
    expect(out).toBe([
      'id: <a@example.com>\tto: user.fred.Lists\tat: 1000000',
      'id: <b@example.com>\tto: user.fred\tat: 2000000',
      'id: <c@example.com>\tto: user.wilma\tat: 3000000\tpending',
      'id: vacation:ann@example.com\tto: sieve:fred\tat: 4000000',
      '',
    ].join('\n'));
  });

  it('-f names another database; a missing one is refused and not created; no -d does nothing', () => {
    const other = join(env.dir, 'other.db');
    expect(run({ dump: true, file: other })).toMatchObject({ status: 66, out: '' });
    expect(existsSync(other)).toBe(false);
    fill(other);
    expect(run({ dump: true, file: other }).out.split('\n')).toHaveLength(5);
    expect(run({ file: other })).toMatchObject({ status: 64, out: '' });
  });

  it('runs as a subcommand of the built program', () => {
    fill(duplicateDbPath(env.config));
    const bin = fileURLToPath(new URL('../../dist/bin/cyrusts.js', import.meta.url));
    const result = spawnSync(process.execPath, [bin, 'ctl_deliver', '-C', env.configFile, '-d'], { encoding: 'utf8' });
    expect(result.status).toBe(0);
    expect(result.stdout.split('\n')[0]).toBe('id: <a@example.com>\tto: user.fred.Lists\tat: 1000000');
  });
});
