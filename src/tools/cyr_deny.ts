/**
 * `cyrusts cyr_deny`, Cyrus's cyr_deny(8): deny a user access to some or all services, allow them
 * again (-a), list the entries (-l). The entries live in user_deny.db (the store's UserDenyList);
 * the auth module checks them at every login, for every protocol, in one place
 * (src/auth/user-deny.ts), naming the service as cyrus.conf's SERVICES entry does (imap, imaps,
 * pop3, sieve, ...). Sessions already logged in are not ended: Cyrus 3.6's cyr_deny signals every
 * process serving the user (tried: an IMAP session logged in before it was closed), which our
 * workers, each serving many users, cannot be asked to do yet.
 */
import type { Command } from 'commander';
import { ConfigError, ImapdConfig } from '../config/index.js';
import { isMailError } from '../common/errors.js';
import { UseridRules, denyMessageText } from '../auth/index.js';
import { UserDenyList } from '../store/index.js';
import { EXIT_CONFIG, EXIT_TEMPFAIL, type Writer } from '../store/tool-support.js';

export interface CyrDenyOptions {
  config: string;
  /** -s: the services denied, comma-separated wildmat patterns (default "*": all). */
  services?: string;
  /** -m: the message the user is shown at a refused login. */
  message?: string;
  /** -a: allow the user every service again. */
  allow?: boolean;
  /** -l: list the entries. */
  list?: boolean;
}

const CONTROL = /[\x00-\x1f\x7f]/;

/** The exit status: 0, 64 (usage), 75 (the deny list cannot be read or written), 78 (configuration). */
export function runCyrDeny(user: string | undefined, options: CyrDenyOptions, out: Writer, err: Writer): number {
  const usage = (why: string): number => {
    err(`cyr_deny: ${why}\nusage: cyr_deny [-C imapd.conf] [-s services] [-m message] user\n       cyr_deny [-C imapd.conf] -a user\n       cyr_deny [-C imapd.conf] -l\n`);
    return 64;
  };
  if (options.allow && options.list) return usage('give -a or -l, not both');
  if ((options.allow || options.list) && (options.services !== undefined || options.message !== undefined)) return usage('-s and -m only go with denying');
  if (options.list ? user !== undefined : user === undefined) return usage(options.list ? '-l takes no user' : 'name the user');
  const services = options.services ?? '*';
  if (services.trim() === '' || CONTROL.test(services)) return usage('-s needs a comma-separated list of service patterns');
  if (options.message !== undefined && CONTROL.test(options.message)) return usage('-m takes one line of text');
  let config: ImapdConfig;
  try {
    config = ImapdConfig.load(options.config);
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    err(`cyr_deny: ${e.message}\n`);
    return EXIT_CONFIG;
  }
  let userid: string | null = null;
  if (user !== undefined) {
    userid = new UseridRules(config).tryCanonical(user);
    if (userid === null) return usage(`not a valid userid: ${user}`);
  }
  let list: UserDenyList | null = null;
  try {
    // Only denying makes the database; allowing or listing without one has nothing to do.
    list = UserDenyList.fromConfig(config, { create: !options.allow && !options.list });
    if (options.list) {
      out(`${'Username'.padEnd(30)} ${'Service(s)'.padEnd(20)} Message\n`);
      for (const entry of list?.entries() ?? []) out(`${entry.userid.padEnd(30)} ${entry.services.padEnd(20)} ${denyMessageText(entry.message)}\n`);
    } else if (options.allow) {
      if (!list?.allow(userid!)) err(`cyr_deny: ${userid} was not denied any service\n`);
    } else {
      list!.deny(userid!, services, options.message?.trim() ? options.message.trim() : null);
    }
    return 0;
  } catch (e) {
    if (!isMailError(e)) throw e;
    err(`cyr_deny: ${e.message}\n`);
    return EXIT_TEMPFAIL;
  } finally {
    list?.close();
  }
}

/** `cyrusts cyr_deny [-C imapd.conf] [-s services] [-m message] user | -a user | -l` */
export const registerCyrDeny = (program: Command): void => {
  program
    .command('cyr_deny')
    .description('deny a user access to services (checked at every login), allow them again (-a), or list the denied users (-l)')
    .argument('[user]', 'the user to deny or allow')
    .option('-C, --config <file>', 'imapd.conf to read', '/etc/imapd.conf')
    .option('-s, --services <patterns>', 'deny only these services: comma-separated wildmat patterns of cyrus.conf service names, "!pattern" excepts (default "*": every service)')
    .option('-m, --message <text>', 'what the user is told when a login is refused (default: "Access to this service has been blocked")')
    .option('-a, --allow', 'allow the user every service again')
    .option('-l, --list', 'list the denied users, their services and messages')
    .action((user: string | undefined, opts: CyrDenyOptions) => {
      process.exitCode = runCyrDeny(user, opts, (t) => process.stdout.write(t), (t) => process.stderr.write(t));
    });
};
