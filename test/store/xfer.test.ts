// XFER's store side between two stores in one process: the source freezes, exports and removes;
// the target stages and commits. What the wire carries (src/imap/xfer) is the same calls with
// the state sent as JSON, which these tests pass through the same parser.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isMailError } from '../../src/common/errors.js';
import { parseMailboxState, parseUserState, type MailStore } from '../../src/store/index.js';
import { makeEnv, message, type TestEnv } from './helpers.js';

let sourceEnv: TestEnv;
let targetEnv: TestEnv;
let source: MailStore;
let target: MailStore;
let sieveDirs: string[];

beforeEach(() => {
  sieveDirs = [mkdtempSync(join(tmpdir(), 'cyrusts-xfer-sieve-')), mkdtempSync(join(tmpdir(), 'cyrusts-xfer-sieve-'))];
  sourceEnv = makeEnv(`fsync_disabled: yes\nsievedir: ${sieveDirs[0]}`);
  targetEnv = makeEnv(`fsync_disabled: yes\nsievedir: ${sieveDirs[1]}`);
  source = sourceEnv.open();
  target = targetEnv.open();
});
afterEach(() => {
  sourceEnv.cleanup();
  targetEnv.cleanup();
  for (const dir of sieveDirs) rmSync(dir, { recursive: true, force: true });
});

async function kindOf(fn: () => unknown): Promise<string | null> {
  try {
    await fn();
    return null;
  } catch (err) {
    return isMailError(err) ? err.kind : String(err);
  }
}

/** fred with INBOX and Sent, messages with flags, keywords, dates, one expunged, another user's \Seen, and all that lives beside. */
async function fillFred(store: MailStore): Promise<void> {
  store.createMailbox('user.fred', { acl: 'fred\tlrswipkxtecdan\tann\tlrs\t' });
  store.createMailbox('user.fred.Sent', { acl: 'fred\tlrswipkxtecdan\t', specialUse: '\\Sent' });
  const inbox = store.openMailbox('user.fred');
  try {
    await inbox.append([
      { content: message('one'), flags: ['\\Seen', '$Important'], internalDate: new Date('2023-05-01T10:00:00Z') },
      { content: message('two'), flags: ['\\Flagged'], internalDate: new Date('2023-06-01T10:00:00Z') },
      { content: message('three'), flags: ['\\Deleted'], internalDate: new Date('2023-07-01T10:00:00Z') },
      { content: message('four', 'x'.repeat(5000)), internalDate: new Date('2023-08-01T10:00:00Z') },
    ], { userid: 'fred' });
    inbox.setFlags([2], 'add', ['\\Seen'], { userid: 'ann' });
    inbox.setFlags([4], 'add', ['\\Answered'], { userid: 'fred' });
    inbox.expunge();
  } finally {
    inbox.close();
  }
  const sent = store.openMailbox('user.fred.Sent');
  try {
    await sent.append([{ content: message('sent one'), flags: ['\\Seen'] }], { userid: 'fred' });
  } finally {
    sent.close();
  }
  store.setQuota('user.fred', { STORAGE: 1000, MESSAGE: 50, MAILBOX: null });
  store.annotations.apply(store.lookup('user.fred')!.uniqueId, [
    { entry: '/comment', userid: '', value: Buffer.from('shared note') },
    { entry: '/comment', userid: 'ann', value: Buffer.from('ann private') },
  ], { maxEntries: 0 });
  store.subscribe('fred', 'user.fred');
  store.subscribe('fred', 'user.fred.Sent');
  store.subscribe('fred', 'shared.news');
  store.sieveScripts.put('fred', 'main', Buffer.from('keep;\n'));
  store.sieveScripts.put('fred', 'other', Buffer.from('discard;\n'));
  store.sieveScripts.setActive('fred', 'main');
}

/** What a client can tell of a mailbox: counters and every record. */
function look(store: MailStore, name: string, userid: string) {
  const mailbox = store.openMailbox(name);
  try {
    const status = mailbox.status(userid);
    const records = mailbox.records(mailbox.snapshot(userid).uids.slice(), userid).map((r) => ({ uid: r.uid, modseq: r.modseq, flags: [...r.flags].sort(), internalDate: r.internalDate.toISOString(), size: r.size, guid: r.guid }));
    return { uidValidity: status.uidValidity, uidNext: status.uidNext, highestModseq: status.highestModseq, messages: status.messages, records };
  } finally {
    mailbox.close();
  }
}

