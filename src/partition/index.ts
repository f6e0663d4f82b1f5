export * from './types.js';
export { seededRandom, randomIndex } from './random.js';
export { planSelection, drawFromPlan, planOdds, selectItem, percentFree, type SelectionPlan, type SelectionGroup } from './plan.js';
export { readPartitionUsage, partitionItem, unreadableItem } from './usage.js';
export { UsageRefresh } from './refresh.js';
export { PartitionSelector, partitionSettingsFrom, type PartitionSelectorSettings, type SelectorDependencies } from './selector.js';
export { BackendSelector, backendItem, backendSettingsFrom, type BackendUsage, type BackendUsageReader, type BackendSelectorSettings } from './backend.js';
