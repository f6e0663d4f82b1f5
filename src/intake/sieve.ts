/**
 * Sieve at delivery (the intake's `sieve` seam): the recipient user's active script (put there by
 * ManageSieve) decides where a delivered message goes. Its actions become the verdict:
 *
 * - keep / the implicit keep: the mailbox the address named (INBOX or user+detail's folder), with
 *   the script's imap4flags flags;
 * - fileinto: a mailbox of the user's namespace the user may post to (`p`); one that does not exist
 *   is created with :create inside the user's own hierarchy, else the message is kept instead, as
 *   Cyrus does: a script's mistake never loses mail;
 * - discard: nothing stored;
 * - reject / ereject: the recipient is refused with the script's reason (LMTP 550 5.7.1); with
 *   `sieve_use_lmtp_reject: no` a reject is answered by a rejection notice from postmaster;
 * - redirect and vacation: messages handed to `sendmail` once the copies are stored. A redirect of
 *   one Message-ID to one address, and a vacation reply to one sender per handle, are remembered in
 *   deliver.db so that a redelivery or the next message does not send them again (vacation: for
 *   :days, held between sieve_vacation_min_response and sieve_vacation_max_response).
 * - notify (RFC 5435, mailto): a notification through the same sendmail (sieve-notify.ts), also
 *   for a message the script rejects; fcc (RFC 8580): a copy of a sent vacation reply or
 *   notification stored through the intake's append;
 * - fileinto :specialuse and :mailboxid, and the tests asking about mailboxes and their METADATA:
 *   sieve-mailboxes.ts; environment: the server's names and the LMTP client (environmentItems);
 * - include (RFC 6609): the user's other scripts (:personal) and the site's, in sievedir/global
 *   (:global; with virtual domains the domain's sievedir/domain/<h>/<domain>/global first);
 * - duplicate (RFC 7352): the ids a script checked are remembered per user in deliver.db once the
 *   message is delivered; editheader (RFC 5293): the edited message is stored and redirected.
 * - redirect-dsn and redirect-deliverby (RFC 6009): the redirect's NOTIFY / RET and BY go to the MTA
 *   by `sendmail -bs` (outgoing-smtp.ts); extlists (RFC 6134): the lists are the user's address
 *   books (sieve-lists.ts), and a redirect :list goes to a book's addresses (a missing or empty
 *   book keeps the message instead); vnd.cyrus.log: each `log` line is one line of our log.
 *
 * A script that does not compile any more, or fails while running, keeps the message (RFC 5228
 * 2.10.6) and is logged. Compiled scripts are kept per user while the script's version stays.
 */
import type { RightsChecker } from '../acl/index.js';
import type { Identity } from '../auth/index.js';
import { MailError, packageVersion, type Logger } from '../common/index.js';
import type { ImapdConfig } from '../config/index.js';
import { headerValues, rfc5322Date } from '../message/index.js';
import type { Namespace } from '../names/index.js';
import {
  allowedExtensions, compileSieve, DEFAULT_MAX_REDIRECTS, runSieve, type CompiledScript, type DuplicateCheck, type FccAction, type IncludeLoader, type SieveAction, type SieveEnvironment,
} from '../sieve-script/index.js';
import { storableFlags } from '../mailbox/index.js';
import type { DuplicateStore, MailStore } from '../store/index.js';
import { newMessageId, sendMailWith, type OutgoingMail } from './outgoing.js';
import type { SmtpSendReport } from './outgoing-smtp.js';
import { AddressBooks, type CachedBook } from './sieve-lists.js';
import { SieveMailboxes } from './sieve-mailboxes.js';
import { notificationMail } from './sieve-notify.js';
import type { DeliveryRecipient, PreparedMessage, SieveVerdict } from './types.js';

/** A user's active script as the script store gives it; `version` changes whenever it does. */
export interface ActiveScript {
  readonly name: string;
  readonly content: Buffer;
  readonly version: string;
}

