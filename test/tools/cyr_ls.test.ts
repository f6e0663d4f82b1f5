// cyr_ls (Cyrus's cyr_ls): the mailboxes below one, listed as ls lists a directory, shaped like
// Cyrus 3.6's output (heading, quoting), with -l, -i, -R, -1, -p and -7.
import { afterEach, describe, expect, it } from 'vitest';
import { buildProgram } from '../../src/tools/cli.js';
import { runCyrLs, type CyrLsOptions } from '../../src/tools/cyr_ls.js';
import { makeEnv, type TestEnv } from '../store/helpers.js';

let env: TestEnv | null = null;
afterEach(() => {
  env?.cleanup();
  env = null;
});

function run(args: string[], opts: Partial<CyrLsOptions> = {}): { status: number; out: string; err: string } {
  let out = '';
  let err = '';
  const status = runCyrLs(args, { config: env!.configFile, ...opts }, (t) => (out += t), (t) => (err += t));
  return { status, out, err };
}

/** user.fred with Sent, a.b (a: only deeper), x*y and Café; user.joe; shared; ann@example.com with Sent. */
function tree(): Map<string, string> {
  env = makeEnv('fsync_disabled: yes\nunixhierarchysep: yes\nvirtdomains: userid');
  const store = env.open();
  const ids = new Map<string, string>();
  for (const name of ['user.fred', 'user.fred.Sent', 'user.fred.a.b', 'user.fred.x*y', 'user.fred.Caf&AOk-', 'user.joe', 'shared', 'example.com!user.ann', 'example.com!user.ann.Sent']) ids.set(name, store.createMailbox(name).uniqueId);
  store.close();
  return ids;
}

describe('cyr_ls', () => {
  it('lists the children of a mailbox under its heading, in columns, quoting names a shell would need quoted', () => {
    tree();
    const r = run(['user/fred'], { width: 80 });
    expect(r.status).toBe(0);
    expect(r.out).toBe("\nuser/fred:\n\n Café   Sent   a     'x*y'\n");
    expect(run(['user.fred'], { width: 16 }).out).toBe("\nuser.fred:\n\n Café   Sent\n a     'x*y'\n");
    expect(run(['user/fred'], { one: true }).out).toBe("\nuser/fred:\n\n Café\n Sent\n a\n'x*y'\n");
    expect(run([], { one: true }).out).toBe(' shared\n user\n');
  });

  it('-i puts each mailbox\'s uniqueid first; -l the ls -l facts of its directory', () => {
    const ids = tree();
    const withIds = run(['user/fred'], { ids: true }).out.split('\n').slice(3, -1);
    expect(withIds).toEqual([
      `${ids.get('user.fred.Caf&AOk-')!.padEnd(40)}  Café`, `${ids.get('user.fred.Sent')!.padEnd(40)}  Sent`, `${''.padEnd(40)}  a`, `${ids.get('user.fred.x*y')!.padEnd(40)} 'x*y'`,
    ]);
    const long = run(['user/fred'], { long: true }).out.split('\n').slice(3, -1);
    expect(long).toHaveLength(4);
    for (const line of long) expect(line).toMatch(/^d[rwx-]{9} \d+ \S+ +\S+ +\d+ [A-Z][a-z]{2} \d\d [ \d]\d:\d\d ( \S+|'x\*y')$/);
    expect(long[2]).toMatch(/^d\S+ 3 /); // user/fred/a holds the directory of user/fred/a/b
  });

  it('-R lists every level below, each under its own heading', () => {
    tree();
    expect(run(['user/fred'], { recursive: true, one: true }).out).toBe(
      "\nuser/fred:\n\n Café\n Sent\n a\n'x*y'\n" +
        '\nuser/fred/Café:\n\n' + '\nuser/fred/Sent:\n\n' + '\nuser/fred/a:\n\n b\n' + '\nuser/fred/a/b:\n\n' + '\nuser/fred/x*y:\n\n',
    );
    // A virtual domain's names keep their @domain at the end, as clients see them.
    expect(run(['user/ann@example.com'], { recursive: true }).out).toBe('\nuser/ann@example.com:\n\n Sent\n\nuser/ann/Sent@example.com:\n\n');
  });

  it('takes a directory with -p and a modified UTF-7 name with -7', () => {
    tree();
    const store = env!.open();
    const dir = store.directoryOf('user.fred', 'default');
    store.close();
    expect(run([`${dir}/`], { path: true, one: true }).out).toBe("\nuser/fred:\n\n Café\n Sent\n a\n'x*y'\n");
    expect(run(['user/fred'], { utf7: true, one: true }).out).toContain("\n'Caf&AOk-'\n");
    expect(run(['user/fred/Café']).out).toBe('\nuser/fred/Café:\n\n');
    expect(run(['user/fred/Caf&AOk-'], { utf7: true }).out).toBe('\nuser/fred/Caf&AOk-:\n\n');
  });

  it('says so for a mailbox that does not exist', () => {
    tree();
    expect(run(['user/nobody'])).toEqual({ status: 1, out: '', err: 'cyr_ls: user/nobody: mailbox does not exist\n' });
    expect(run(['/nowhere'], { path: true }).status).toBe(1);
  });

  it('is a subcommand with Cyrus\'s flags', () => {
    const help = buildProgram().commands.find((c) => c.name() === 'cyr_ls')!.helpInformation();
    for (const flag of ['-p', '-7', '-m', '-i', '-l', '-R', '-1', '-C']) expect(help).toContain(`${flag},`);
  });
});
