export { ImapdConfig, ConfigError, type ConfigWarning, type Origin } from './imapd-conf.js';
export { OPTIONS, OPTION_BY_NAME } from './options/index.js';
export type { OptionSpec, OptionType, OptionValue, OptionFamily } from './types.js';
export { SELECT_MODES, isSelectMode, type SelectMode } from './options/partition.js';
export { parseList, ValueError } from './values.js';
export { specialUseNames } from './special-use.js';
export { servicePort } from './cyrus-conf-listen.js';
