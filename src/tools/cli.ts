import { Command } from 'commander';
import { packageVersion } from '../common/version.js';
import { registerMaster } from '../master/command.js';
import { registerCyrInfo } from './cyr_info.js';
import { TOOLS } from './index.js';

/**
 * The one command-line program. Subcommands carry the Cyrus program names (master, cyr_info,
 * cyr_df, reconstruct, ...); every one reads imapd.conf from -C (default /etc/imapd.conf).
 */
export function buildProgram(): Command {
  const program = new Command('cyrusts')
    .description('An IMAP, POP3, LMTP and ManageSieve server (with smmapd for MTAs\' recipient checks, and the mupdate service and proxies of a Cyrus Murder) in the tradition of Cyrus IMAP 3.6. Every subcommand takes -C <imapd.conf> (default /etc/imapd.conf).')
    .version(packageVersion())
    .showHelpAfterError();
  registerMaster(program);
  registerCyrInfo(program);
  for (const register of TOOLS) register(program);
  return program;
}

export async function main(argv: string[] = process.argv): Promise<void> {
  await buildProgram().parseAsync(argv);
}
