/**
 * `saslpasswd`: set, change, delete and list users of the auxprop password store
 * (auth_passwd_db), with the option spelling of Cyrus SASL's saslpasswd2:
 *   saslpasswd [-C imapd.conf] [-c] [-p] [-u realm] userid     set (create or change) a password
 *   saslpasswd -d [-u realm] userid                            delete a user
 *   saslpasswd -l                                              list users (like sasldblistusers2)
 * -p reads the password from standard input (a pipe) without prompting.
 */
import type { Command } from 'commander';
import { ConfigError, ImapdConfig } from '../config/index.js';
import { MailError } from '../common/errors.js';
import { PasswordStore, scryptCost, type PasswordStoreOptions } from '../auth/password-store.js';
import { UseridRules } from '../auth/userids.js';

export interface SaslpasswdOptions {
  config: string;
  delete?: boolean;
  list?: boolean;
  pipe?: boolean;
  create?: boolean;
  realm?: string;
  /** Password store file instead of auth_passwd_db (saslpasswd2's -f). */
  file?: string;
}

export interface SaslpasswdIo {
  out: (text: string) => void;
  err: (text: string) => void;
  /** The password: from the pipe (-p) or asked twice on a terminal. */
  readPassword: (pipe: boolean) => Promise<string>;
  storeOptions?: PasswordStoreOptions;
}

/** Run saslpasswd; returns the exit status (0, 1 on failure, 64 usage, 78 bad config). */
export async function runSaslpasswd(userid: string | undefined, options: SaslpasswdOptions, io: SaslpasswdIo): Promise<number> {
  let config: ImapdConfig;
  try {
    config = ImapdConfig.load(options.config);
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    io.err(`saslpasswd: ${e.message}\n`);
    return 78;
  }
  if (options.list && (options.delete || userid)) {
    io.err('saslpasswd: -l takes no userid\n');
    return 64;
  }
  if (!options.list && !userid) {
    io.err('saslpasswd: a userid is needed\n');
    return 64;
  }
  const file = options.file ?? config.path('auth_passwd_db');
  if (!file) {
    io.err('saslpasswd: auth_passwd_db is not set\n');
    return 78;
  }
  const store = PasswordStore.open(file, io.storeOptions ?? { scrypt: scryptCost(config) });
  try {
    if (options.list) {
      for (const user of store.listUsers()) io.out(`${user}\n`);
      return 0;
    }
    const rules = new UseridRules(config);
    const canonical = rules.canonical(options.realm ? `${userid}@${options.realm}` : userid!);
    if (options.delete) {
      store.deletePassword(canonical);
      return 0;
    }
    const password = await io.readPassword(options.pipe === true);
    await store.setPassword(canonical, password);
    return 0;
  } catch (e) {
    if (!(e instanceof MailError)) throw e;
    io.err(`saslpasswd: ${userid ?? ''}: ${e.message}\n`);
    return 1;
  } finally {
    store.close();
  }
}

/** All of standard input, without one trailing line end (as saslpasswd2 -p). */
async function readPipe(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
}

/**
 * Ask on the terminal without echo, twice. The prompts go to standard error; the terminal is put
 * in raw mode by hand (readline's line redrawing would erase a prompt it is not allowed to echo).
 */
async function promptTwice(): Promise<string> {
  const stdin = process.stdin;
  const answers: string[] = [];
  const questions = ['Password: ', 'Again (for verification): '];
  // Echo goes off before the first prompt shows: what is typed as soon as it appears is never echoed.
  stdin.setEncoding('utf8');
  stdin.setRawMode(true);
  process.stderr.write(questions[0]!);
  const typed = await new Promise<string[]>((resolve, reject) => {
    let current = '';
    const finish = (error: Error | null): void => {
      stdin.off('data', onData);
      stdin.setRawMode(false);
      stdin.pause();
      process.stderr.write('\n');
      if (error) reject(error);
      else resolve(answers);
    };
    const onData = (text: string): void => {
      for (const ch of text) {
        if (ch === '\u0003' || ch === '\u0004') return finish(new MailError('Invalid', 'no password given'));
        if (ch === '\r' || ch === '\n') {
          answers.push(current);
          current = '';
          if (answers.length === questions.length) return finish(null);
          process.stderr.write(`\n${questions[answers.length]!}`);
        } else if (ch === '\u007f' || ch === '\b') current = current.slice(0, -1);
        else current += ch;
      }
    };
    stdin.on('data', onData);
    stdin.resume();
  });
  if (typed[0] !== typed[1]) throw new MailError('Invalid', 'passwords do not match');
  return typed[0]!;
}

export const registerSaslpasswd = (program: Command): void => {
  program
    .command('saslpasswd')
    .description('set, delete or list users of the auxprop password store (saslpasswd2 options)')
    .argument('[userid]', 'the user (canonical userid, or local part with -u realm)')
    .option('-C, --config <file>', 'imapd.conf to read', '/etc/imapd.conf')
    .option('-c, --create', 'create the user (accepted: setting a password creates or changes it)')
    .option('-d, --delete', 'delete the user')
    .option('-l, --list', 'list the users')
    .option('-p, --pipe', 'read the password from standard input without prompting')
    .option('-u, --realm <realm>', 'the user\'s realm (virtual domain)')
    .option('-f, --file <file>', 'password store file instead of auth_passwd_db')
    .action(async (userid: string | undefined, opts: SaslpasswdOptions) => {
      process.exitCode = await runSaslpasswd(userid, opts, {
        out: (t) => process.stdout.write(t),
        err: (t) => process.stderr.write(t),
        readPassword: async (pipe) => (pipe || !process.stdin.isTTY ? readPipe() : promptTwice()),
      });
    });
};