export interface ActiveScripts {
  active(userid: string): ActiveScript | null;
  /** One of the user's scripts by name (include :personal); null when there is none. */
  get?(userid: string, name: string): Buffer | null;
  /** A global script by name as the user sees it (include :global); null when there is none. */
  getGlobal?(userid: string, name: string): Buffer | null;
}

export interface SieveFilterDeps {
  store: MailStore;
  config: ImapdConfig;
  logger: Logger;
  scripts: ActiveScripts;
  /** deliver.db: redirects and vacation replies already sent (none kept without it). */
  duplicates: DuplicateStore | null;
  rights: RightsChecker;
  namespace: Namespace;
  identityOf(userid: string): Identity;
  serverName: string;
  /** How a message leaves (default: the `sendmail` program); it may say which SMTP parameters the MTA did not take. */
  send?: (mail: OutgoingMail) => Promise<SmtpSendReport | void>;
  /**
   * How fcc (RFC 8580) stores a copy of a sent vacation reply or notification: the intake's append
   * (the one way to store a message); without it no copy is kept.
   */
  append?: (mailbox: string, content: Buffer, flags: readonly string[], userid: string) => Promise<void>;
}

/** How many users' compiled scripts a process keeps. */
const MAX_COMPILED = 1000;
/** How long a duplicate test remembers a message when the script gives no :seconds (RFC 7352 recommends 7 days). */
const DUPLICATE_DEFAULT_SECONDS = 7 * 86400;
/** How long a redirect of one Message-ID to one address is remembered (a redelivery does not send it twice). */
const REDIRECT_MEMORY_MS = 3 * 86_400_000;

interface Compiled {
  version: string;
  script: CompiledScript | null;
}

export class SieveFilter {
  private readonly compiled = new Map<string, Compiled>();
  /** Included scripts compiled, by location, user and name, with the text they were compiled from. */
  private readonly includedCompiled = new Map<string, { text: string; result: CompiledScript | string }>();
  private readonly extensions: readonly string[];
  private readonly send: (mail: OutgoingMail) => Promise<SmtpSendReport | void>;
  /** The address books' addresses as last read (extlists), by mailbox. */
  private readonly books = new Map<string, CachedBook>();

  constructor(private readonly deps: SieveFilterDeps) {
    // sieve_extensions unset (or empty): every extension the language supports.
    const listed = deps.config.list('sieve_extensions');
    this.extensions = allowedExtensions(listed.length === 0 ? null : listed);
    const sendmail = deps.config.path('sendmail') ?? '/usr/lib/sendmail';
    this.send = deps.send ?? ((mail) => sendMailWith(sendmail, mail));
  }

