// Moved to src/common/connections.ts (protocols import it from src/common/index.ts); kept as a
// re-export while the POP3 and LMTP services move over.
export { ConnectionSet, readLines } from '../common/index.js';
