import { AUTHENTICATED } from '../session/state.js';
import { enabledResponse } from '../wire/serialize/lists.js';
import { always, defineCommand } from './types.js';

/** The extensions ENABLE knows; one is enabled only while the server also advertises it. */
const ENABLEABLE = ['CONDSTORE', 'QRESYNC', 'UTF8=ACCEPT'];

/**
 * Which of `requested` (any case) may be enabled: the known names the server advertises, in the
 * client's order, canonical spelling, each once. QRESYNC brings CONDSTORE with it (RFC 7162 3.2.3).
 */
export function enableable(requested: readonly string[], advertised: readonly string[]): string[] {
  const offered = new Set(advertised.map((c) => c.toUpperCase()));
  const wanted = new Set<string>();
  for (const name of requested) {
    const upper = name.toUpperCase();
    if (ENABLEABLE.includes(upper) && offered.has(upper)) wanted.add(upper);
  }
  return [...wanted];
}

/** ENABLE (RFC 5161): record what the client turned on; `* ENABLED` lists what this command enabled. */
export const enableCommand = defineCommand({
  name: 'ENABLE',
  states: AUTHENTICATED,
  allowsExpunge: always,
  async handle(ctx, command) {
    const names = enableable(command.capabilities, ctx.capabilities());
    const added = ctx.enable(names);
    if (names.includes('QRESYNC')) ctx.enable(['CONDSTORE']);
    ctx.out.send(enabledResponse(added));
  },
});
