/**
 * The entry point every service uses to authenticate a connection: LOGIN/USER-PASS, SASL
 * exchanges, the mechanisms to offer, the login penalty and check queue (login-gate.ts), and the
 * resulting Identity.
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { ImapdConfig } from '../config/index.js';
import { silentLogger, type Logger } from '../common/log.js';
import { MailError } from '../common/errors.js';
import type { ConnectionContext } from './context.js';
import { LoginGate, accountName } from './login-gate.js';
import { GroupResolver, type GroupSources } from './groups.js';
import { systemReverseLookup, unmapAddress, type ReverseLookup } from './local-domain.js';
import { ANONYMOUS_USERID, makeIdentity, splitUserid, type Identity } from './identity.js';
import { PasswordChecker, type PwcheckMethod } from './password-check.js';
import { PasswordStore, scryptCost, type PasswordStoreOptions } from './password-store.js';
import { UseridRules, domainOfHostname } from './userids.js';
import { SaslExchange, createMechanism, type ExchangeOutcomes, type MechanismName } from './sasl/exchange.js';
import type { MechanismEnv, MechanismResult, ScramLookup } from './sasl/types.js';
import type { ScramHash } from './scram-keys.js';
import { UserDenyCheck } from './user-deny.js';
import { userDenyDbPath } from '../store/index.js';

export interface AuthenticatorOptions {
  /** The global imapd.conf (service views are taken per connection). */
  config: ImapdConfig;
  logger?: Logger;
  /**
   * virtdomains: on: host names of a local address, given without any "::ffff:" IPv4 mapping
   * (default: the system resolver, so /etc/hosts counts).
   */
  reverseLookup?: ReverseLookup;
  /** Password store tuning (tests lower the scrypt cost). */
  passwordStore?: PasswordStoreOptions;
  /** Group files (default /etc/group, /etc/passwd and auth_groupfile). */
  groups?: GroupSources;
  /** Per-address failed-login counts shared by every process (default configdirectory/logins.db; null: memory). */
  failureDb?: string | null;
  /** The deny list cyr_deny writes (default userdeny_db_path, else configdirectory/user_deny.db; null: nobody denied). */
  userDenyDb?: string | null;
  /** The clock of the authentication cache (tests). */
  now?: () => number;
  /** Server nonces for SCRAM (tests use fixed ones). */
  nonce?: () => string;
}

const ALL_MECHANISMS: MechanismName[] = ['SCRAM-SHA-256', 'SCRAM-SHA-1', 'PLAIN', 'LOGIN', 'ANONYMOUS', 'EXTERNAL'];
const PLAINTEXT = new Set<MechanismName>(['PLAIN', 'LOGIN']);
const DOMAIN_CACHE_MS = 5 * 60_000;

/** The account a SASL exchange has named so far (null until its client names one). */
interface ExchangeAttempt {
  account: string | null;
}

/** configdirectory/logins.db; null (memory only) when there is no configdirectory. */
function defaultFailureDb(config: ImapdConfig): string | null {
  try {
    return join(config.configDirectory, 'logins.db');
  } catch {
    return null;
  }
}

/** userdeny_db_path, else configdirectory/user_deny.db; null when there is no configdirectory. */
function defaultUserDenyDb(config: ImapdConfig): string | null {
  try {
    return userDenyDbPath(config);
  } catch {
    return null;
  }
}

export class Authenticator {
  readonly rules: UseridRules;
  private readonly logger: Logger;
  private readonly method: PwcheckMethod;
  private readonly checker: PasswordChecker;
  private readonly gate: LoginGate;
  private readonly groupResolver: GroupResolver;
  private readonly userDeny: UserDenyCheck;
  private readonly domainCache = new Map<string, { domain: string | null; at: number }>();
  private storeHandle: PasswordStore | null = null;

