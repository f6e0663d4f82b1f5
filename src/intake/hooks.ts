/** The intake seams with nothing plugged in: no quota, no duplicate suppression, Sieve keeps. */
import type { IntakeHooks } from './types.js';

export const NO_INTAKE_HOOKS: IntakeHooks = Object.freeze<IntakeHooks>({
  chargeQuota: () => undefined,
  isDuplicate: () => false,
  beginDelivery: () => undefined,
  recordDelivery: () => undefined,
  sieve: (_message, recipient) => ({ fileInto: [recipient] }),
});

export function withDefaults(hooks: Partial<IntakeHooks> | undefined): IntakeHooks {
  return { ...NO_INTAKE_HOOKS, ...hooks };
}