  /** The seam: where the message goes for `recipient` (its own mailbox when no script applies). */
  verdict(message: PreparedMessage, recipient: DeliveryRecipient): SieveVerdict {
    const keep: SieveVerdict = { fileInto: [recipient] };
    const { userid, envelope } = recipient;
    if (userid === null || envelope === undefined) return keep;
    let script: { script: CompiledScript; name: string } | null;
    try {
      script = this.scriptOf(userid);
    } catch (err) {
      this.deps.logger.warn({ err, userid }, 'sieve: cannot read the active script; keeping');
      return keep;
    }
    if (script === null) return keep;
    const identity = this.deps.identityOf(userid);
    const mailboxes = new SieveMailboxes(this.deps, identity);
    const books = new AddressBooks(this.deps, identity, this.books);
    const env: SieveEnvironment = {
      envelopeFrom: envelope.from,
      envelopeTo: envelope.to,
      userAddresses: userAddresses(userid, this.qualified(envelope.to)),
      mailboxExists: (name) => mailboxes.visible(name) !== null,
      now: new Date(),
      zone: localZone(),
      duplicateSeen: (handle, id) => this.deps.duplicates?.actionTaken(userid, duplicateKey(handle, id)) ?? false,
      items: this.environmentItems(envelope),
      metadata: (mailbox, entry) => mailboxes.metadata(mailbox, entry),
      hasSpecialUse: (mailbox, uses) => mailboxes.hasSpecialUse(mailbox, uses),
      mailboxIdExists: (id) => mailboxes.mailboxIdExists(id),
      listContains: (list, value) => books.contains(list, value),
      listExists: (list) => books.exists(list),
    };
    const outcome = runSieve(script.script, { header: headerBlock(message.content), content: message.content, size: message.content.length }, env, {
      include: this.includeLoader(userid),
      scriptName: script.name,
    });
    // vnd.cyrus.log: each line the script wrote, as Cyrus's "sieve log" lines (the text is the script's, never the message's).
    for (const text of outcome.logs ?? []) this.deps.logger.info({ userid, script: script.name, messageId: message.messageId, text }, 'sieve: log');
    if (outcome.error !== null) this.deps.logger.warn({ userid, error: outcome.error }, 'sieve: script failed; keeping');
    // editheader: the edited header with the received body is what is stored and redirected.
    const delivered = outcome.header === undefined
      ? message
      : { ...message, content: Buffer.concat([outcome.header, message.content.subarray(headerBlock(message.content).length)]) };
    const verdict = this.verdictOf(outcome.actions, delivered, recipient, mailboxes, books);
    if (delivered !== message && verdict.reject === undefined) verdict.content = delivered.content;
    const checks = outcome.duplicates ?? [];
    if (checks.length > 0 && verdict.reject === undefined) this.recordDuplicates(verdict, userid, checks);
    return verdict;
  }

  /**
   * duplicate (RFC 7352): once the message is delivered (the verdict's `after`), remember each id
   * the script checked and had not seen, for :seconds (default 7 days, at most
   * sieve_duplicate_max_expiration); a :last check moves a seen one's expiry on.
   */
  private recordDuplicates(verdict: SieveVerdict, userid: string, checks: readonly DuplicateCheck[]): void {
    const duplicates = this.deps.duplicates;
    if (duplicates === null) return;
    const max = this.deps.config.seconds('sieve_duplicate_max_expiration') ?? 90 * 86400;
    const before = verdict.after;
    verdict.after = async () => {
      await before?.();
      const now = Date.now();
      for (const check of checks) {
        if (check.seen && !check.last) continue;
        const seconds = Math.min(max, Math.max(0, check.seconds ?? DUPLICATE_DEFAULT_SECONDS));
        try {
          duplicates.recordAction(userid, duplicateKey(check.handle, check.id), now + seconds * 1000);
        } catch (err) {
          this.deps.logger.error({ err, userid }, 'sieve: cannot record a duplicate id');
        }
      }
    };
  }

  /**
   * environment (RFC 5183) as Cyrus's lmtpd answers it: domain is servername after its first label,
   * host servername, location "MDA", phase "during", remote-host and remote-ip the LMTP client's.
   */
  private environmentItems(envelope: { remoteHost?: string; remoteIp?: string }): Record<string, string> {
    const host = this.deps.serverName;
    const dot = host.indexOf('.');
    const items: Record<string, string> = {
      domain: dot < 0 ? '' : host.slice(dot + 1), host, location: 'MDA', name: 'cyrusts', phase: 'during', version: packageVersion(),
    };
    if (envelope.remoteHost !== undefined) items['remote-host'] = envelope.remoteHost;
    if (envelope.remoteIp !== undefined) items['remote-ip'] = envelope.remoteIp;
    return items;
  }

  /** An address with its domain: an unqualified one (RCPT TO:<fred>) is in defaultdomain, else servername's. */
  private qualified(address: string): string {
    if (address.includes('@')) return address;
    return `${address}@${this.deps.config.string('defaultdomain') ?? this.deps.serverName}`;
  }

