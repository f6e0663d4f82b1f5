import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { ImapdConfig } from '../config/index.js';
import { ServiceStartError } from './start-error.js';

/** The account the master becomes once its listeners are bound. */
export interface RunAs {
  uid: number;
  gid: number;
  /** The user's name when the passwd file knows it (for its supplementary groups). */
  name: string | null;
}

interface Account {
  name: string;
  id: number;
  gid: number;
}

/** name:x:id:gid:... lines of /etc/passwd or /etc/group (no NSS: enough for local system users). */
function readAccounts(file: string): Account[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return [];
  }
  return text.split('\n').flatMap((line) => {
    const [name, , id, gid] = line.split(':');
    return name && id !== undefined && /^\d+$/.test(id) ? [{ name, id: Number(id), gid: Number(gid ?? id) }] : [];
  });
}

function findAccount(accounts: Account[], wanted: string): Account | undefined {
  return /^\d+$/.test(wanted) ? accounts.find((a) => a.id === Number(wanted)) : accounts.find((a) => a.name === wanted);
}

/**
 * Started as root, whom the master runs as: CYRUS_USER or cyrus_user (and CYRUS_GROUP or
 * cyrus_group), else the owner of configdirectory, as the Cyrus and Dovecot packages do. Null when
 * not started as root, or when that is root itself.
 */
export function runAsFor(config: ImapdConfig): RunAs | null {
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return null;
  const users = readAccounts('/etc/passwd');
  const userName = process.env.CYRUS_USER || config.string('cyrus_user');
  const groupName = process.env.CYRUS_GROUP || config.string('cyrus_group');
  let target: RunAs;
  if (userName) {
    const user = findAccount(users, userName);
    if (!user) throw new ServiceStartError(`cyrus_user: no user "${userName}" in /etc/passwd`, 78);
    target = { uid: user.id, gid: user.gid, name: user.name };
  } else {
    let owner;
    try {
      owner = statSync(config.configDirectory);
    } catch {
      // Nothing to follow yet: the tree is made by whoever starts the server (root, here).
      return null;
    }
    const user = users.find((u) => u.id === owner.uid);
    target = { uid: owner.uid, gid: user?.gid ?? owner.gid, name: user?.name ?? null };
  }
  if (groupName) {
    const group = findAccount(readAccounts('/etc/group'), groupName);
    if (!group) throw new ServiceStartError(`cyrus_group: no group "${groupName}" in /etc/group`, 78);
    target.gid = group.id;
  }
  return target.uid === 0 ? null : target;
}

/** Give up root for good: supplementary groups, group, then user. */
export function becomeUser(target: RunAs): void {
  // initgroups is in Node on POSIX, though not in every version of its type declarations.
  const posix = process as NodeJS.Process & { initgroups?: (user: string, extraGroup: number) => void };
  if (target.name !== null && posix.initgroups) posix.initgroups(target.name, target.gid);
  else process.setgroups!([target.gid]);
  process.setgid!(target.gid);
  process.setuid!(target.uid);
}

/**
 * Refuse to run over files another user owns: configdirectory, what lies directly in it, and the
 * partition directories must belong to the user the server runs as (a root run must not leave
 * root-owned databases in a tree the cyrus user owns, and the cyrus user cannot use them).
 */
export function refuseForeignFiles(config: ImapdConfig): void {
  if (typeof process.getuid !== 'function') return;
  const uid = process.getuid();
  const paths = [config.configDirectory];
  try {
    for (const name of readdirSync(config.configDirectory)) paths.push(join(config.configDirectory, name));
  } catch {
    // prepareDirectories made it; a race with its removal is not ours to report here.
  }
  for (const path of config.partitions().values()) paths.push(path);
  const foreign: string[] = [];
  for (const path of paths) {
    try {
      const owner = statSync(path).uid;
      if (owner !== uid) foreign.push(`${path} (uid ${owner})`);
    } catch {
      // gone meanwhile
    }
  }
  if (foreign.length === 0) return;
  const shown = foreign.slice(0, 5).join(', ') + (foreign.length > 5 ? ` and ${foreign.length - 5} more` : '');
  throw new ServiceStartError(`files owned by another user than the one the server runs as (uid ${uid}): ${shown}; chown them (or start as that user)`, 78);
}
