// WAL frames of an SQLite database not yet copied into its file, read from its wal-index header
// (the -shm file: mxFrame at byte 16, nBackfill at byte 96, native byte order; SQLite's
// walformat.html) by a child process. Never open the -shm in the process that has the database
// open: closing any descriptor of a file drops every POSIX lock the process holds on it, SQLite's
// shared-memory lock among them.
import { execFileSync } from 'node:child_process';

const READER = `
const fs = require('node:fs');
const b = fs.readFileSync(process.argv[1] + '-shm');
const le = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
const at = (o) => (le ? b.readUInt32LE(o) : b.readUInt32BE(o));
process.stdout.write(String(at(16) - at(96)));
`;

export function walBacklog(file: string): number {
  return Number(execFileSync(process.execPath, ['-e', READER, file], { encoding: 'utf8' }));
}
