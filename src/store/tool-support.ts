/** What the store's command-line tools share: load imapd.conf, open the store, map errors to exit codes. */
import { ConfigError, ImapdConfig } from '../config/index.js';
import { isMailError } from '../common/errors.js';
import { MailStore, type ChangeNotifier, type MailStoreOptions } from './mail-store.js';

export type Writer = (text: string) => void;

/** sysexits: EX_DATAERR, EX_TEMPFAIL, EX_CONFIG. */
export const EXIT_DATAERR = 65;
export const EXIT_TEMPFAIL = 75;
export const EXIT_CONFIG = 78;

/**
 * Load the configuration and open the store; on failure write why and return the exit code.
 * `notifier` hears of every mailbox the tool changes (see src/tools/notify.ts); `extra.publisher`
 * null opens it without the Murder pusher (ctl_mboxlist -m pushes by itself).
 */
export function openStoreForTool(
  tool: string, configFile: string, err: Writer, notifier?: ChangeNotifier, extra: Pick<MailStoreOptions, 'publisher'> = {},
): { store: MailStore; config: ImapdConfig } | number {
  let config: ImapdConfig;
  try {
    config = ImapdConfig.load(configFile);
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    err(`${tool}: ${e.message}\n`);
    return EXIT_CONFIG;
  }
  try {
    return { store: MailStore.open({ config, notifier, ...extra }), config };
  } catch (e) {
    err(`${tool}: cannot open the mail store: ${(e as Error).message}\n`);
    return isMailError(e) ? EXIT_TEMPFAIL : EXIT_CONFIG;
  }
}
