import type { OptionSpec } from '../types.js';

/** The selection modes of the Mailbox Distribution page, as written in imapd.conf. */
export const SELECT_MODES = [
  'random',
  'freespace-most',
  'freespace-percent-most',
  'freespace-percent-weighted',
  'freespace-percent-weighted-delta',
] as const;

export type SelectMode = (typeof SELECT_MODES)[number];

export function isSelectMode(text: string): text is SelectMode {
  return (SELECT_MODES as readonly string[]).includes(text);
}

const area = 'partitions';
const modes = [...SELECT_MODES];

export const partitionOptions: OptionSpec[] = [
  { area, name: 'partition_select_mode', type: 'enum', default: 'freespace-most', values: modes, doc: 'How a new top-level mailbox gets its partition (the Mailbox Distribution modes).' },
  { area, name: 'partition_select_exclude', type: 'stringlist', default: null, doc: 'Partitions never chosen automatically (an admin may still name them).' },
  { area, name: 'partition_select_usage_reinit', type: 'int', default: '0', min: 0, doc: 'Read partition usage again after this many selections (0: once per process).' },
  { area, name: 'partition_select_soft_usage_limit', type: 'int', default: '0', min: 0, doc: 'Leave out partitions more than this percent full, unless all are (0: no limit).' },
  { area, name: 'serverlist', type: 'stringlist', default: null, doc: 'Murder backends a frontend may place new mailboxes on.' },
  { area, name: 'serverlist_select_mode', type: 'enum', default: 'freespace-most', values: modes, doc: 'How a Murder frontend picks the backend of a new top-level mailbox.' },
  { area, name: 'serverlist_select_usage_reinit', type: 'int', default: '0', min: 0, doc: 'Read backend usage again after this many selections (0: once per process).' },
  { area, name: 'serverlist_select_soft_usage_limit', type: 'int', default: '0', min: 0, doc: 'Leave out backends more than this percent full, unless all are (0: no limit).' },
];
