/**
 * cyradm's command set, with Cyrus's long and short names: each turns its words into IMAP
 * commands and prints the answers as Cyrus's cyradm does (one ACL entry per line "id rights",
 * one mailbox per line). A refused command prints "name: server text" on the error stream.
 */
import { quote, type AdminClient, type Reply, type Token } from './cyradm-client.js';

export interface ShellOutput {
  out(text: string): void;
  err(text: string): void;
}

export interface AdminSession {
  client: AdminClient;
  /** The server's capabilities after login, upper-cased (as spelled: `advertised`). */
  capabilities: Set<string>;
  advertised: readonly string[];
}

/** A command's outcome: true when every IMAP command it sent was answered OK. */
type Run = (session: AdminSession, args: string[], io: ShellOutput) => Promise<boolean>;

interface AdminCommand {
  names: readonly string[];
  usage: string;
  run: Run;
}

/** Cyrus's named rights sets for setaclmailbox. */
const NAMED_RIGHTS: Record<string, string> = {
  none: '', read: 'lrs', post: 'lrsp', append: 'lrsip', write: 'lrswipkxte', delete: 'lrxte', all: 'lrswipkxtea',
};

class UsageError extends Error {}

function need(args: string[], min: number, max: number, usage: string): void {
  if (args.length < min || args.length > max) throw new UsageError(`usage: ${usage}`);
}

/** Split "--partition p" / "--specialuse u" options from the positional words. */
function options(args: string[], known: readonly string[]): { named: Map<string, string>; rest: string[] } {
  const named = new Map<string, string>();
  const rest: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const word = args[i]!;
    const option = word.startsWith('--') ? word.slice(2) : word.startsWith('-') && word.length > 1 ? word.slice(1) : null;
    const name = option === null ? undefined : known.find((k) => k.startsWith(option) && option.length > 0);
    if (name === undefined) rest.push(word);
    else named.set(name, args[++i] ?? '');
  }
  return { named, rest };
}

function report(reply: Reply, label: string, io: ShellOutput): boolean {
  if (reply.status !== 'OK') io.err(`${label}: ${reply.text}\n`);
  return reply.status === 'OK';
}

const text = (token: Token | undefined): string => (typeof token === 'string' ? token : '');

async function listNames(session: AdminSession, reference: string, pattern: string, selection = ''): Promise<{ reply: Reply; names: Array<[string, string]> }> {
  const reply = await session.client.command(`LIST ${selection}${quote(reference)} ${quote(pattern)}`);
  const names = reply.untagged
    .filter((t) => text(t[0]).toUpperCase() === 'LIST')
    .map((t): [string, string] => [text(t[3]), Array.isArray(t[1]) ? t[1].map(text).join(' ') : '']);
  return { reply, names };
}

const listMailboxes: Run = async (session, args, io) => {
  const switches = new Set<string>(args.filter((a) => a === '--subscribed' || a === '--specialuse'));
  const rest = args.filter((a) => !switches.has(a));
  need(rest, 0, 2, 'listmailbox [--subscribed] [--specialuse] [pattern [reference]]');
  const selection = [switches.has('--subscribed') ? 'SUBSCRIBED' : '', switches.has('--specialuse') ? 'SPECIAL-USE' : ''].filter(Boolean);
  const { reply, names } = await listNames(session, rest[1] ?? '', rest[0] ?? '*', selection.length ? `(${selection.join(' ')}) ` : '');
  for (const [name, attributes] of names) io.out(`${name} (${attributes})\n`);
  return report(reply, 'listmailbox', io);
};

const listAcl: Run = async (session, args, io) => {
  need(args, 1, 1, 'listaclmailbox mailbox');
  const pattern = args[0]!;
  const wildcard = /[*%]/.test(pattern);
  const mailboxes = wildcard ? (await listNames(session, '', pattern)).names.filter(([, a]) => !/\\Noselect|\\NonExistent/i.test(a)).map(([n]) => n) : [pattern];
  let ok = true;
  for (const mailbox of mailboxes) {
    const reply = await session.client.command(`GETACL ${quote(mailbox)}`);
    if (!report(reply, 'listaclmailbox', io)) {
      ok = false;
      continue;
    }
    if (wildcard) io.out(`${mailbox}:\n`);
    for (const response of reply.untagged.filter((t) => text(t[0]).toUpperCase() === 'ACL')) {
      for (let i = 2; i + 1 < response.length; i += 2) io.out(`${wildcard ? '  ' : ''}${text(response[i])} ${text(response[i + 1])}\n`);
    }
  }
  return ok;
};