  /** include's loader for `userid`: personal scripts from the user's sievedir, global ones from sievedir/global. */
  private includeLoader(userid: string): IncludeLoader {
    return (location, name) => {
      const scripts = this.deps.scripts;
      let content: Buffer | null;
      try {
        content = location === 'global' ? scripts.getGlobal?.(userid, name) ?? null : scripts.get?.(userid, name) ?? null;
      } catch (err) {
        if (err instanceof MailError && err.kind === 'BadName') return null;
        return `cannot be read (${err instanceof Error ? err.message : String(err)})`;
      }
      if (content === null) return null;
      const text = content.toString('utf8');
      const key = `${location}\u0000${userid}\u0000${name}`;
      let entry = this.includedCompiled.get(key);
      if (entry === undefined || entry.text !== text) {
        const result = compileSieve(text, { extensions: this.extensions });
        entry = { text, result: result.ok ? result.script : `does not compile: ${result.errors[0]}` };
        this.includedCompiled.delete(key);
        this.includedCompiled.set(key, entry);
        if (this.includedCompiled.size > MAX_COMPILED) this.includedCompiled.delete(this.includedCompiled.keys().next().value!);
      }
      return entry.result;
    };
  }

  private scriptOf(userid: string): { script: CompiledScript; name: string } | null {
    const active = this.deps.scripts.active(userid);
    if (active === null) {
      this.compiled.delete(userid);
      return null;
    }
    const kept = this.compiled.get(userid);
    if (kept !== undefined && kept.version === active.version) return kept.script === null ? null : { script: kept.script, name: active.name };
    const result = compileSieve(active.content.toString('utf8'), { extensions: this.extensions });
    if (!result.ok) this.deps.logger.warn({ userid, script: active.name, error: result.errors[0] }, 'sieve: the active script does not compile; keeping');
    const entry = { version: active.version, script: result.ok ? result.script : null };
    this.compiled.delete(userid);
    this.compiled.set(userid, entry);
    if (this.compiled.size > MAX_COMPILED) this.compiled.delete(this.compiled.keys().next().value!);
    return entry.script === null ? null : { script: entry.script, name: active.name };
  }

  private verdictOf(actions: readonly SieveAction[], message: PreparedMessage, recipient: DeliveryRecipient, mailboxes: SieveMailboxes, books: AddressBooks): SieveVerdict {
    const userid = recipient.userid!;
    const envelope = recipient.envelope!;
    const targets: DeliveryRecipient[] = [];
    const outgoing: Array<() => Promise<void>> = [];
    const into = (target: DeliveryRecipient): void => {
      const same = targets.find((t) => t.mailbox === target.mailbox);
      if (same === undefined) targets.push(target);
      else if (target.flags !== undefined) same.flags = [...new Set([...(same.flags ?? []), ...target.flags])];
    };
    const kept = (flags: readonly string[] | null): DeliveryRecipient => (flags === null ? { ...recipient } : { ...recipient, flags: this.storable(flags, userid) });
    let redirects = 0;
    let rejected: string | null = null;
    for (const action of actions) {
      switch (action.type) {
        case 'keep':
          into(kept(action.flags));
          break;
        case 'fileinto': {
          const mailbox = mailboxes.fileIntoTarget(action);
          if (mailbox === null) {
            this.deps.logger.info({ userid, folder: action.mailbox }, 'sieve: fileinto target missing or not allowed; keeping');
            into(kept(action.flags));
          } else into(action.flags === null ? { ...recipient, mailbox } : { ...recipient, mailbox, flags: this.storable(action.flags, userid) });
          break;
        }
        case 'discard':
          break;
        case 'reject':
          // Refused in the LMTP answer; a notify of the same run is still sent (nothing else can go with a reject).
          if (action.extended || this.deps.config.bool('sieve_use_lmtp_reject')) rejected = oneLine(action.reason);
          else outgoing.push(() => this.sendRejection(userid, envelope, message, action.reason));
          break;
        case 'redirect': {
          if (++redirects > DEFAULT_MAX_REDIRECTS) break;
          let to = [action.address];
          if (action.list === true) {
            const members = books.members(action.address);
            if (members === null || members.length === 0) {
              // As a fileinto that cannot be done: the message is kept rather than lost.
              this.deps.logger.info({ userid, list: action.address }, 'sieve: redirect :list names no address book with addresses; keeping');
              into(kept(null));
              break;
            }
            to = members;
          }
          outgoing.push(() => this.redirect(userid, envelope.from, message, action, to));
          break;
        }
        case 'vacation':
          outgoing.push(() => this.vacation(userid, envelope, action, mailboxes));
          break;
        case 'notify':
          outgoing.push(() => this.notify(userid, envelope, message, action, mailboxes));
          break;
      }
    }
    const verdict: SieveVerdict = rejected === null ? { fileInto: targets } : { fileInto: [], reject: rejected };
    if (outgoing.length > 0) {
      verdict.after = async () => {
        for (const send of outgoing) {
          try {
            await send();
          } catch (err) {
            this.deps.logger.error({ err, userid }, 'sieve: sending failed');
          }
        }
      };
    }
    return verdict;
  }

