/** The METADATA commands of RFC 5464: GETMETADATA SETMETADATA (mailbox and server annotations). */
import type { CommandSpec } from '../types.js';
import { getMetadataCommand } from './getmetadata.js';
import { setMetadataCommand } from './setmetadata.js';

export const METADATA_COMMANDS: ReadonlyArray<CommandSpec<never>> = [getMetadataCommand, setMetadataCommand] as unknown as ReadonlyArray<CommandSpec<never>>;
