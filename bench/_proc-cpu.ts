// The CPU time (user and system, all threads) of the server process at the other end of a loopback
// connection, from /proc (Linux): imap-fill reports it per message beside the rate, a figure the
// machine's load sways less than the rate (a loaded machine stretches the time, not the work). The
// process is the one holding the server side of the socket (our worker, Dovecot's imap, Cyrus's
// imapd); seeing other users' processes' descriptors needs the privileges to, else null.
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

/** The inode of the TCP socket on 127.0.0.1:`localPort` connected to 127.0.0.1:`remotePort`, or null. */
export function loopbackSocketInode(localPort: number, remotePort: number, table = readFileSync('/proc/net/tcp', 'utf8')): number | null {
  const local = `0100007F:${localPort.toString(16).toUpperCase().padStart(4, '0')}`;
  const remote = `0100007F:${remotePort.toString(16).toUpperCase().padStart(4, '0')}`;
  for (const line of table.split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f[1] === local && f[2] === remote) return Number(f[9]);
  }
  return null;
}

/** The pid of a process holding the socket `inode`, or null (none, or not allowed to look). */
export function processOfSocket(inode: number): number | null {
  const target = `socket:[${inode}]`;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let fds: string[];
    try {
      fds = readdirSync(`/proc/${entry}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      try {
        if (readlinkSync(`/proc/${entry}/fd/${fd}`) === target) return Number(entry);
      } catch {
        // Closed meanwhile.
      }
    }
  }
  return null;
}

/** /proc counts CPU time in USER_HZ ticks, 100 a second on Linux whatever the kernel's own tick. */
const TICK_US = 1e6 / 100;

/** User and system CPU of process `pid` so far, in µs (all its threads), or null once it is gone. */
export function processCpu(pid: number): { user: number; sys: number } | null {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return null;
  }
  // The fields after the command name (which may hold spaces), in parentheses.
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return { user: Number(f[11]) * TICK_US, sys: Number(f[12]) * TICK_US };
}