const setAcl: Run = async (session, args, io) => {
  if (args.length < 3 || args.length % 2 === 0) throw new UsageError('usage: setaclmailbox mailbox id rights [id rights ...]');
  let ok = true;
  for (let i = 1; i + 1 < args.length; i += 2) {
    const rights = NAMED_RIGHTS[args[i + 1]!.toLowerCase()] ?? args[i + 1]!;
    const reply = await session.client.command(`SETACL ${quote(args[0]!)} ${quote(args[i]!)} ${quote(rights)}`);
    ok = report(reply, `setaclmailbox: ${args[i]}: ${args[i + 1]}`, io) && ok;
  }
  return ok;
};

const deleteAcl: Run = async (session, args, io) => {
  if (args.length < 2) throw new UsageError('usage: deleteaclmailbox mailbox id [id ...]');
  let ok = true;
  for (const id of args.slice(1)) ok = report(await session.client.command(`DELETEACL ${quote(args[0]!)} ${quote(id)}`), `deleteaclmailbox: ${id}`, io) && ok;
  return ok;
};

const create: Run = async (session, args, io) => {
  const { named, rest } = options(args, ['partition', 'specialuse']);
  need(rest, 1, 2, 'createmailbox [--partition partition] [--specialuse specialuse] mailbox [partition]');
  const partition = named.get('partition') ?? rest[1];
  const use = named.get('specialuse');
  const tail = use !== undefined ? ` (USE (${use}))` : partition !== undefined ? ` ${quote(partition)}` : '';
  return report(await session.client.command(`CREATE ${quote(rest[0]!)}${tail}`), 'createmailbox', io);
};

const remove: Run = async (session, args, io) => {
  need(args, 1, 1, 'deletemailbox mailbox');
  return report(await session.client.command(`DELETE ${quote(args[0]!)}`), 'deletemailbox', io);
};

const rename: Run = async (session, args, io) => {
  const { named, rest } = options(args, ['partition']);
  need(rest, 2, 3, 'renamemailbox [--partition partition] oldname newname [partition]');
  const partition = named.get('partition') ?? rest[2];
  return report(await session.client.command(`RENAME ${quote(rest[0]!)} ${quote(rest[1]!)}${partition !== undefined ? ` ${quote(partition)}` : ''}`), 'renamemailbox', io);
};

/** Cyrus's xfermailbox: XFER a mailbox (a user's INBOX: the user) to another backend of the Murder. */
const xfer: Run = async (session, args, io) => {
  const { named, rest } = options(args, ['partition']);
  need(rest, 2, 3, 'xfermailbox [--partition partition] mailbox server [partition]');
  if (named.has('partition') && rest[2] !== undefined) throw new UsageError('xfermailbox: give the partition once (--partition or the third argument)');
  const partition = named.get('partition') ?? rest[2];
  return report(await session.client.command(`XFER ${quote(rest[0]!)} ${quote(rest[1]!)}${partition !== undefined ? ` ${quote(partition)}` : ''}`), 'xfermailbox', io);
};

/** Quota commands need the server's QUOTA extension (RFC 9208); without it they say so. `quiet`: print no quota lines (setquota). */
function quotaCommand(label: string, build: (args: string[]) => string, usage: string, min: number, max: number, quiet = false): Run {
  return async (session, args, io) => {
    need(args, min, max, usage);
    if (!session.capabilities.has('QUOTA')) {
      io.err(`${label}: quota not supported by the server\n`);
      return false;
    }
    const reply = await session.client.command(build(args));
    for (const response of quiet ? [] : reply.untagged) {
      const kind = text(response[0]).toUpperCase();
      if (kind === 'QUOTAROOT') io.out(`quota root: ${response.slice(2).map(text).join(' ')}\n`);
      if (kind !== 'QUOTA' || !Array.isArray(response[2])) continue;
      const items = response[2];
      for (let i = 0; i + 2 < items.length; i += 3) {
        const used = Number(text(items[i + 1]));
        const limit = Number(text(items[i + 2]));
        const percent = limit > 0 ? ` (${Math.round((used * 100) / limit)}%)` : '';
        io.out(`${text(response[1])}: ${text(items[i])} ${used}/${limit}${percent}\n`);
      }
    }
    return report(reply, label, io);
  };
}

const setQuotaArgs = (args: string[]): string => {
  const pairs: string[] = [];
  for (let i = 1; i + 1 < args.length; i += 2) if (args[i + 1]!.toLowerCase() !== 'none') pairs.push(`${args[i]!.toUpperCase()} ${args[i + 1]}`);
  return `SETQUOTA ${quote(args[0]!)} (${pairs.join(' ')})`;
};

