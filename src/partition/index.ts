/**
 * Partition (and Murder backend) selection: the modes of Cyrus's "Mailbox Distribution" page.
 *
 * Behaviour decided here, following Cyrus 3.6 (mboxlist_create_partition, partlist):
 * - defaultpartition, when set in imapd.conf, wins over partition_select_mode (Cyrus checks it
 *   first); only when it is unset does the mode choose. The option table's default is ignored.
 *   A defaultpartition without partition-NAME, no partition, or every one excluded → Temp.
 * - Soft usage limit: items whose usage is strictly above the limit are left out, unless all are;
 *   0 means no limit; random ignores it. In weighted-delta the lowest percent free is taken
 *   among the items kept.
 * - Same device (partitions) or same name (backends) count once in freespace-most and
 *   freespace-percent-most; which one of them is used is random.
 * - Ties are broken uniformly at random; completely full candidates are all equally fitting.
 * - An item whose usage cannot be read (or is inconsistent) turns the choice random, as in Cyrus.
 * - A partition whose directory does not exist or is not writable is never chosen automatically
 *   (a mistyped path must not be measured on a parent and then created by the first mailbox): it
 *   is left out like an item over the soft limit, and logged. Checked at every selection. An
 *   explicit defaultpartition and a partition named on CREATE are used as named, unchecked.
 * - Usage is read before the first selection and then after every usage_reinit selections.
 */
export * from './types.js';
export { seededRandom, randomIndex } from './random.js';
export { planSelection, drawFromPlan, planOdds, selectItem, percentFree, type SelectionPlan, type SelectionGroup } from './plan.js';
export { readPartitionUsage, partitionPathProblem, partitionItem, unreadableItem } from './usage.js';
export { UsageRefresh } from './refresh.js';
export { PartitionSelector, partitionSettingsFrom, type PartitionSelectorSettings, type SelectorDependencies } from './selector.js';
export { BackendSelector, backendItem, backendSettingsFrom, type BackendUsage, type BackendUsageReader, type BackendSelectorSettings } from './backend.js';
