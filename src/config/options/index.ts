import type { OptionSpec } from '../types.js';
import { generalOptions } from './general.js';
import { storeOptions } from './store.js';
import { partitionOptions } from './partition.js';
import { authOptions } from './auth.js';
import { imapOptions } from './imap.js';
import { lmtpOptions } from './lmtp.js';
import { pop3Options } from './pop3.js';
import { quotaOptions } from './quota.js';
import { sieveOptions } from './sieve.js';
import { murderOptions } from './murder.js';

/** The one typed table of every imapd.conf option this server reads. */
export const OPTIONS: readonly OptionSpec[] = [
  ...generalOptions,
  ...storeOptions,
  ...partitionOptions,
  ...authOptions,
  ...imapOptions,
  ...lmtpOptions,
  ...pop3Options,
  ...quotaOptions,
  ...sieveOptions,
  ...murderOptions,
];

export const OPTION_BY_NAME: ReadonlyMap<string, OptionSpec> = (() => {
  const map = new Map<string, OptionSpec>();
  for (const spec of OPTIONS) {
    if (map.has(spec.name)) throw new Error(`option ${spec.name} is defined twice`);
    map.set(spec.name, spec);
  }
  return map;
})();