  private constructor(private readonly config: ImapdConfig, private readonly options: AuthenticatorOptions) {
    this.logger = options.logger ?? silentLogger();
    this.rules = new UseridRules(config);
    this.method = config.enum<PwcheckMethod>('sasl_pwcheck_method');
    this.checker = new PasswordChecker({
      method: this.method,
      logger: this.logger,
      store: () => this.store,
      saslauthdPath: config.path('sasl_saslauthd_path') ?? '/var/run/saslauthd/mux',
      cacheTtlMs: (config.seconds('auth_cache_ttl') ?? 0) * 1000,
      now: options.now,
    });
    this.gate = new LoginGate(
      {
        baseDelayMs: (config.seconds('auth_failure_delay') ?? 0) * 1000,
        maxDelayMs: (config.seconds('auth_failure_delay_max') ?? 30) * 1000,
        maxFailures: config.int('auth_max_failures'),
        dbFile: options.failureDb === undefined ? defaultFailureDb(config) : options.failureDb,
        logger: this.logger,
      },
      { concurrency: config.int('auth_check_concurrency'), perAddress: config.int('auth_check_per_address') },
      this.logger,
    );
    this.groupResolver = new GroupResolver({ groupFile: config.path('auth_groupfile'), ...options.groups });
    this.userDeny = new UserDenyCheck(options.userDenyDb === undefined ? defaultUserDenyDb(config) : options.userDenyDb, !config.bool('fsync_disabled'), this.logger);
    if (this.method === 'alwaystrue') {
      this.logger.warn('sasl_pwcheck_method is alwaystrue: ANY password is accepted. Never use this outside tests.');
    }
  }

  static create(options: AuthenticatorOptions): Authenticator {
    return new Authenticator(options.config, options);
  }

  /** The auxprop password store (opened on first use). */
  get store(): PasswordStore {
    this.storeHandle ??= PasswordStore.open(this.config.path('auth_passwd_db')!, this.options.passwordStore ?? { scrypt: scryptCost(this.config) });
    return this.storeHandle;
  }

  close(): void {
    this.storeHandle?.close();
    this.storeHandle = null;
    this.gate.close();
    this.userDeny.close();
  }

  /** Whether cyr_deny changed the deny list since the last call (see sweepDenied). */
  denyListChanged(): boolean {
    return this.userDeny.changed();
  }

  /**
   * The message for a session logged in as `identity` that the deny list now refuses `service`;
   * null when it does not (or an administrator authenticated, as at login).
   */
  denialOf(identity: Identity, service: string): string | null {
    if (this.rules.adminKind(identity.authenticatedAs ?? identity.userid, service) !== null) return null;
    return this.userDeny.denial(identity.userid, service);
  }

  /** Plaintext passwords (LOGIN, PLAIN, POP3 USER/PASS) are allowed on this connection. */
  plaintextAllowed(ctx: ConnectionContext): boolean {
    return ctx.tls || ctx.unixSocket || this.config.forService(ctx.service).bool('allowplaintext');
  }

  /** SASL mechanisms to offer on this connection, in order of preference. */
  mechanisms(ctx: ConnectionContext): MechanismName[] {
    const service = this.config.forService(ctx.service);
    if (service.int('sasl_minimum_layer') > 1 && !ctx.tls && !ctx.unixSocket) return [];
    const wanted = service.list('sasl_mech_list').map((m) => m.toUpperCase());
    return ALL_MECHANISMS.filter((mech) => {
      if (wanted.length > 0 && !wanted.includes(mech)) return false;
      if (mech.startsWith('SCRAM-')) return this.checker.hasScramSecrets;
      if (PLAINTEXT.has(mech)) return this.plaintextAllowed(ctx);
      if (mech === 'ANONYMOUS') return service.bool('allowanonymouslogin');
      // EXTERNAL: a trusted local client, or a verified client certificate.
      return ctx.unixSocket || Boolean(ctx.certificateIdentity);
    });
  }

  /**
   * IMAP LOGIN / POP3 USER+PASS. Throws AuthFailed (detail.disconnect: close the connection after
   * answering), NoPerm (detail.privacyRequired) without TLS, Temp (detail.busy) when the address
   * has too many attempts in progress.
   */
  async login(user: string, password: string, ctx: ConnectionContext): Promise<Identity> {
    if (!this.plaintextAllowed(ctx)) {
      throw new MailError('NoPerm', 'plaintext login needs TLS', { privacyRequired: true });
    }
    try {
      if (user.toLowerCase() === ANONYMOUS_USERID && this.config.forService(ctx.service).bool('allowanonymouslogin')) {
        return await this.authorize({ kind: 'anonymous', trace: '' }, ctx);
      }
      const userid = await this.checkPassword(user, password, ctx);
      return await this.authorize({ kind: 'user', userid, authzid: '' }, ctx);
    } catch (err) {
      throw this.gate.failed(ctx, err, null);
    }
  }

