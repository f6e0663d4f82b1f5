/**
 * Delivery (the intake, as LMTP uses it) against quota: by default only a root already over its
 * storage limit (or at its message limit) refuses; lmtp_strict_quota refuses the message that
 * would exceed; IGNOREQUOTA (recipient quota 'ignore') is never refused. Refusals are
 * MailError OverQuota for the recipient, nothing stored.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/common/log.js';
import { Intake, type DeliveryRecipient } from '../../src/intake/index.js';
import type { MailStore } from '../../src/store/index.js';
import { makeEnv, type TestEnv } from '../store/helpers.js';
import { appendTo, NO_LIMITS, sizedMessage } from './helpers.js';

let env: TestEnv | null = null;
let count = 0;
afterEach(() => {
  env?.cleanup();
  env = null;
});

function setup(extra = ''): { store: MailStore; intake: Intake } {
  env = makeEnv(`fsync_disabled: yes\nduplicatesuppression: no\n${extra}`);
  const store = env.open();
  store.createMailbox('user.fred');
  return { store, intake: new Intake({ store, config: env.config, logger: silentLogger() }) };
}

async function deliver(intake: Intake, size: number, recipient: Partial<DeliveryRecipient> = {}) {
  const prepared = intake.prepare({ bytes: sizedMessage(size, `d${++count}`) });
  const [outcome] = await intake.deliver(prepared, [{ mailbox: 'user.fred', userid: 'fred', ...recipient }]);
  return outcome!.status === 'failed' ? outcome!.error.kind : outcome!.status;
}

describe('STORAGE on delivery', () => {
  it('default: accepted while not over, even when it takes the root over; refused once over', async () => {
    const { store, intake } = setup();
    store.setQuota('user.fred', { ...NO_LIMITS, STORAGE: 1 });
    await appendTo(store, 'user.fred', 1000);
    expect(await deliver(intake, 2000)).toBe('delivered');
    expect(store.quotas.get('user.fred')!.usage.storage).toBe(3000);
    expect(await deliver(intake, 200)).toBe('OverQuota');
    expect(store.quotas.get('user.fred')!.usage).toMatchObject({ storage: 3000, messages: 2 });
  });

  it('at the limit exactly: still accepted (not over)', async () => {
    const { store, intake } = setup();
    store.setQuota('user.fred', { ...NO_LIMITS, STORAGE: 1 });
    await appendTo(store, 'user.fred', 1024);
    expect(await deliver(intake, 200)).toBe('delivered');
  });

  it('lmtp_strict_quota: the message that would exceed is refused; one that fits is not', async () => {
    const { store, intake } = setup('lmtp_strict_quota: yes');
    store.setQuota('user.fred', { ...NO_LIMITS, STORAGE: 1 });
    await appendTo(store, 'user.fred', 900);
    expect(await deliver(intake, 125)).toBe('OverQuota');
    expect(await deliver(intake, 124)).toBe('delivered');
    expect(store.quotas.get('user.fred')!.usage.storage).toBe(1024);
  });

  it('IGNOREQUOTA: delivered over any limit', async () => {
    const { store, intake } = setup('lmtp_strict_quota: yes');
    await appendTo(store, 'user.fred', 2000);
    store.setQuota('user.fred', { ...NO_LIMITS, STORAGE: 1, MESSAGE: 1 });
    expect(await deliver(intake, 2000, { quota: 'ignore' })).toBe('delivered');
    expect(store.quotas.get('user.fred')!.usage).toMatchObject({ storage: 4000, messages: 2 });
  });
});

describe('MESSAGE on delivery', () => {
  it('under the limit accepted, at the limit refused', async () => {
    const { store, intake } = setup();
    store.setQuota('user.fred', { ...NO_LIMITS, MESSAGE: 2 });
    expect(await deliver(intake, 200)).toBe('delivered');
    expect(await deliver(intake, 200)).toBe('delivered');
    expect(await deliver(intake, 200)).toBe('OverQuota');
    expect(store.quotas.get('user.fred')!.usage.messages).toBe(2);
  });
});
