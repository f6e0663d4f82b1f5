import type { Command } from 'commander';
import { registerCyrDf } from './cyr_df.js';
import { registerSaslpasswd } from './saslpasswd.js';
import { registerReconstruct } from './reconstruct.js';
import { registerMbpath } from './mbpath.js';
import { registerCtlMboxlist } from './ctl_mboxlist.js';
import { registerCyrExpire } from './cyr_expire.js';
import { registerDeliver } from './deliver.js';
import { registerQuota } from './quota.js';
import { registerCyradm } from './cyradm.js';
import { registerUnexpunge } from './unexpunge.js';
import { registerCtlDeliver } from './ctl_deliver.js';
import { registerIpurge } from './ipurge.js';
import { registerCyrDeny } from './cyr_deny.js';
import { registerSquatter } from './squatter.js';
import { registerCyrLs } from './cyr_ls.js';
import { registerMbexamine } from './mbexamine.js';
import { registerChkCyrus } from './chk_cyrus.js';
import { registerCyrDbtool } from './cyr_dbtool.js';
import { registerCyrUserseen } from './cyr_userseen.js';
import { registerArbitron } from './arbitron.js';
import { registerCyrBuildinfo } from './cyr_buildinfo.js';
import { registerMbtool } from './mbtool.js';
import { registerCyrdump } from './cyrdump.js';

/** Adds one Cyrus-named subcommand (with its options and --help) to the program. */
export type ToolRegistrar = (program: Command) => void;

/**
 * Every subcommand of the command-line program. Each tool lives in its own file and exports a
 * registrar; add yours here with one import and one entry.
 */
export const TOOLS: ToolRegistrar[] = [
  registerCyrDf,
  registerSaslpasswd,
  registerReconstruct,
  registerMbpath,
  registerCtlMboxlist,
  registerCyrExpire,
  registerDeliver,
  registerQuota,
  registerCyradm,
  registerUnexpunge,
  registerCtlDeliver,
  registerIpurge,
  registerCyrDeny,
  registerSquatter,
  registerCyrLs,
  registerMbexamine,
  registerChkCyrus,
  registerCyrDbtool,
  registerCyrUserseen,
  registerArbitron,
  registerCyrBuildinfo,
  registerMbtool,
  registerCyrdump,
];