  /**
   * Check a plaintext password, after the login penalty and through the check queue; the canonical
   * userid, or MailError AuthFailed (detail.account: the account tried), Temp (detail.busy).
   * Not counted here: login() and SASL exchanges count the outcome.
   */
  async checkPassword(login: string, password: string, ctx: ConnectionContext): Promise<string> {
    const userid = this.rules.tryCanonical(login, await this.connectionDomain(ctx));
    const account = accountName(login, userid);
    const ok = await this.gate.attempt(ctx, account, (schedule) => this.checker.check(userid, password, ctx.service, schedule));
    if (!ok || userid === null) throw new MailError('AuthFailed', 'authentication failed', { account });
    return userid;
  }

  /** Begin a SASL exchange; call step(initialResponse ?? null) first. Its errors are login()'s. */
  startSasl(mechanism: string, ctx: ConnectionContext): SaslExchange {
    const name = mechanism.toUpperCase() as MechanismName;
    if (!this.mechanisms(ctx).includes(name)) {
      throw new MailError('Invalid', 'mechanism not available', { unsupportedMechanism: true });
    }
    const attempt: ExchangeAttempt = { account: null };
    const outcomes: ExchangeOutcomes = {
      failed: (err) => this.gate.failed(ctx, err, attempt.account),
      abandoned: () => this.gate.abandoned(ctx, attempt.account),
    };
    return new SaslExchange(createMechanism(name, this.mechanismEnv(ctx, attempt)), (result) => this.authorize(result, ctx), outcomes);
  }

  /** Password checks running and waiting in this process (tests, metrics). */
  get checkLoad(): { running: number; waiting: number } {
    return this.gate.checkLoad;
  }

  /** The penalty an attempt from this connection (on `account`, when given) would wait now. */
  failureDelay(ctx: ConnectionContext, account: string | null = null): number {
    return this.gate.failureDelay(ctx, account);
  }

  /** The Identity of canonical `userid` as seen by `service` (admin flags, groups). */
  identityOf(userid: string, service: string, authenticatedAs: string | null = null): Identity {
    const { localPart, domain } = splitUserid(userid);
    const kind = this.rules.adminKind(userid, service);
    return makeIdentity({
      localPart,
      domain,
      isAdmin: kind !== null,
      isDomainAdmin: kind === 'domain',
      authenticatedAs,
      groups: () => this.groupResolver.groupsOf(userid),
    });
  }

  /** virtdomains: on: the domain of the local address the client reached (cached), else null. */
  async connectionDomain(ctx: ConnectionContext): Promise<string | null> {
    if (this.rules.virtdomains !== 'on' || !ctx.localAddress || ctx.unixSocket) return null;
    const address = unmapAddress(ctx.localAddress);
    const cached = this.domainCache.get(address);
    if (cached && Date.now() - cached.at < DOMAIN_CACHE_MS) return cached.domain;
    let domain: string | null = null;
    try {
      const names = await (this.options.reverseLookup ?? systemReverseLookup)(address);
      domain = names[0] ? domainOfHostname(names[0]) : null;
    } catch (err) {
      this.logger.debug({ address, err: (err as Error).message }, 'reverse lookup of local address failed');
    }
    this.domainCache.set(address, { domain, at: Date.now() });
    return domain;
  }

  private mechanismEnv(ctx: ConnectionContext, attempt: ExchangeAttempt): MechanismEnv {
    const authenticator = this;
    return {
      // Its AuthFailed errors name the account (detail.account).
      checkPassword: (login, password) => this.checkPassword(login, password, ctx),
      // SCRAM's verdict comes with the next message: the penalty is waited out before the salt is sent.
      scramLookup: async (login: string, hash: ScramHash): Promise<ScramLookup> => {
        const userid = this.rules.tryCanonical(login, await this.connectionDomain(ctx));
        attempt.account = accountName(login, userid);
        return this.gate.attempt(ctx, attempt.account, async (): Promise<ScramLookup> => {
          const credentials = userid === null ? null : this.store.scramCredentials(userid, hash);
          if (credentials && userid !== null) return { userid, credentials };
          // Keyed by the canonical name when there is one, so "Ghost" and "ghost" get one salt as a real user would.
          return { userid: null, credentials: null, fakeSalt: this.store.fakeScramSalt(userid ?? login, hash) };
        });
      },
      get defaultIterations() {
        return authenticator.store.defaultScramIterations;
      },
      nonce: this.options.nonce ?? (() => randomBytes(18).toString('base64')),
    };
  }

