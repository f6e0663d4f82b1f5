/**
 * What `ls -l` shows of a mailbox directory, for cyr_ls: type and permission bits, links, owner and
 * group (by name from /etc/passwd and /etc/group where they have one, else the number), size and
 * modification time.
 */
import { readFileSync, statSync } from 'node:fs';

export interface DirectoryFacts {
  path: string;
  /** The mode bits of stat (type and permissions). */
  mode: number;
  links: number;
  owner: string;
  group: string;
  size: number;
  modified: Date;
}

/** id → name from a passwd(5) or group(5) file (name:x:id:...); empty when it cannot be read. */
function namesById(file: string): Map<number, string> {
  const names = new Map<number, string>();
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return names;
  }
  for (const line of text.split('\n')) {
    const fields = line.split(':');
    const id = Number(fields[2]);
    if (fields.length >= 3 && fields[0] && Number.isInteger(id) && !names.has(id)) names.set(id, fields[0]);
  }
  return names;
}

let users: Map<number, string> | null = null;
let groups: Map<number, string> | null = null;

/** The facts of `path`, or null when there is nothing there. */
export function directoryFacts(path: string): DirectoryFacts | null {
  let st: ReturnType<typeof statSync>;
  try {
    st = statSync(path);
  } catch {
    return null;
  }
  users ??= namesById('/etc/passwd');
  groups ??= namesById('/etc/group');
  return {
    path, mode: st.mode, links: st.nlink, owner: users.get(st.uid) ?? String(st.uid), group: groups.get(st.gid) ?? String(st.gid),
    size: st.size, modified: st.mtime,
  };
}
