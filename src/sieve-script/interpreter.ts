/**
 * Running a checked program against one message (RFC 5228 section 2.10 and the extensions): tests
 * read the header block (parsed once per run, when a test first needs it), actions accumulate with
 * the implicit keep, duplicates collapse, and the incompatibilities become a runtime error.
 */
import { addressParts, addrSpecOf, parseAddressList } from './address.js';
import { bodyTexts } from './body.js';
import { dateValuesOf } from './date.js';
import { addFlags, normaliseFlags, removeFlags } from './flags.js';
import { decodeEncodedWords, parseHeaderBlock } from './headers.js';
import { matchAny, type MatchSpec } from './match.js';
import { addressBookOf, unsupportedList } from './extlists.js';
import { encodeUrl, notifyMethodCapability, validNotifyMethod } from './notify.js';
import { byMode, dsnNotify, dsnRet, MAX_BY_SECONDS, parseDateTime } from './redirect.js';
import { RegexKeyError } from './regex.js';
import type { Command, Fcc, FieldIndex, Test } from './program.js';
import type { DeliverBy, FccAction, CompiledProgram, DuplicateCheck, IncludeLoader, RedirectDsn, SieveAction, SieveEnvironment, SieveMessage, SieveOutcome } from './types.js';
import { vacationHandle, vacationSubject, vacationSuppressed } from './vacation.js';

export class SieveRuntimeError extends Error {}

class Stop {}
/** `return` (RFC 6609): end the current script, going on in the one that included it. */
class Return {}

/** How deep includes may nest, and how many a run may make in all (RFC 6609 leaves both to us). */
export const MAX_INCLUDE_DEPTH = 10;
export const MAX_INCLUDES = 50;

/** What one script running (the top one, or an included one) has of its own. */
interface Scope {
  program: CompiledProgram;
  variables: Map<string, string>;
  /** The names declared `global` in this script: these read and write the run's shared variables. */
  globals: Set<string>;
  hasVariables: boolean;
}

export interface RunLimits {
  maxRedirects: number;
  include?: IncludeLoader;
  /** The running script's name among the user's scripts (an include of it is a loop). */
  scriptName?: string;
}