/** Everything an XFER of `names` does, through the store calls the wire uses; the target's commit may be left out. */
async function transfer(xferId: string, names: string[], userid: string | null, opts: { commit?: boolean; chunk?: number } = {}) {
  source.xferBegin({ xferId, names, userid, target: 'target.test', partition: null, holder: `test:${xferId}`, leaseMs: 60_000 });
  const staging = target.xferStage(xferId);
  for (const name of names) {
    const exported = source.xferExport(name, xferId);
    try {
      staging.addMailbox(name, exported.entry.uniqueId, null, exported.entry.partition);
      for (const file of exported.files) {
        const chunk = opts.chunk ?? 1000;
        for (let offset = 0; offset < file.size || (offset === 0 && file.size === 0); offset += chunk) {
          const data = await exported.read(file.name, offset, Math.min(chunk, file.size - offset));
          await staging.write(name, [{ file: file.name, offset, data }]);
          if (file.size === 0) break;
        }
      }
      staging.setState(parseMailboxState(Buffer.from(JSON.stringify(exported.state()))));
    } finally {
      exported.close();
    }
  }
  if (userid !== null) staging.setUser(parseUserState(Buffer.from(JSON.stringify(source.xferExportUser(userid)))));
  if (opts.commit === false) return staging;
  await staging.commit();
  return staging;
}

