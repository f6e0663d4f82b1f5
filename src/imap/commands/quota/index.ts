/** The QUOTA commands of RFC 9208: GETQUOTA GETQUOTAROOT SETQUOTA. */
import type { CommandSpec } from '../types.js';
import { getQuotaCommand } from './getquota.js';
import { getQuotaRootCommand } from './getquotaroot.js';
import { setQuotaCommand } from './setquota.js';

export const QUOTA_COMMANDS: ReadonlyArray<CommandSpec<never>> = [
  getQuotaCommand, getQuotaRootCommand, setQuotaCommand,
] as unknown as ReadonlyArray<CommandSpec<never>>;
