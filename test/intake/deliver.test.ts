// Delivery of one message into several mailboxes and APPEND through the intake, against a real store.
import { statSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MailError, silentLogger } from '../../src/common/index.js';
import { Intake, type DeliveryRecipient, type IntakeHooks } from '../../src/intake/index.js';
import type { MailStore } from '../../src/store/index.js';
import { makeEnv, type TestEnv } from '../store/helpers.js';

let env: TestEnv;
let store: MailStore;
beforeEach(() => {
  env = makeEnv('fsync_disabled: yes');
  store = env.open();
  for (const name of ['user.fred', 'user.joe', 'user.ann']) store.createMailbox(name, { partition: 'default' });
  store.createMailbox('user.zed', { partition: 'other' });
});
afterEach(() => env.cleanup());

const intakeWith = (hooks: Partial<IntakeHooks> = {}) => new Intake({ store, config: env.config, logger: silentLogger(), hooks });
const text = (subject: string) => Buffer.from(`Message-ID: <${subject}@x>\nSubject: ${subject}\n\nbody\n`);
const to = (mailbox: string, userid: string | null = mailbox.split('.')[1]!): DeliveryRecipient => ({ mailbox, userid });

function fileOf(name: string, uid: number): { path: string; inode: number } {
  const box = store.openMailbox(name);
  try {
    const path = box.messagePath(uid);
    return { path, inode: statSync(path).ino };
  } finally {
    box.close();
  }
}

describe('Intake.deliver', () => {
  it('delivers one message to several mailboxes, one file per partition, hard links for the rest', async () => {
    const intake = intakeWith();
    const message = intake.prepare({ bytes: text('hello') });
    const outcomes = await intake.deliver(message, [to('user.fred'), to('user.joe'), to('user.zed'), to('user.ann')]);
    expect(outcomes.map((o) => o.status)).toEqual(['delivered', 'delivered', 'delivered', 'delivered']);
    expect(outcomes.map((o) => (o.status === 'delivered' ? [o.mailbox, o.uid] : null))).toEqual([['user.fred', 1], ['user.joe', 1], ['user.zed', 1], ['user.ann', 1]]);
    const fred = fileOf('user.fred', 1);
    expect(fileOf('user.joe', 1).inode).toBe(fred.inode);
    expect(fileOf('user.ann', 1).inode).toBe(fred.inode);
    expect(statSync(fred.path).nlink).toBe(3);
    expect(fileOf('user.zed', 1).inode).not.toBe(fred.inode); // another partition: its own file
    const box = store.openMailbox('user.ann');
    try {
      expect((await box.readMessage(1)).toString()).toBe('Message-ID: <hello@x>\r\nSubject: hello\r\n\r\nbody\r\n');
      expect(box.summary(1)?.envelope.subject).toBe('hello');
    } finally {
      box.close();
    }
  });

  it('without single-instance store writes every copy', async () => {
    const intake = new Intake({ store, config: env.config, logger: silentLogger(), settings: { singleInstance: false } });
    await intake.deliver(intake.prepare({ bytes: text('a') }), [to('user.fred'), to('user.joe')]);
    expect(fileOf('user.joe', 1).inode).not.toBe(fileOf('user.fred', 1).inode);
  });

  it('fails one recipient alone: a missing mailbox and a quota refusal', async () => {
    const intake = intakeWith({
      chargeQuota: (entry) => {
        if (entry.name === 'user.joe') throw new MailError('OverQuota', 'over quota', { quotaRoot: 'user.joe' });
      },
    });
    const outcomes = await intake.deliver(intake.prepare({ bytes: text('b') }), [to('user.fred'), to('user.gone'), to('user.joe'), to('user.ann')]);
    expect(outcomes.map((o) => o.status)).toEqual(['delivered', 'failed', 'failed', 'delivered']);
    expect(outcomes.map((o) => (o.status === 'failed' ? o.error.kind : null))).toEqual([null, 'NotFound', 'OverQuota', null]);
    expect(store.openMailbox('user.joe').status().messages).toBe(0);
  });

  it('asks the duplicate seam by Message-ID and records each delivery', async () => {
    const seen = new Set<string>();
    const intake = intakeWith({
      isDuplicate: (id, r) => seen.has(`${id} ${r.mailbox}`),
      recordDelivery: (id, r) => void seen.add(`${id} ${r.mailbox}`),
    });
    const message = intake.prepare({ bytes: text('dup') });
    await intake.deliver(message, [to('user.fred')]);
    const again = await intake.deliver(message, [to('user.fred'), to('user.joe')]);
    expect(again.map((o) => o.status)).toEqual(['duplicate', 'delivered']);
    expect([...seen].sort()).toEqual(['<dup@x> user.fred', '<dup@x> user.joe']);
    expect(store.openMailbox('user.fred').status().messages).toBe(1);
  });

  it('files where the Sieve seam says; an empty list discards', async () => {
    store.createMailbox('user.fred.Lists');
    const intake = intakeWith({
      sieve: (_m, r) => ({ fileInto: r.mailbox === 'user.fred' ? [{ ...r, mailbox: 'user.fred.Lists', flags: ['\\Flagged'] }] : [] }),
    });
    const outcomes = await intake.deliver(intake.prepare({ bytes: text('s') }), [to('user.fred'), to('user.joe')]);
    expect(outcomes.map((o) => o.status)).toEqual(['delivered', 'discarded']);
    const lists = store.openMailbox('user.fred.Lists');
    expect(lists.records([1], 'fred')[0]?.flags).toEqual(['\\Flagged']);
    expect(store.openMailbox('user.fred').status().messages).toBe(0);
    expect(store.openMailbox('user.joe').status().messages).toBe(0);
  });
});

describe('Intake.append', () => {
  it('stores every message (MULTIAPPEND) with flags and date, after the byte rules', async () => {
    const intake = intakeWith();
    const date = new Date(Date.UTC(2021, 0, 2, 3, 4, 5));
    const result = await intake.append('user.fred', [{ bytes: Buffer.from('Subject: caf\xe9\n\nx\n', 'latin1'), flags: ['\\Seen'], internalDate: date }, { bytes: text('two') }], { userid: 'fred' });
    expect(result.uids).toEqual([1, 2]);
    const box = store.openMailbox('user.fred');
    expect((await box.readMessage(1)).toString('latin1')).toBe('Subject: cafX\r\n\r\nx\r\n');
    expect(box.records([1], 'fred')[0]).toMatchObject({ flags: ['\\Seen'], internalDate: date });
  });

  it('stores none when one message breaks a rule or the quota seam refuses', async () => {
    const intake = intakeWith();
    await expect(intake.append('user.fred', [{ bytes: text('ok') }, { bytes: Buffer.from('a\0b') }])).rejects.toMatchObject({ kind: 'Invalid', detail: { nul: true } });
    const counted: number[] = [];
    const refusing = intakeWith({
      chargeQuota: (_e, bytes, count) => {
        counted.push(bytes, count);
        throw new MailError('OverQuota', 'over quota');
      },
    });
    await expect(refusing.append('user.fred', [{ bytes: text('a') }, { bytes: text('b') }])).rejects.toMatchObject({ kind: 'OverQuota' });
    expect(counted).toEqual([2 * 'Message-ID: <a@x>\r\nSubject: a\r\n\r\nbody\r\n'.length, 2]);
    expect(store.openMailbox('user.fred').status().messages).toBe(0);
    await expect(intake.append('user.none', [{ bytes: text('a') }])).rejects.toMatchObject({ kind: 'NotFound' });
  });
});