/** Variable values are cut at this length so that `set` cannot build a huge string. */
const MAX_VARIABLE_LENGTH = 64 * 1024;
const variableReference = /\$\{([A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*|[0-9]+)\}/g;

export function runProgram(program: CompiledProgram, message: SieveMessage, env: SieveEnvironment, limits: RunLimits): SieveOutcome {
  const run = new Run(program, message, env, limits);
  const failed = (e: SieveRuntimeError): SieveOutcome => run.withLogs({ actions: [{ type: 'keep', flags: run.flagsOrNull() }], error: e.message });
  try {
    run.block(program.commands);
  } catch (e) {
    if (e instanceof Stop || e instanceof Return) {
      // stop: end of the script.
    } else if (e instanceof SieveRuntimeError) {
      return failed(e);
    } else {
      throw e;
    }
  }
  try {
    const actions = run.finish();
    const outcome: SieveOutcome = { actions, error: null };
    const duplicates = run.duplicateChecks();
    if (duplicates.length > 0) outcome.duplicates = duplicates;
    const header = run.editedHeader();
    if (header !== null) outcome.header = header;
    return run.withLogs(outcome);
  } catch (e) {
    if (e instanceof SieveRuntimeError) return failed(e);
    throw e;
  }
}

class Run {
  private readonly actions: SieveAction[] = [];
  private implicitKeep = true;
  private explicitKeep: { type: 'keep'; flags: readonly string[] | null } | null = null;
  private redirects = 0;
  private internalFlags: string[] = [];
  /** Variables declared `global` (RFC 6609), shared by every script of the run. */
  private readonly globalVariables = new Map<string, string>();
  private scope: Scope;
  /** The scripts being included (location and name), outermost first: an include of one of them is a loop. */
  private readonly includeStack: string[] = [];
  private readonly included = new Set<string>();
  private includes = 0;
  private matchVariables: string[] = [];
  private headers: Map<string, string[]> | null = null;
  private readonly decoded = new Map<string, string[]>();
  /** The body test's texts by transform, decoded once per run. */
  private readonly bodies = new Map<string, string[]>();
  private hasFlags: boolean;
  private readonly maxRedirects: number;
  /** The duplicate tests' checks by handle and id: a second test of the same pair answers the same. */
  private readonly duplicates = new Map<string, DuplicateCheck>();

  /** The header's fields once editheader changed them (latin1 text, so that every byte stays as it came), else null. */
  private fields: Array<{ name: string; text: string }> | null = null;

  editedHeader(): Buffer | null {
    return this.fields === null ? null : Buffer.from(`${this.fields.map((f) => `${f.text}\r\n`).join('')}\r\n`, 'latin1');
  }

  private editableFields(): Array<{ name: string; text: string }> {
    if (this.fields === null) this.fields = splitFields(this.message.header);
    // Tests from now on see the edited header.
    this.headers = null;
    this.decoded.clear();
    return this.fields;
  }

  private addHeader(c: Extract<Command, { kind: 'addheader' }>): void {
    const name = this.expand(c.name);
    if (!/^[\x21-\x39\x3b-\x7e]+$/.test(name)) this.fail(c.line, `addheader: invalid header name "${name}"`);
    if (PROTECTED_HEADERS.has(name.toLowerCase())) return;
    const field = { name: name.toLowerCase(), text: `${name}: ${headerValueText(this.expand(c.value))}` };
    const fields = this.editableFields();
    if (c.last) fields.push(field);
    else fields.unshift(field);
  }

  private deleteHeader(c: Extract<Command, { kind: 'deleteheader' }>): void {
    const name = this.expand(c.name).toLowerCase();
    if (PROTECTED_HEADERS.has(name)) return;
    const fields = this.editableFields();
    const positions: number[] = [];
    fields.forEach((f, i) => { if (f.name === name) positions.push(i); });
    let candidates = positions;
    if (c.index !== null) {
      const at = c.last ? positions.length - c.index : c.index - 1;
      candidates = at >= 0 && at < positions.length ? [positions[at]!] : [];
    }
    const keys = c.patterns === null ? null : this.expandAll(c.patterns);
    const doomed = new Set<number>();
    for (const i of candidates) {
      if (keys !== null) {
        const value = decodeEncodedWords(fieldValue(fields[i]!.text));
        let outcome;
        try {
          outcome = matchAny(c.match, [value], keys, this.scope.program.globs);
        } catch (e) {
          if (e instanceof RegexKeyError) this.fail(c.line, e.message);
          throw e;
        }
        if (!outcome.matched) continue;
      }
      doomed.add(i);
    }
    if (doomed.size > 0) this.fields = fields.filter((_, i) => !doomed.has(i));
  }

  duplicateChecks(): DuplicateCheck[] {
    return [...this.duplicates.values()];
  }

  /** What `log` (vnd.cyrus.log) wrote, in order. */
  private readonly logs: string[] = [];
  /** The :id of each notification the legacy notify draft made (denotify cancels by it). */
  private readonly legacyIds = new Map<SieveAction, string | null>();

  withLogs(outcome: SieveOutcome): SieveOutcome {
    if (this.logs.length > 0) outcome.logs = [...this.logs];
    return outcome;
  }

  constructor(
    program: CompiledProgram,
    private readonly message: SieveMessage,
    private readonly env: SieveEnvironment,
    private readonly limits: RunLimits,
  ) {
    this.maxRedirects = limits.maxRedirects;
    this.scope = newScope(program);
    this.hasFlags = program.requires.has('imap4flags');
    if (limits.scriptName !== undefined) this.includeStack.push(`personal:${limits.scriptName}`);
  }

  private get hasVariables(): boolean {
    return this.scope.hasVariables;
  }

  private getVariable(name: string): string | undefined {
    return (this.scope.globals.has(name) ? this.globalVariables : this.scope.variables).get(name);
  }

  private setVariable(name: string, value: string): void {
    (this.scope.globals.has(name) ? this.globalVariables : this.scope.variables).set(name, value);
  }

  /** include (RFC 6609 3.2): run the named script in its own scope; a loop, or a missing script without :optional, is an error. */
  private include(c: Extract<Command, { kind: 'include' }>): void {
    const key = `${c.location}:${c.name}`;
    if (c.once && this.included.has(key)) return;
    if (this.includeStack.includes(key)) this.fail(c.line, `include loop: "${c.name}" (${c.location}) is already being run`);
    if (this.includeStack.length >= MAX_INCLUDE_DEPTH) this.fail(c.line, `includes nested deeper than ${MAX_INCLUDE_DEPTH}`);
    if (++this.includes > MAX_INCLUDES) this.fail(c.line, `more than ${MAX_INCLUDES} includes in one run`);
    const loaded = this.limits.include === undefined ? null : this.limits.include(c.location, c.name);
    if (typeof loaded === 'string') this.fail(c.line, `include "${c.name}" (${c.location}): ${loaded}`);
    if (loaded === null) {
      if (c.optional) return;
      this.fail(c.line, `include: no ${c.location} script "${c.name}"`);
    }
    this.included.add(key);
    const program = loaded.program;
    if (program === undefined) return;
    if (program.requires.has('imap4flags')) this.hasFlags = true;
    const outer = this.scope;
    this.scope = newScope(program);
    this.includeStack.push(key);
    try {
      this.block(program.commands);
    } catch (e) {
      if (!(e instanceof Return)) throw e;
    } finally {
      this.includeStack.pop();
      this.scope = outer;
    }
  }

  flagsOrNull(): string[] | null {
    return this.hasFlags ? [...this.internalFlags] : null;
  }

  block(commands: readonly Command[]): void {
    for (const c of commands) this.command(c);
  }

  private fail(line: number, message: string): never {
    throw new SieveRuntimeError(`line ${line}: ${message}`);
  }

  private command(c: Command): void {
    switch (c.kind) {
      case 'if':
        for (const branch of c.branches) {
          if (branch.test === null || this.test(branch.test)) {
            this.block(branch.body);
            return;
          }
        }
        return;
      case 'stop':
        throw new Stop();
      case 'keep': {
        const flags = this.actionFlags(c.flags);
        this.implicitKeep = false;
        if (this.explicitKeep === null) {
          this.explicitKeep = { type: 'keep', flags };
          this.actions.push(this.explicitKeep);
        } else if (flags !== null) {
          this.explicitKeep.flags = addFlags(this.explicitKeep.flags ?? [], flags);
        }
        return;
      }
      case 'discard':
        this.implicitKeep = false;
        this.actions.push({ type: 'discard' });
        return;
      case 'fileinto': {
        const mailbox = this.expand(c.mailbox);
        const flags = this.actionFlags(c.flags);
        const specialUse = c.specialUse === null ? undefined : this.expand(c.specialUse);
        const mailboxId = c.mailboxId === null ? undefined : this.expand(c.mailboxId);
        if (specialUse !== undefined && !/^\\[A-Za-z][A-Za-z0-9]*$/.test(specialUse)) this.fail(c.line, `fileinto: :specialuse "${specialUse}" is not a special-use attribute`);
        if (!c.copy) this.implicitKeep = false;
        const same = this.actions.find((a): a is Extract<SieveAction, { type: 'fileinto' }> =>
          a.type === 'fileinto' && a.mailbox === mailbox && a.specialUse === specialUse && a.mailboxId === mailboxId);
        if (same !== undefined) {
          if (flags !== null) same.flags = addFlags(same.flags ?? [], flags);
          same.create ||= c.create;
          return;
        }
        this.actions.push({
          type: 'fileinto', mailbox, flags, create: c.create,
          ...(specialUse === undefined ? {} : { specialUse }), ...(mailboxId === undefined ? {} : { mailboxId }),
        });
        return;
      }
      case 'notify':
        this.notify(c);
        return;
      case 'notifyElsewhere':
        // The legacy draft's methods other than mailto went through Cyrus's notifyd: none here.
        this.logs.push(`notify: method "${c.method}" is not available here; notification not sent`);
        return;
      case 'denotify':
        this.denotify(c);
        return;
      case 'error':
        this.fail(c.line, `error: ${this.expand(c.message)}`);
      case 'redirect':
        this.redirect(c);
        return;
      case 'log':
        this.logs.push(this.expand(c.text));
        return;
      case 'reject': {
        if (this.actions.some((a) => a.type === 'reject')) this.fail(c.line, 'only one reject or ereject may be executed');
        this.implicitKeep = false;
        this.rejectLine = c.line;
        this.actions.push({ type: 'reject', reason: this.expand(c.reason), extended: c.extended });
        return;
      }
      case 'vacation':
        this.vacation(c);
        return;
      case 'flags': {
        const flags = normaliseFlags(c.flags.map((f) => this.expand(f)));
        const current = c.variable === null ? this.internalFlags : normaliseFlags([this.getVariable(c.variable.toLowerCase()) ?? '']);
        const next = c.op === 'set' ? flags : c.op === 'add' ? addFlags(current, flags) : removeFlags(current, flags);
        if (c.variable === null) this.internalFlags = next;
        else this.setVariable(c.variable.toLowerCase(), next.join(' '));
        return;
      }
      case 'set': {
        let value = this.expand(c.value);
        for (const m of c.modifiers) value = applyModifier(m, value);
        this.setVariable(c.name, value.slice(0, MAX_VARIABLE_LENGTH));
        return;
      }
      case 'include':
        this.include(c);
        return;
      case 'return':
        throw new Return();
      case 'addheader':
        this.addHeader(c);
        return;
      case 'deleteheader':
        this.deleteHeader(c);
        return;
      case 'global':
        for (const name of c.names) {
          // A variable the script set before declaring it global keeps its value in the shared set.
          const local = this.scope.variables.get(name);
          if (local !== undefined && !this.globalVariables.has(name)) this.globalVariables.set(name, local);
          this.scope.globals.add(name);
        }
        return;
    }
  }

  /**
   * redirect, to an address or (:list) to a list's members; the same target twice is one redirect.
   * The DSN parameters and the deliver-by time are checked once variables are expanded; an
   * absolute deliver-by time is made the seconds left from `now`, and one that leaves none in
   * mode "return" is an error (so the message is kept rather than sent to be returned at once).
   */
  private redirect(c: Extract<Command, { kind: 'redirect' }>): void {
    const written = this.expand(c.address);
    let address: string;
    if (c.list) {
      if (addressBookOf(written) === null) this.fail(c.line, unsupportedList('redirect :list', written));
      address = written;
    } else {
      const spec = addrSpecOf(written);
      if (spec === null) this.fail(c.line, `redirect: "${written}" is not a valid address`);
      address = spec;
    }
    const dsn = this.redirectDsn(c);
    const deliverBy = this.deliverBy(c);
    if (!c.copy) this.implicitKeep = false;
    const key = address.toLowerCase();
    if (this.actions.some((a) => a.type === 'redirect' && (a.list ?? false) === c.list && a.address.toLowerCase() === key)) return;
    this.redirects += 1;
    if (this.redirects > this.maxRedirects) this.fail(c.line, `too many redirects (at most ${this.maxRedirects})`);
    this.actions.push({
      type: 'redirect', address, ...(c.list ? { list: true } : {}), ...(dsn === null ? {} : { dsn }), ...(deliverBy === null ? {} : { deliverBy }),
    });
  }

  private redirectDsn(c: Extract<Command, { kind: 'redirect' }>): RedirectDsn | null {
    if (c.notify === null && c.ret === null) return null;
    let notify: string | null = null;
    if (c.notify !== null) {
      const value = this.expand(c.notify);
      notify = dsnNotify(value);
      if (notify === null) this.fail(c.line, `redirect: :notify "${value}" must be "NEVER" or a comma-separated list of "SUCCESS", "FAILURE" and "DELAY"`);
    }
    let ret: 'FULL' | 'HDRS' | null = null;
    if (c.ret !== null) {
      const value = this.expand(c.ret);
      ret = dsnRet(value);
      if (ret === null) this.fail(c.line, `redirect: :ret "${value}" must be "FULL" or "HDRS"`);
    }
    return { notify, ret };
  }

  private deliverBy(c: Extract<Command, { kind: 'redirect' }>): DeliverBy | null {
    if (c.byTime === null) return null;
    let mode: 'N' | 'R' = 'R';
    if (c.byMode !== null) {
      const value = this.expand(c.byMode);
      const m = byMode(value);
      if (m === null) this.fail(c.line, `redirect: :bymode "${value}" must be "notify" or "return"`);
      mode = m;
    }
    let seconds: number;
    if ('relative' in c.byTime) {
      seconds = c.byTime.relative;
    } else {
      const value = this.expand(c.byTime.absolute);
      const at = parseDateTime(value);
      if (at === null) this.fail(c.line, `redirect: :bytimeabsolute "${value}" is not an RFC 3339 date-time`);
      if (this.env.now === undefined) this.fail(c.line, 'redirect: :bytimeabsolute needs the current time, which is not known here');
      seconds = Math.floor((at - this.env.now.getTime()) / 1000);
    }
    if (seconds > MAX_BY_SECONDS) this.fail(c.line, `redirect: the deliver-by time is more than ${MAX_BY_SECONDS} seconds away`);
    if (mode === 'R' && seconds <= 0) this.fail(c.line, 'redirect: the deliver-by time leaves no time to deliver in mode "return"');
    return { seconds, mode, trace: c.byTrace };
  }

  private vacation(c: Extract<Command, { kind: 'vacation' }>): void {
    if (this.actions.some((a) => a.type === 'vacation')) this.fail(c.line, 'vacation may be executed only once');
    const args = {
      days: c.days, seconds: c.seconds,
      subject: c.subject === null ? null : this.expand(c.subject),
      from: c.from === null ? null : this.expand(c.from),
      addresses: c.addresses.map((a) => this.expand(a)),
      mime: c.mime,
      handle: c.handle === null ? null : this.expand(c.handle),
      reason: this.expand(c.reason),
    };
    const suppressed = vacationSuppressed(args, {
      header: (name) => this.headerValues(name),
      rawHeader: (name) => this.rawHeader(name),
      envelopeFrom: this.env.envelopeFrom,
      userAddresses: this.env.userAddresses,
    });
    // A vacation that sends nothing still counts for "only once" and reject's incompatibility.
    const seconds = c.seconds !== null ? c.seconds : (c.days ?? 7) * 86400;
    const messageId = this.headerValues('message-id')[0];
    const action: SieveAction = {
      type: 'vacation', to: this.env.envelopeFrom, from: args.from,
      subject: vacationSubject(args, this.headerValues('subject')[0] ?? null),
      reason: args.reason, mime: args.mime, handle: args.handle ?? vacationHandle(args), seconds,
      inReplyTo: messageId === undefined ? null : messageId.trim(),
      ...this.fccAction(c.line, c.fcc),
    };
    if (suppressed === null) this.actions.push(action);
    else this.suppressedVacation = true;
  }

  /**
   * notify (RFC 5435 3, RFC 5436): a method this server cannot use is a runtime error; a message that
   * is itself auto-submitted is never notified about (RFC 5436 2.7); the same notification twice is sent once.
   */
  private notify(c: Extract<Command, { kind: 'notify' }>): void {
    const method = this.expand(c.method);
    if (!validNotifyMethod(method)) this.fail(c.line, `notify: "${method}" is not a notification method this server can use`);
    const from = c.from === null ? null : this.expand(c.from);
    if (from !== null && addrSpecOf(from) === null) this.fail(c.line, `notify: :from "${from}" is not a valid address`);
    const importance = c.importance === null ? '2' : this.expand(c.importance);
    if (importance !== '1' && importance !== '2' && importance !== '3') this.fail(c.line, `notify: :importance must be "1", "2" or "3", not "${importance}"`);
    const autoSubmitted = this.headerValues('auto-submitted')[0];
    if (autoSubmitted !== undefined && autoSubmitted.trim().toLowerCase().split(/[\s;(]/)[0] !== 'no') return;
    const message = c.legacy !== undefined
      ? this.legacyMessage(c.message ?? '$from$: $subject$')
      : c.message === null
        ? `${this.headerValues('from')[0]?.trim() ?? '(unknown sender)'}: ${this.headerValues('subject')[0]?.trim() ?? '(no subject)'}`
        : this.expand(c.message);
    const action: SieveAction = {
      type: 'notify', method, from: from === null ? null : addrSpecOf(from), importance, options: this.expandAll(c.options), message, ...this.fccAction(c.line, c.fcc),
    };
    const key = JSON.stringify(action);
    if (this.actions.some((a) => a.type === 'notify' && JSON.stringify(a) === key)) return;
    this.actions.push(action);
    if (c.legacy !== undefined) this.legacyIds.set(action, c.legacy.id);
  }

  /**
   * The legacy draft's message variables: $from$ and $subject$ (the header fields), $env-from$ (the
   * envelope sender), $text$ and $text[N]$ (the first text part, or its first N characters).
   */
  private legacyMessage(template: string): string {
    let text: string | null = null;
    const bodyText = (): string => (text ??= bodyTexts(this.message.content, 'text', []).find((t) => t.trim() !== '') ?? '');
    return template.replace(/\$(from|env-from|subject|text)(?:\[(\d{1,6})\])?\$/gi, (_all, name: string, n?: string) => {
      switch (name.toLowerCase()) {
        case 'from': return this.headerValues('from')[0]?.trim() ?? '';
        case 'subject': return this.headerValues('subject')[0]?.trim() ?? '';
        case 'env-from': return this.env.envelopeFrom;
        default: return n === undefined ? bodyText() : bodyText().slice(0, Number(n));
      }
    });
  }

  /** denotify (legacy draft): drop the notifications made so far whose :id matches (every one without a key), at the priority given if any. */
  private denotify(c: Extract<Command, { kind: 'denotify' }>): void {
    const matches = (id: string | null): boolean => {
      if (c.match === null || c.key === null) return true;
      if (id === null) return false;
      const spec: MatchSpec = { type: c.match, relation: null, comparator: 'i;ascii-casemap' };
      return matchAny(spec, [id], [c.key], this.scope.program.globs).matched;
    };
    for (const [action, id] of [...this.legacyIds]) {
      if (action.type !== 'notify' || (c.importance !== null && action.importance !== c.importance) || !matches(id)) continue;
      const at = this.actions.indexOf(action);
      if (at >= 0) this.actions.splice(at, 1);
      this.legacyIds.delete(action);
    }
  }

  /** fcc (RFC 8580) with its variables expanded: the mailbox, its :create, :flags (none without), :specialuse and :mailboxid. */
  private fccAction(line: number, fcc: Fcc | null): { fcc?: FccAction } {
    if (fcc === null) return {};
    const specialUse = fcc.specialUse === null ? undefined : this.expand(fcc.specialUse);
    if (specialUse !== undefined && !/^\\[A-Za-z][A-Za-z0-9]*$/.test(specialUse)) this.fail(line, `fcc: :specialuse "${specialUse}" is not a special-use attribute`);
    return {
      fcc: {
        mailbox: this.expand(fcc.mailbox), create: fcc.create, flags: fcc.flags === null ? [] : normaliseFlags(fcc.flags.map((f) => this.expand(f))),
        ...(specialUse === undefined ? {} : { specialUse }), ...(fcc.mailboxId === null ? {} : { mailboxId: this.expand(fcc.mailboxId) }),
      },
    };
  }

  private suppressedVacation = false;
  private rejectLine = 0;

  finish(): SieveAction[] {
    const reject = this.actions.find((a) => a.type === 'reject');
    if (reject !== undefined) {
      const other = this.actions.find((a) => a.type === 'keep' || a.type === 'fileinto' || a.type === 'redirect' || a.type === 'vacation');
      const name = reject.extended ? 'ereject' : 'reject';
      if (other !== undefined) throw new SieveRuntimeError(`line ${this.rejectLine}: ${name} cannot be used with ${other.type}`);
      if (this.suppressedVacation) throw new SieveRuntimeError(`line ${this.rejectLine}: ${name} cannot be used with vacation`);
    }
    const out = [...this.actions];
    if (this.implicitKeep) out.push({ type: 'keep', flags: this.flagsOrNull() });
    return out;
  }

  /** The flags of a keep or fileinto: its :flags, else the internal variable's; null without imap4flags. */
  private actionFlags(given: readonly string[] | null): string[] | null {
    if (!this.hasFlags) return null;
    if (given === null) return [...this.internalFlags];
    return normaliseFlags(given.map((f) => this.expand(f)));
  }

  // ---- variables ----

  private expand(s: string): string {
    if (!this.hasVariables || !s.includes('${')) return s;
    return s.replace(variableReference, (whole, name: string) => {
      if (/^[0-9]+$/.test(name)) return this.matchVariables[Number(name)] ?? '';
      const lower = name.toLowerCase();
      // The "global" namespace (RFC 6609 3.5) names the shared variables from any script.
      if (lower.startsWith('global.') && this.scope.program.requires.has('include')) return this.globalVariables.get(lower.slice(7)) ?? '';
      if (name.includes('.')) return whole;
      return this.getVariable(lower) ?? '';
    });
  }

  private expandAll(list: readonly string[]): string[] {
    return this.hasVariables ? list.map((s) => this.expand(s)) : (list as string[]);
  }

  // ---- the message ----

  private headerMap(): Map<string, string[]> {
    if (this.headers === null) this.headers = parseHeaderBlock(this.editedHeader() ?? this.message.header);
    return this.headers;
  }

  private rawHeader(name: string): string[] {
    return this.headerMap().get(name) ?? [];
  }

  private headerValues(name: string): string[] {
    let values = this.decoded.get(name);
    if (values === undefined) {
      values = this.rawHeader(name).map(decodeEncodedWords);
      this.decoded.set(name, values);
    }
    return values;
  }

  // ---- tests ----

  /** One field's values, or only its :index'th occurrence (RFC 5260 section 6). */
  private indexed<T>(values: readonly T[], at: FieldIndex | undefined): T[] {
    if (at === undefined) return values as T[];
    const i = at.last ? values.length - at.index : at.index - 1;
    return i >= 0 && i < values.length ? [values[i]!] : [];
  }

  private dateValues(t: Extract<Test, { kind: 'date' }>): string[] | null {
    return dateValuesOf(t, (s) => this.expand(s), (n) => this.indexed(this.headerValues(n), t.at), this.env, (message) => {
      throw new SieveRuntimeError(message);
    });
  }

  private matched(spec: MatchSpec, values: readonly string[], keys: readonly string[]): boolean {
    const expanded = this.expandAll(keys);
    if (spec.type === 'list') {
      const unknown = expanded.find((k) => addressBookOf(k) === null);
      if (unknown !== undefined) throw new SieveRuntimeError(unsupportedList(':list', unknown));
    }
    let outcome;
    try {
      outcome = matchAny(spec, values, expanded, this.scope.program.globs, this.env.listContains?.bind(this.env));
    } catch (e) {
      if (e instanceof RegexKeyError) throw new SieveRuntimeError(e.message);
      throw e;
    }
    if (outcome.matched && outcome.captures !== null && this.hasVariables) this.matchVariables = outcome.captures;
    return outcome.matched;
  }

  private test(t: Test): boolean {
    switch (t.kind) {
      case 'true': return true;
      case 'false': return false;
      case 'not': return !this.test(t.test);
      case 'allof': return t.tests.every((x) => this.test(x));
      case 'anyof': return t.tests.some((x) => this.test(x));
      case 'exists': return this.expandAll(t.names).every((n) => this.rawHeader(n.toLowerCase()).length > 0);
      case 'size': return t.over ? this.message.size > t.limit : this.message.size < t.limit;
      case 'header': {
        const values = this.expandAll(t.names).flatMap((n) => this.indexed(this.headerValues(n.toLowerCase()), t.at));
        return this.matched(t.match, values, t.keys);
      }
      case 'address': {
        const addresses = this.expandAll(t.names).flatMap((n) => this.indexed(this.rawHeader(n.toLowerCase()), t.at).flatMap(parseAddressList));
        return this.matched(t.match, addressParts(addresses, t.part), t.keys);
      }
      case 'envelope': {
        const values: string[] = [];
        for (const name of this.expandAll(t.names).map((n) => n.toLowerCase())) {
          if (name === 'from') {
            // The null reverse-path is the empty string whatever the address part (RFC 5228 5.4).
            if (this.env.envelopeFrom === '') values.push('');
            else values.push(...addressParts(parseAddressList(this.env.envelopeFrom).slice(0, 1), t.part));
          } else if (name === 'to') {
            values.push(...addressParts(parseAddressList(this.env.envelopeTo).slice(0, 1), t.part));
          }
        }
        return this.matched(t.match, values, t.keys);
      }
      case 'body': {
        const types = this.expandAll(t.contentTypes);
        const cacheKey = `${t.transform} ${types.join('\n')}`;
        let texts = this.bodies.get(cacheKey);
        if (texts === undefined) {
          texts = bodyTexts(this.message.content, t.transform, types);
          this.bodies.set(cacheKey, texts);
        }
        return this.matched(t.match, texts, t.keys);
      }
      case 'hasflag': {
        const source = t.variables === null
          ? this.internalFlags
          : normaliseFlags(t.variables.map((v) => this.getVariable(v) ?? ''));
        return this.matched(t.match, source, t.keys);
      }
      case 'mailboxexists':
        return this.expandAll(t.names).every((n) => this.env.mailboxExists(n));
      case 'duplicate': {
        const handle = t.handle === null ? '' : this.expand(t.handle);
        // The unique id: :uniqueid, else the (first) value of :header, else of Message-ID (RFC 7352 3.1);
        // a message without it is never a duplicate, and nothing is recorded.
        const id = t.uniqueId !== null
          ? this.expand(t.uniqueId)
          : this.rawHeader(t.header === null ? 'message-id' : this.expand(t.header).toLowerCase())[0]?.trim();
        if (id === undefined || id === '') return false;
        const key = `${handle}\u0000${id}`;
        let check = this.duplicates.get(key);
        if (check === undefined) {
          check = { handle, id, seconds: t.seconds, last: t.last, seen: this.env.duplicateSeen?.(handle, id) ?? false };
          this.duplicates.set(key, check);
        } else {
          check.last ||= t.last;
          if (t.seconds !== null) check.seconds = t.seconds;
        }
        return check.seen;
      }
      case 'date': {
        const values = this.dateValues(t);
        return values !== null && this.matched(t.match, values, t.keys);
      }
      case 'environment': {
        const value = this.env.items?.[this.expand(t.name).toLowerCase()];
        return value !== undefined && this.matched(t.match, [value], t.keys);
      }
      case 'validextlist':
        return this.expandAll(t.lists).every((l) => addressBookOf(l) !== null && (this.env.listExists?.(l) ?? false));
      case 'ihave':
        return t.names.every((n) => this.scope.program.extensions.has(n) || n === 'comparator-i;octet' || n === 'comparator-i;ascii-casemap');
      case 'validnotifymethod':
        return this.expandAll(t.uris).every(validNotifyMethod);
      case 'notifycapability': {
        const value = notifyMethodCapability(this.expand(t.uri), this.expand(t.capability));
        return value !== null && this.matched(t.match, [value], t.keys);
      }
      case 'metadata': {
        const value = this.env.metadata?.(t.mailbox === null ? null : this.expand(t.mailbox), this.expand(t.entry)) ?? null;
        return value !== null && this.matched(t.match, [value], t.keys);
      }
      case 'metadataexists': {
        const mailbox = t.mailbox === null ? null : this.expand(t.mailbox);
        return this.expandAll(t.entries).every((e) => (this.env.metadata?.(mailbox, e) ?? null) !== null);
      }
      case 'specialuseexists':
        return this.env.hasSpecialUse?.(t.mailbox === null ? null : this.expand(t.mailbox), this.expandAll(t.uses)) ?? false;
      case 'mailboxidexists':
        return this.expandAll(t.ids).every((id) => this.env.mailboxIdExists?.(id) ?? false);
      case 'string': {
        let sources = this.expandAll(t.sources);
        // :count counts the strings that are not empty (RFC 5229 5).
        if (t.match.type === 'count') sources = sources.filter((s) => s !== '');
        return this.matched(t.match, sources, t.keys);
      }
    }
  }
}

/** Fields editheader never adds or deletes (RFC 5293 section 7: trace and loop-prevention fields). */
const PROTECTED_HEADERS = new Set(['received', 'auto-submitted']);

/** The fields of a header block, each with its lower-cased name and its text (continuation lines included, CRLF between). */
function splitFields(header: Buffer): Array<{ name: string; text: string }> {
  const fields: Array<{ name: string; text: string }> = [];
  for (const line of header.toString('latin1').split('\r\n')) {
    if (line === '') break;
    const last = fields[fields.length - 1];
    if ((line[0] === ' ' || line[0] === '\t') && last !== undefined) {
      last.text += `\r\n${line}`;
      continue;
    }
    const colon = line.indexOf(':');
    fields.push({ name: colon < 0 ? '' : line.slice(0, colon).trim().toLowerCase(), text: line });
  }
  return fields;
}

/** A field's value: after the colon, unfolded, trimmed; its bytes read as UTF-8 when they are. */
function fieldValue(text: string): string {
  const raw = text.slice(text.indexOf(':') + 1).replace(/\r\n/g, '').replace(/^[ \t]+|[ \t]+$/g, '');
  const bytes = Buffer.from(raw, 'latin1');
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return raw;
  }
}

/** An addheader value as header text: one line, non-ASCII text as RFC 2047 encoded words (RFC 5293 4). */
function headerValueText(value: string): string {
  const flat = value.replace(/[\r\n]+/g, ' ');
  if (/^[\x20-\x7e\t]*$/.test(flat)) return flat;
  const words: string[] = [];
  let chunk = '';
  for (const ch of flat) {
    if (Buffer.byteLength(chunk + ch) > 45) {
      words.push(`=?UTF-8?B?${Buffer.from(chunk).toString('base64')}?=`);
      chunk = '';
    }
    chunk += ch;
  }
  if (chunk !== '') words.push(`=?UTF-8?B?${Buffer.from(chunk).toString('base64')}?=`);
  return words.join('\r\n ');
}

function newScope(program: CompiledProgram): Scope {
  return { program, variables: new Map(), globals: new Set(), hasVariables: program.requires.has('variables') };
}

function applyModifier(m: string, value: string): string {
  switch (m) {
    case 'lower': return value.toLowerCase();
    case 'upper': return value.toUpperCase();
    case 'lowerfirst': return value.slice(0, 1).toLowerCase() + value.slice(1);
    case 'upperfirst': return value.slice(0, 1).toUpperCase() + value.slice(1);
    case 'quotewildcard': return value.replace(/[*?\\]/g, (c) => `\\${c}`);
    case 'encodeurl': return encodeUrl(value);
    case 'length': return String(Array.from(value).length);
    default: return value;
  }
}

