// What every layer shares: the domain error type, the logger, process and connection helpers, the
// contract between a worker and the service program it runs, and the reader of word-and-literal lines.
export { MailError, isMailError, type MailErrorKind } from './errors.js';
export { createLogger, silentLogger, type Logger, type LogOptions } from './log.js';
export { processAlive } from './process.js';
export { LoopSlices, SLICE_MS, giveTurn } from './loop-slices.js';
export { TurnShare, TURN_SHARE_MS, commandTurns } from './turn-share.js';
export { packageVersion } from './version.js';
export { lowerBound, sortedHas } from './sorted.js';
export { decodeAppendFacts, encodeAppendFacts, type AppendFacts } from './append-facts.js';
export { buildTlsContext, certificatesInDir, motdFromConfig, pemFile, shutdownFromConfig, tlsContextFromConfig, tlsSocketOptions, writeServerMessage, type ServerMessage } from './server-files.js';
export { tlsProtocolOptions, tlsServerSettings, TlsSettingsError, type TlsProtocolOptions, type TlsServerSettings } from './tls-settings.js';
export { ctime, endTrace, openTelemetry, startTrace, Telemetry, telemetryFromConfig, type TelemetryOpener, type TelemetrySettings, type TracedWriter } from './telemetry.js';
export { ConnectionSet, readLines } from './connections.js';
export { DeflateSocket, DEFLATE_OUTPUT, type DeflateSocketOptions } from './deflate-socket.js';
export {
  attachSocket, detachSocket, drained, hangUp, LiveSessions, type LiveSession, HANG_UP_LINGER_MS, sessionListeners, restartReading, stopReading, swapToTls, serverTlsSocket, clientCertificateIdentity, tlsHandshake, type SocketListeners,
} from './socket-session.js';
export {
  newSessionId, serviceInstance, type ChangeChannel, type ChangeInterest, type ConnectionServer, type LoginGate, type LoginVerdict, type MovedSession, LOGIN_ALLOWED, type SocketOrigin, type ServiceContext, type ServiceInstance, type ServiceProgram, type ServicePrograms,
} from './service.js';
export {
  MANAGESIEVE_WORDS, MUPDATE_WORDS, WireWordReader, type WireDialect, type WireEvent, type WireEventNamer, type WireLimits, type WireWord,
} from './wire-words.js';