  /**
   * A redirect to `to` (the address, or a list's members), with the script's DSN and deliver-by
   * parameters; remembered per Message-ID and target so that a redelivery does not send it again.
   */
  private async redirect(userid: string, from: string, message: PreparedMessage, action: Extract<SieveAction, { type: 'redirect' }>, to: string[]): Promise<void> {
    const target = action.list === true ? `list:${action.address}` : action.address;
    const key = message.messageId === null ? null : `redirect\u0000${message.messageId}\u0000${target.toLowerCase()}`;
    const duplicates = this.deps.duplicates;
    if (key !== null && duplicates?.actionTaken(userid, key)) {
      this.deps.logger.info({ userid, to: target }, 'sieve: redirect already sent for this message');
      return;
    }
    const report = await this.send({
      from, to, content: message.content,
      ...(action.dsn === undefined ? {} : { dsn: action.dsn }), ...(action.deliverBy === undefined ? {} : { deliverBy: action.deliverBy }),
    });
    if (key !== null) duplicates?.recordAction(userid, key, Date.now() + REDIRECT_MEMORY_MS);
    if (report && report.dropped.length > 0) {
      this.deps.logger.warn({ userid, to: target, dropped: report.dropped }, 'sieve: the MTA does not offer these redirect parameters; sent without them');
    }
    this.deps.logger.info({ userid, to: target, recipients: to.length, messageId: message.messageId }, 'sieve: redirected');
  }

  /**
   * The script's flags a message can be stored with. RFC 5232 section 2: a flag that fails the
   * validity check (\Recent, an unknown system flag, a keyword that is no IMAP atom or longer than
   * this server keeps) is ignored, logged, and the message delivered with the rest.
   */
  private storable(flags: readonly string[], userid: string): string[] {
    const { storable, refused } = storableFlags(flags);
    if (refused.length > 0) this.deps.logger.info({ userid, flags: refused }, 'sieve: flags that cannot be stored ignored');
    return storable;
  }

  /**
   * fcc (RFC 8580): a copy of what was sent, into the mailbox fileinto would choose (:create,
   * :specialuse and :mailboxid as there) with the :flags given; one that cannot be had is logged,
   * and the message was sent all the same.
   */
  private async fcc(userid: string, fcc: FccAction | undefined, content: Buffer, mailboxes: SieveMailboxes): Promise<void> {
    if (fcc === undefined || this.deps.append === undefined) return;
    const mailbox = mailboxes.fileIntoTarget(fcc);
    if (mailbox === null) {
      this.deps.logger.info({ userid, folder: fcc.mailbox }, 'sieve: fcc mailbox missing or not allowed; no copy kept');
      return;
    }
    try {
      await this.deps.append(mailbox, content, this.storable(fcc.flags, userid), userid);
    } catch (err) {
      this.deps.logger.warn({ err, userid, mailbox }, 'sieve: cannot store the fcc copy');
    }
  }