/** `info`: the server's ID and capabilities; `info mailbox`: its STATUS and the caller's rights there. */
const info: Run = async (session, args, io) => {
  need(args, 0, 1, 'info [mailbox]');
  if (args.length === 0) {
    const reply = await session.client.command('ID NIL');
    for (const response of reply.untagged) {
      const fields = Array.isArray(response[1]) ? response[1] : [];
      for (let i = 0; i + 1 < fields.length; i += 2) io.out(`${text(fields[i])}: ${text(fields[i + 1])}\n`);
    }
    io.out(`capabilities: ${session.advertised.join(' ')}\n`);
    return report(reply, 'info', io);
  }
  const status = await session.client.command(`STATUS ${quote(args[0]!)} (MESSAGES UNSEEN UIDNEXT UIDVALIDITY SIZE)`);
  for (const response of status.untagged) {
    if (text(response[0]).toUpperCase() !== 'STATUS' || !Array.isArray(response[2])) continue;
    for (let i = 0; i + 1 < response[2].length; i += 2) io.out(`${text(response[2][i]).toLowerCase()}: ${text(response[2][i + 1])}\n`);
  }
  const rights = await session.client.command(`MYRIGHTS ${quote(args[0]!)}`);
  for (const response of rights.untagged) if (text(response[0]).toUpperCase() === 'MYRIGHTS') io.out(`myrights: ${text(response[2])}\n`);
  return report(status, 'info', io) && report(rights, 'info', io);
};

const version: Run = async (session, args, io) => {
  need(args, 0, 0, 'version');
  const reply = await session.client.command('ID NIL');
  for (const response of reply.untagged) {
    const fields = Array.isArray(response[1]) ? response[1] : [];
    const get = (key: string) => text(fields[fields.findIndex((f) => text(f).toLowerCase() === key) + 1]);
    io.out(`name       : ${get('name')}\nversion    : ${get('version')}\n`);
  }
  return report(reply, 'version', io);
};

export const ADMIN_COMMANDS: readonly AdminCommand[] = [
  { names: ['listmailbox', 'list', 'lm'], usage: 'listmailbox [--subscribed] [--specialuse] [pattern [reference]]', run: listMailboxes },
  { names: ['listaclmailbox', 'listacl', 'lam'], usage: 'listaclmailbox mailbox', run: listAcl },
  { names: ['setaclmailbox', 'setacl', 'sam'], usage: 'setaclmailbox mailbox id rights [id rights ...]', run: setAcl },
  { names: ['deleteaclmailbox', 'deleteacl', 'dam'], usage: 'deleteaclmailbox mailbox id [id ...]', run: deleteAcl },
  { names: ['createmailbox', 'create', 'cm'], usage: 'createmailbox [--partition partition] [--specialuse specialuse] mailbox [partition]', run: create },
  { names: ['deletemailbox', 'delete', 'dm'], usage: 'deletemailbox mailbox', run: remove },
  { names: ['renamemailbox', 'rename', 'renm'], usage: 'renamemailbox [--partition partition] oldname newname [partition]', run: rename },
  { names: ['xfermailbox', 'xfer'], usage: 'xfermailbox [--partition partition] mailbox server [partition]', run: xfer },
  { names: ['listquota', 'lq'], usage: 'listquota root', run: quotaCommand('listquota', (a) => `GETQUOTA ${quote(a[0]!)}`, 'listquota root', 1, 1) },
  { names: ['listquotaroot', 'lqr', 'lqm'], usage: 'listquotaroot mailbox', run: quotaCommand('listquotaroot', (a) => `GETQUOTAROOT ${quote(a[0]!)}`, 'listquotaroot mailbox', 1, 1) },
  { names: ['setquota', 'sq'], usage: 'setquota root resource value [resource value ...]', run: quotaCommand('setquota', setQuotaArgs, 'setquota root resource value [resource value ...]', 3, 99, true) },
  { names: ['info'], usage: 'info [mailbox]', run: info },
  { names: ['version', 'ver'], usage: 'version', run: version },
];

/** The command named `name` (long or short form), or undefined. */
export function findAdminCommand(name: string): AdminCommand | undefined {
  const lower = name.toLowerCase();
  return ADMIN_COMMANDS.find((c) => c.names.includes(lower));
}

/** Run one command line's words; false when it failed (usage errors included). */
export async function runAdminCommand(session: AdminSession, words: string[], io: ShellOutput): Promise<boolean> {
  const command = findAdminCommand(words[0]!);
  if (!command) {
    io.err(`${words[0]}: unknown command (try "help")\n`);
    return false;
  }
  try {
    return await command.run(session, words.slice(1), io);
  } catch (err) {
    if (err instanceof UsageError) {
      io.err(`${err.message}\n`);
      return false;
    }
    throw err;
  }
}