  /**
   * The canonical userid a verified client certificate names, after the login penalty of this
   * address (no check queue: nothing is checked but the name); AuthFailed when the name is no userid.
   */
  private async certificateUser(name: string, ctx: ConnectionContext): Promise<string> {
    const userid = this.rules.tryCanonical(name, await this.connectionDomain(ctx));
    const account = accountName(name, userid);
    return this.gate.attempt(ctx, account, async () => {
      if (userid === null) throw new MailError('AuthFailed', 'the client certificate names no valid user', { account });
      return userid;
    });
  }

  /** Turn a finished mechanism into an Identity, enforcing who may act as whom. */
  private async authorize(result: MechanismResult, ctx: ConnectionContext): Promise<Identity> {
    const service = this.config.forService(ctx.service);
    if (result.kind === 'anonymous') {
      if (!service.bool('allowanonymouslogin')) throw new MailError('AuthFailed', 'anonymous login is not allowed');
      this.logger.info({ service: ctx.service, remote: ctx.remoteAddress, trace: result.trace.slice(0, 255) }, 'anonymous login');
      return makeIdentity({ localPart: ANONYMOUS_USERID, domain: null, isAnonymous: true });
    }
    if (result.kind === 'external' && ctx.certificateIdentity) {
      // The certificate names the user (its subject CN) as a password check would: from here on
      // it is a login like any other (proxy rights for another authzid, cyr_deny, the login line).
      result = { kind: 'user', userid: await this.certificateUser(ctx.certificateIdentity, ctx), authzid: result.authzid };
    }
    if (result.kind === 'external') {
      if (!ctx.unixSocket) throw new MailError('AuthFailed', 'EXTERNAL needs a UNIX socket or a client certificate');
      const admin = [...this.rules.admins(ctx.service)].find((id) => !id.includes('@'));
      if (admin === undefined) throw new MailError('AuthFailed', 'EXTERNAL needs a global admin in admins');
      if (result.authzid === '') return this.identityOf(admin, ctx.service);
      const target = this.rules.tryCanonical(result.authzid);
      if (target === null) throw new MailError('NoPerm', 'malformed authorization identity');
      return this.identityOf(target, ctx.service, admin);
    }
    const { userid, authzid } = result;
    // The password (or proof) was right: forgive this account's failures from this address.
    this.gate.succeeded(ctx, userid);
    let identity: Identity;
    // An unqualified authzid is in the domain of the user who authenticated (as Cyrus qualifies it).
    const ownDomain = splitUserid(userid).domain;
    const qualified = ownDomain !== null && this.rules.virtdomains !== 'off' && !/[@%]/.test(authzid) ? `${authzid}@${ownDomain}` : authzid;
    const target = authzid === '' ? userid : this.rules.tryCanonical(qualified, await this.connectionDomain(ctx));
    if (target === null) throw new MailError('NoPerm', 'malformed authorization identity');
    if (target === userid) {
      identity = this.identityOf(userid, ctx.service);
    } else {
      const kind = this.rules.adminKind(userid, ctx.service);
      const allowed =
        kind === 'global' ||
        (kind === 'domain' && splitUserid(target).domain === splitUserid(userid).domain) ||
        this.rules.proxyServers(ctx.service).has(userid);
      if (!allowed) {
        this.logger.info({ service: ctx.service, userid, authzid: target }, 'proxy login refused');
        throw new MailError('NoPerm', 'not allowed to act as another user');
      }
      identity = this.identityOf(target, ctx.service, userid);
    }
    // cyr_deny: the user logged in as is refused this service, unless an admin authenticated (as in Cyrus).
    if (this.rules.adminKind(userid, ctx.service) === null) this.userDeny.check(identity.userid, ctx.service);
    // The one "login" line of a login, whatever the protocol (the sessions log none of their own).
    this.logger.info({ service: ctx.service, sid: ctx.sessionId, remote: ctx.remoteAddress, userid: identity.userid, authenticatedAs: identity.authenticatedAs }, 'login');
    return identity;
  }
}