  private async vacation(userid: string, envelope: { from: string; to: string }, action: Extract<SieveAction, { type: 'vacation' }>, mailboxes: SieveMailboxes): Promise<void> {
    const min = this.deps.config.seconds('sieve_vacation_min_response') ?? 3 * 86400;
    const max = Math.max(min, this.deps.config.seconds('sieve_vacation_max_response') ?? 90 * 86400);
    const seconds = Math.min(max, Math.max(min, action.seconds));
    const key = `vacation\u0000${action.handle}\u0000${action.to.toLowerCase()}`;
    const duplicates = this.deps.duplicates;
    if (duplicates?.actionTaken(userid, key)) {
      this.deps.logger.info({ userid, to: action.to }, 'sieve: vacation reply already sent to this sender');
      return;
    }
    const from = action.from ?? withoutDetail(this.qualified(envelope.to));
    const header = [
      `From: ${from}`,
      `To: ${action.to}`,
      `Subject: ${encodedWords(action.subject)}`,
      `Date: ${rfc5322Date(new Date())}`,
      `Message-ID: ${newMessageId(this.deps.serverName)}`,
      ...(action.inReplyTo === null ? [] : [`In-Reply-To: ${action.inReplyTo}`, `References: ${action.inReplyTo}`]),
      'Auto-Submitted: auto-replied (vacation)',
      'MIME-Version: 1.0',
    ];
    const body = action.mime
      ? toCrlf(action.reason)
      : `Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n${toCrlf(action.reason)}`;
    const content = Buffer.from(`${header.join('\r\n')}\r\n${body}${body.endsWith('\r\n') ? '' : '\r\n'}`, 'utf8');
    await this.send({ from: '', to: [action.to], content });
    duplicates?.recordAction(userid, key, Date.now() + seconds * 1000);
    this.deps.logger.info({ userid, to: action.to }, 'sieve: vacation reply sent');
    await this.fcc(userid, action.fcc, content, mailboxes);
  }

  /** notify (RFC 5435, mailto RFC 5436): the notification through the same sendmail as redirect and vacation. */
  private async notify(userid: string, envelope: { from: string; to: string }, message: PreparedMessage, action: Extract<SieveAction, { type: 'notify' }>, mailboxes: SieveMailboxes): Promise<void> {
    const first = (name: string): string | null => headerValues(message.content, name)[0]?.trim() ?? null;
    const mail = notificationMail(action, withoutDetail(this.qualified(envelope.to)), {
      from: first('from'), subject: first('subject'), date: first('date'), to: envelope.to,
    }, this.deps.serverName, encodedWords);
    if (mail === null) return;
    await this.send(mail);
    this.deps.logger.info({ userid, to: mail.to }, 'sieve: notification sent');
    await this.fcc(userid, action.fcc, mail.content, mailboxes);
  }

