/**
 * The text form of mailboxes.db used by `ctl_mboxlist -d` / `-u`: one mailbox per line, the
 * internal name, a TAB, then a JSON object with fixed key order (so dump → load → dump is
 * byte-identical).
 */
import { MailError } from '../common/errors.js';
import type { MailboxEntry, MailboxList, MailboxTypeFlag } from './mailbox-list.js';

const TYPES: readonly MailboxTypeFlag[] = ['reserved', 'deleted', 'remote'];

function formatDumpLine(e: MailboxEntry): string {
  const body = {
    uniqueid: e.uniqueId,
    partition: e.partition,
    acl: e.acl,
    type: e.type,
    server: e.server,
    createdmodseq: e.createdModseq,
    foldermodseq: e.modifiedModseq,
    uidvalidity: e.uidValidity,
    specialuse: e.specialUse,
    quotaroot: e.quotaRoot,
  };
  return `${e.name}\t${JSON.stringify(body)}`;
}

function parseDumpLine(line: string): MailboxEntry {
  const tab = line.indexOf('\t');
  if (tab <= 0) throw new MailError('Invalid', 'dump line without a TAB after the name');
  const name = line.slice(0, tab);
  let body: Record<string, unknown>;
  try {
    body = JSON.parse(line.slice(tab + 1)) as Record<string, unknown>;
  } catch {
    throw new MailError('Invalid', `bad JSON for ${name}`);
  }
  const str = (k: string) => (typeof body[k] === 'string' ? (body[k] as string) : null);
  const num = (k: string) => (typeof body[k] === 'number' ? (body[k] as number) : 0);
  const uniqueId = str('uniqueid');
  const partition = str('partition');
  if (!uniqueId || !partition) throw new MailError('Invalid', `${name}: uniqueid and partition are required`);
  const type = Array.isArray(body.type) ? (body.type as unknown[]).filter((t): t is MailboxTypeFlag => TYPES.includes(t as MailboxTypeFlag)) : [];
  return {
    name,
    uniqueId,
    partition,
    acl: str('acl') ?? '',
    type,
    server: str('server'),
    createdModseq: num('createdmodseq'),
    modifiedModseq: num('foldermodseq'),
    uidValidity: num('uidvalidity'),
    specialUse: str('specialuse'),
    quotaRoot: str('quotaroot'),
  };
}

export function* dumpMailboxList(list: MailboxList): Generator<string> {
  for (const entry of list.all()) yield formatDumpLine(entry) + '\n';
}

/** Load dump text (replacing entries of the same name) in one transaction; returns the count. */
export function loadMailboxList(list: MailboxList, text: string, checkName: (name: string) => void): number {
  const entries = text.split('\n').filter((l) => l.trim() !== '').map(parseDumpLine);
  for (const e of entries) checkName(e.name);
  return list.write('load mailboxes.db', () => {
    let modseq = 0;
    let uidValidity = 0;
    for (const e of entries) {
      list.put(e);
      modseq = Math.max(modseq, e.createdModseq, e.modifiedModseq);
      uidValidity = Math.max(uidValidity, e.uidValidity);
    }
    list.raiseCounter('modseq', modseq);
    list.raiseCounter('uidvalidity', uidValidity);
    return entries.length;
  });
}
