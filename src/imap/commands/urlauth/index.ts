/** URLAUTH (RFC 4467, URLAUTH=BINARY RFC 5524): GENURLAUTH, RESETKEY, URLFETCH. */
import { genUrlAuthCommand } from './genurlauth.js';
import { resetKeyCommand } from './resetkey.js';
import { urlFetchCommand } from './urlfetch.js';

export const URLAUTH_COMMANDS = [genUrlAuthCommand, resetKeyCommand, urlFetchCommand] as const;
export { redeem, requireOwnServer, urlMailbox } from './authorize.js';
export { urlBody, withUrlMessage } from './locate.js';
