// ENVELOPE, BODY and BODYSTRUCTURE text is a representation of the message, kept in src/message
// (it is cached at append); the IMAP serializer takes it from there.
export { formatBodyStructure, formatEnvelope } from '../../../message/index.js';