  /** reject with sieve_use_lmtp_reject off: a rejection notice to the sender (RFC 5429 2.2.1, an MDN). */
  private async sendRejection(userid: string, envelope: { from: string; to: string }, message: PreparedMessage, reason: string): Promise<void> {
    if (envelope.from === '') return; // nobody to tell (RFC 5429 2.2: never answer the null sender)
    const postmaster = this.deps.config.string('postmaster') ?? 'postmaster';
    const from = postmaster.includes('@') ? postmaster : `${postmaster}@${this.deps.serverName}`;
    const boundary = `rejection-${Date.now().toString(36)}`;
    const original = headerBlock(message.content).toString('utf8');
    const text = [
      `From: Mail Delivery <${from}>`,
      `To: ${envelope.from}`,
      `Subject: Message rejected: ${encodedWords(headerValues(message.content, 'subject')[0] ?? '(no subject)')}`,
      `Date: ${rfc5322Date(new Date())}`,
      `Message-ID: ${newMessageId(this.deps.serverName)}`,
      'Auto-Submitted: auto-replied (rejected)',
      'MIME-Version: 1.0',
      `Content-Type: multipart/report; report-type=disposition-notification; boundary="${boundary}"`,
      '',
      `--${boundary}`,
      'Content-Type: text/plain; charset=utf-8',
      'Content-Transfer-Encoding: 8bit',
      '',
      `Your message to ${envelope.to} was automatically rejected:`,
      toCrlf(reason).replace(/\r\n$/, ''),
      '',
      `--${boundary}`,
      'Content-Type: message/disposition-notification',
      '',
      `Reporting-UA: ${this.deps.serverName}; cyrusts`,
      `Final-Recipient: rfc822; ${envelope.to}`,
      ...(message.messageId === null ? [] : [`Original-Message-ID: ${message.messageId}`]),
      'Disposition: automatic-action/MDN-sent-automatically; deleted',
      '',
      `--${boundary}`,
      'Content-Type: text/rfc822-headers',
      '',
      original.replace(/\r\n$/, ''),
      `--${boundary}--`,
      '',
    ].join('\r\n');
    await this.send({ from: '', to: [envelope.from], content: Buffer.from(text, 'utf8') });
    this.deps.logger.info({ userid, to: envelope.from }, 'sieve: rejection notice sent');
  }
}

/** The deliver.db key of a duplicate test's handle and unique id. */
function duplicateKey(handle: string, id: string): string {
  return `duplicate\u0000${handle}\u0000${id}`;
}

/** The header block of a message with CRLF line ends, up to and including the empty line. */
export function headerBlock(content: Buffer): Buffer {
  const end = content.indexOf('\r\n\r\n');
  return end < 0 ? content : content.subarray(0, end + 4);
}

/** The user's own addresses: the address mail came to (without +detail), and a qualified userid. */
function userAddresses(userid: string, envelopeTo: string): string[] {
  const out = [withoutDetail(envelopeTo)];
  if (userid.includes('@') && !out.includes(userid)) out.push(userid);
  return out;
}

function withoutDetail(address: string): string {
  const at = address.lastIndexOf('@');
  const local = at < 0 ? address : address.slice(0, at);
  const plus = local.indexOf('+');
  return plus < 0 ? address : local.slice(0, plus) + (at < 0 ? '' : address.slice(at));
}

/** The server's zone as "+hhmm" (currentdate and date without :zone, RFC 5260). */
function localZone(): string {
  const offset = -new Date().getTimezoneOffset();
  const abs = Math.abs(offset);
  return `${offset < 0 ? '-' : '+'}${String(Math.floor(abs / 60)).padStart(2, '0')}${String(abs % 60).padStart(2, '0')}`;
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim().slice(0, 400) || 'Message rejected';
}

function toCrlf(text: string): string {
  return text.replace(/\r?\n/g, '\r\n');
}

/** A header text as is when ASCII, else one RFC 2047 encoded word per 45 bytes of UTF-8. */
function encodedWords(text: string): string {
  const flat = text.replace(/[\r\n]+/g, ' ');
  if (/^[\x20-\x7e]*$/.test(flat)) return flat;
  const words: string[] = [];
  const chars = [...flat];
  let chunk = '';
  for (const ch of chars) {
    if (Buffer.byteLength(chunk + ch) > 45) {
      words.push(`=?UTF-8?B?${Buffer.from(chunk).toString('base64')}?=`);
      chunk = '';
    }
    chunk += ch;
  }
  if (chunk) words.push(`=?UTF-8?B?${Buffer.from(chunk).toString('base64')}?=`);
  return words.join('\r\n ');
}