describe('XFER between two stores', () => {
  it('moves a user whole: records, counters, seen state, ACL, annotations, quota, subscriptions, Sieve scripts', async () => {
    await fillFred(source);
    const before = { inbox: look(source, 'user.fred', 'fred'), ann: look(source, 'user.fred', 'ann'), sent: look(source, 'user.fred.Sent', 'fred') };
    const entry = source.lookup('user.fred')!;
    const quotaBefore = source.quotas.get('user.fred')!;

    await transfer('x1', ['user.fred', 'user.fred.Sent'], 'fred');

    expect(look(target, 'user.fred', 'fred')).toEqual(before.inbox);
    expect(look(target, 'user.fred', 'ann')).toEqual(before.ann);
    expect(look(target, 'user.fred.Sent', 'fred')).toEqual(before.sent);
    const moved = target.lookup('user.fred')!;
    expect(moved).toMatchObject({ uniqueId: entry.uniqueId, acl: entry.acl, uidValidity: entry.uidValidity, createdModseq: entry.createdModseq, type: [], server: null });
    expect(target.lookup('user.fred.Sent')!.specialUse).toBe('\\Sent');
    // The expunged message is still known (QRESYNC VANISHED) and restorable there.
    const inbox = target.openMailbox('user.fred');
    try {
      expect(inbox.changesSince(0, 'fred').expunged).toEqual([3]);
      expect(inbox.restorable().map((r) => r.uid)).toEqual([3]);
      expect(inbox.frozen).toBe(false);
      // Writable at once on the target, and the next modseq is past the old highest.
      const appended = await inbox.append([{ content: message('five') }], { userid: 'fred' });
      expect(appended.uids).toEqual([before.inbox.uidNext]);
      expect(inbox.status('fred').highestModseq).toBe(before.inbox.highestModseq + 1);
    } finally {
      inbox.close();
    }
    expect(target.annotations.everyValueOf(entry.uniqueId).map((a) => [a.entry, a.userid, a.value.toString()])).toEqual([
      ['/comment', '', 'shared note'], ['/comment', 'ann', 'ann private'],
    ]);
    const quota = target.quotas.get('user.fred')!;
    expect(quota.limits).toEqual(quotaBefore.limits);
    expect(quota.usage.messages).toBe(quotaBefore.usage.messages + 1);
    expect(target.subscriptions('fred')).toEqual(['shared.news', 'user.fred', 'user.fred.Sent']);
    expect(target.sieveScripts.list('fred')).toEqual([{ name: 'main', active: true }, { name: 'other', active: false }]);
    expect(target.sieveScripts.get('fred', 'other')!.toString()).toBe('discard;\n');
    // The header is written, so reconstruct and mbpath find the mailbox there.
    expect(existsSync(join(target.directoryOf('user.fred', moved.partition), 'cyrus.header'))).toBe(true);

    // The source is still whole until it is told to finish; then nothing of fred is left there.
    expect(look(source, 'user.fred', 'fred')).toEqual(before.inbox);
    const sourceDir = source.directoryOf('user.fred', entry.partition);
    expect(source.xferFinish('x1')).toEqual(['user.fred', 'user.fred.Sent']);
    expect(source.lookup('user.fred')).toBeNull();
    expect(source.lookup('user.fred.Sent')).toBeNull();
    expect(existsSync(join(sourceDir, 'cyrus.index'))).toBe(false);
    expect(source.quotas.get('user.fred')).toBeNull();
    expect(source.subscriptions('fred')).toEqual([]);
    expect(source.sieveScripts.list('fred')).toEqual([]);
    expect(source.seen.everyUserOf(entry.uniqueId)).toEqual([]);
    expect(source.annotations.everyValueOf(entry.uniqueId)).toEqual([]);
    expect(source.xferMoves('x1')).toEqual([]);
  });

  it('freezes the mailbox while it moves: writes refused with InUse, reads go on; abort thaws it', async () => {
    await fillFred(source);
    source.xferBegin({ xferId: 'x2', names: ['user.fred'], userid: 'fred', target: 'target.test', partition: null, holder: 'test', leaseMs: 60_000 });
    const inbox = source.openMailbox('user.fred');
    try {
      expect(inbox.frozen).toBe(true);
      expect(await kindOf(() => inbox.append([{ content: message('late') }]))).toBe('InUse');
      expect(await kindOf(() => inbox.setFlags([1], 'add', ['\\Flagged'], { userid: 'fred' }))).toBe('InUse');
      expect(await kindOf(() => inbox.setFlags([1], 'add', ['\\Seen'], { userid: 'ann' }))).toBe('InUse');
      expect(await kindOf(() => inbox.expunge({ uids: [1], force: true }))).toBe('InUse');
      expect(inbox.snapshot('fred').uids.length).toBe(3);
      expect(inbox.expireExpunged(0)).toEqual([]);
    } finally {
      inbox.close();
    }
    const uniqueId = source.lookup('user.fred')!.uniqueId;
    expect(await kindOf(() => source.setAcl('user.fred', 'fred\tlrs\t'))).toBe('InUse');
    expect(await kindOf(() => source.annotations.apply(uniqueId, [{ entry: '/comment', userid: '', value: Buffer.from('x') }], { maxEntries: 0 }))).toBe('InUse');
    expect(await kindOf(() => source.subscribe('fred', 'user.fred.Sent'))).toBe('InUse');
    expect(await kindOf(() => source.sieveScripts.put('fred', 'late', Buffer.from('keep;')))).toBe('InUse');
    expect(await kindOf(() => source.createMailbox('user.fred.New'))).toBe('InUse');
    expect(await kindOf(() => source.deleteMailbox('user.fred'))).toBe('InUse');
    expect(await kindOf(() => source.renameMailbox('user.fred', 'user.bob'))).toBe('InUse');
    expect(await kindOf(() => source.setQuota('user.fred', null))).toBe('InUse');
    // A second move of the same mailbox waits for this one.
    expect(await kindOf(() => source.xferBegin({ xferId: 'x3', names: ['user.fred'], userid: 'fred', target: 't', partition: null, holder: 'test', leaseMs: 60_000 }))).toBe('InUse');
    // Another user is not concerned.
    source.createMailbox('user.ann');
    source.subscribe('ann', 'user.ann');

    source.xferAbort('x2');
    const after = source.openMailbox('user.fred');
    try {
      expect(after.frozen).toBe(false);
      expect((await after.append([{ content: message('now') }])).uids).toEqual([5]);
    } finally {
      after.close();
    }
    source.subscribe('fred', 'user.fred.Sent');
    source.sieveScripts.put('fred', 'late', Buffer.from('keep;'));
    expect(source.xferMoves('x2')).toEqual([]);
  });

  it('a commit after the source asked how the move ended is refused, and the staging leaves nothing', async () => {
    await fillFred(source);
    const staging = await transfer('x4', ['user.fred'], null, { commit: false });
    // The target's answer to the source's question after a crash: not committed, so never.
    expect(target.xferOutcome('x4')).toBe('aborted');
    expect(await kindOf(() => staging.commit())).toBe('Cannot');
    staging.discard();
    expect(target.mailboxes.get('user.fred')).toBeNull();
    expect(existsSync(join(target.directoryOf('user.fred', 'default'), 'cyrus.index'))).toBe(false);
    expect(target.xferOutcome('x4')).toBe('aborted');
    // The source gives up and is whole again.
    source.xferAbort('x4');
    expect(source.openMailbox('user.fred').frozen).toBe(false);

    // The question arriving while a commit is under way (past its first checks, syncing files):
    // the commit's own transaction finds the answer given and refuses; nothing appears, nothing stays.
    const racing = await transfer('x4b', ['user.fred'], null, { commit: false });
    const committing = racing.commit();
    expect(target.xferOutcome('x4b')).toBe('aborted');
    expect(await kindOf(() => committing)).toBe('Cannot');
    racing.discard();
    expect(target.mailboxes.get('user.fred')).toBeNull();
    expect(target.quotas.get('user.fred')).toBeNull();
    expect(target.annotations.everyValueOf(source.lookup('user.fred')!.uniqueId)).toEqual([]);
    source.xferAbort('x4b');
  });

  it('answers committed to the question once the commit is in', async () => {
    await fillFred(source);
    await transfer('x5', ['user.fred.Sent'], null);
    expect(target.xferOutcome('x5')).toBe('committed');
    expect(target.lookup('user.fred.Sent')).not.toBeNull();
    // A single folder moves alone: its quota root (user.fred) stays where it was.
    source.xferFinish('x5');
    expect(source.lookup('user.fred')).not.toBeNull();
    expect(source.lookup('user.fred.Sent')).toBeNull();
    expect(source.quotas.get('user.fred')).not.toBeNull();
    expect(source.sieveScripts.list('fred').length).toBe(2);
  });

  it('refuses a commit with a file incomplete, or an index that is not the mailbox announced; the name is reserved meanwhile', async () => {
    await fillFred(source);
    source.xferBegin({ xferId: 'x6', names: ['user.fred', 'user.fred.Sent'], userid: null, target: 't', partition: null, holder: 'test', leaseMs: 60_000 });
    const inbox = source.xferExport('user.fred', 'x6');
    const sent = source.xferExport('user.fred.Sent', 'x6');
    const all = async (exported: typeof inbox) => Promise.all(exported.files.map(async (f) => ({ file: f.name, offset: 0, data: await exported.read(f.name, 0, f.size) })));

    // A message file cut short.
    const short = target.xferStage('x6');
    short.addMailbox('user.fred', inbox.entry.uniqueId, null, 'default');
    const pieces = await all(inbox);
    const big = pieces.find((p) => p.file === '4.')!;
    await short.write('user.fred', pieces.map((p) => (p === big ? { ...p, data: p.data.subarray(0, 100) } : p)));
    short.setState(inbox.state());
    expect(await kindOf(() => short.commit())).toBe('Invalid');
    // The name is reserved meanwhile: a CREATE here is refused, nothing is listed.
    expect(target.lookup('user.fred')).toBeNull();
    expect(await kindOf(() => target.createMailbox('user.fred'))).toBe('Exists');
    // Out of order and foreign file names are refused as they come.
    expect(await kindOf(() => short.write('user.fred', [{ file: '4.', offset: 5000, data: Buffer.from('x') }]))).toBe('Invalid');
    expect(await kindOf(() => short.write('user.fred', [{ file: '../evil', offset: 0, data: Buffer.from('x') }]))).toBe('Invalid');
    expect(await kindOf(() => short.write('user.fred', [{ file: 'cyrus.header', offset: 0, data: Buffer.from('x') }]))).toBe('Invalid');
    short.discard();
    expect(target.mailboxes.get('user.fred')).toBeNull();

    // Sent's index and files sent as if they were the INBOX: every file complete, but not the mailbox announced.
    const swapped = target.xferStage('x6');
    swapped.addMailbox('user.fred', inbox.entry.uniqueId, null, 'default');
    await swapped.write('user.fred', await all(sent));
    swapped.setState({ ...sent.state(), name: 'user.fred', uniqueId: inbox.entry.uniqueId });
    expect(await kindOf(() => swapped.commit())).toBe('Invalid');
    swapped.discard();
    expect(target.mailboxes.get('user.fred')).toBeNull();
    target.createMailbox('user.fred');
    inbox.close();
    sent.close();
    source.xferAbort('x6');
  });

  it('refuses a user state that does not go with the INBOX moved, or names no mailbox', async () => {
    await fillFred(source);
    const staging = await transfer('x8', ['user.fred'], null, { commit: false });
    staging.setUser({ userid: 'ann', subscriptions: [], sieve: { active: null, scripts: [] } });
    expect(await kindOf(() => staging.commit())).toBe('Invalid');
    staging.setUser({ userid: 'fred', subscriptions: ['user..bad'], sieve: { active: null, scripts: [] } });
    expect(await kindOf(() => staging.commit())).toBe('BadName');
    staging.discard();
    source.xferAbort('x8');
    expect(target.mailboxes.get('user.fred')).toBeNull();
    expect(target.subscriptions('ann')).toEqual([]);
  });

  it('a commit a crash interrupted before the thaw is finished by xferSettlePending', async () => {
    await fillFred(source);
    await transfer('x7', ['user.fred'], null);
    const dir = target.directoryOf('user.fred', target.lookup('user.fred')!.partition);
    // What a crash between the mailboxes.db commit and the thaw leaves: frozen, log unsettled.
    const raw = new Database(join(dir, 'cyrus.index'));
    raw.prepare("UPDATE mailbox SET xfer = 'x7'").run();
    raw.close();
    const list = new Database(join(targetEnv.dir, 'conf', 'mailboxes.db'));
    list.prepare("UPDATE xfer_log SET settled = 0 WHERE xfer_id = 'x7'").run();
    list.close();
    expect(target.openMailbox('user.fred').frozen).toBe(true);
    expect(target.xferSettlePending()).toEqual(['x7']);
    expect(target.openMailbox('user.fred').frozen).toBe(false);
    expect(target.xferSettlePending()).toEqual([]);
    expect(readFileSync(join(dir, 'cyrus.header')).length).toBeGreaterThan(0);
  });
});
