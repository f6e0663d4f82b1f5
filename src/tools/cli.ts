import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import { registerMaster } from '../master/command.js';
import { registerCyrInfo } from './cyr_info.js';
import { TOOLS } from './index.js';

function packageVersion(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    const file = join(dir, 'package.json');
    if (existsSync(file)) return (JSON.parse(readFileSync(file, 'utf8')) as { version?: string }).version ?? '0.0.0';
    dir = dirname(dir);
  }
  return '0.0.0';
}

/**
 * The one command-line program. Subcommands carry the Cyrus program names (master, cyr_info,
 * cyr_df, reconstruct, ...); every one reads imapd.conf from -C (default /etc/imapd.conf).
 */
export function buildProgram(): Command {
  const program = new Command('cyrusts')
    .description('An IMAP, POP3 and LMTP server in the tradition of Cyrus IMAP 3.6. Every subcommand takes -C <imapd.conf> (default /etc/imapd.conf).')
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
