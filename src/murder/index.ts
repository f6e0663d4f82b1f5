/**
 * Cyrus Murder: the mupdate protocol (server `mupdate`, client for backends and frontend slaves),
 * Murder settings, and where a mailbox lives.
 *
 *   murderSettings(config, servername) → MurderSettings      proxyLogin(config, server) → ProxyLogin | null
 *   backendAddress(settings, server, 'imap' | 'pop3' | 'lmtp') → { host, port }
 *   isMurderFrontend(config): a standard Murder's frontend (no mailboxes of its own)
 *   isRemoteEntry(entry, servername)                          parseLocation / formatLocation ("server!partition")
 *   BackendLink.open({ host, port, timeoutMs }) → a frontend's line connection to a backend (POP3, LMTP proxies)
 *   linkTlsFromConfig / wantStartTls / startLinkTls: STARTTLS on every link to another server (link-tls.ts)
 *   connectMupdate(options) → Promise<MupdateConnection>      (src/murder/client.ts)
 *   listPublisherFactory(connect) → the store's MailboxListPublisherFactory: a backend's pusher of
 *                                   its list changes to the mupdate master (pusher.ts)
 */
export { parseLocation, formatLocation, type MurderLocation } from './location.js';
export {
  murderSettings, proxyLogin, backendAddress, isRemoteEntry, isMurderFrontend, serverlistChoice,
  type MurderSettings, type MurderLayout, type BackendProtocol, type MupdateLogin, type ProxyLogin,
} from './settings.js';
export { MupdateError, type MupdateRecord, type MupdateEvent, type MupdateConnectOptions, type MupdateConnection } from './types.js';
export { connectMupdate, mupdateConnectOptions } from './client.js';
export { askMasterPlacement, type MasterPlacement } from './placement-ask.js';
export { BackendLink, BackendError, saslPlain, type BackendLinkOptions } from './backend-link.js';
export { linkTlsFromConfig, wantStartTls, startLinkTls, LinkTlsError, NO_LINK_TLS, type LinkTls, type LinkTlsMode } from './link-tls.js';
export { MailboxListPusher, listPublisherFactory, type PusherOptions } from './pusher.js';
