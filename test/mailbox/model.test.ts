import { existsSync } from 'node:fs';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Mailbox } from '../../src/mailbox/index.js';
import { makeEnv, message, type TestEnv } from '../store/helpers.js';

// Random sequences of append, flag changes and expunge from two writers (two stores: two
// connections to the same index) must leave the index equal to a simple model.

type Op =
  | { kind: 'append'; writer: number; count: number; flags: string[] }
  | { kind: 'flags'; writer: number; pick: number[]; mode: 'add' | 'remove' | 'replace'; flags: string[] }
  | { kind: 'expunge'; writer: number; pick: number[] | null };

const flagArb = fc.subarray(['\\Answered', '\\Flagged', '\\Deleted', '\\Draft', '\\Seen', 'Work', '$Label1']);
const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant('append' as const), writer: fc.nat(1), count: fc.integer({ min: 1, max: 3 }), flags: flagArb }),
  fc.record({ kind: fc.constant('flags' as const), writer: fc.nat(1), pick: fc.array(fc.nat(20), { maxLength: 5 }), mode: fc.constantFrom('add' as const, 'remove' as const, 'replace' as const), flags: flagArb }),
  fc.record({ kind: fc.constant('expunge' as const), writer: fc.nat(1), pick: fc.option(fc.array(fc.nat(20), { maxLength: 5 }), { nil: null }) }),
);

const ORDER = ['\\Answered', '\\Flagged', '\\Deleted', '\\Draft', '\\Seen'];
const canonical = (flags: Iterable<string>) => {
  const set = [...new Set(flags)];
  return [...ORDER.filter((f) => set.includes(f)), ...set.filter((f) => !ORDER.includes(f)).sort()];
};

describe.each(['immediate', 'delayed'] as const)('index model (expunge_mode %s)', (expungeMode) => {
  let env: TestEnv;
  beforeAll(() => {
    env = makeEnv(`fsync_disabled: yes\nexpunge_mode: ${expungeMode}`);
  });
  afterAll(() => env.cleanup());

  it('matches a model under random operations from two writers', async () => {
    let round = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(opArb, { minLength: 1, maxLength: 14 }), async (ops) => {
        const name = `user.m${round++}`;
        const stores = [env.open(), env.open()];
        stores[0]!.createMailbox(name);
        const boxes: Mailbox[] = stores.map((s) => s.openMailbox(name));
        const model = new Map<number, Set<string>>();
        let uidNext = 1;
        const expunged: number[] = [];
        let lastModseq = boxes[0]!.status().highestModseq;
        try {
          for (const op of ops) {
            const box = boxes[op.writer]!;
            let didChange = false;
            const uids = [...model.keys()];
            const chosen = (pick: number[]) => [...new Set(pick.map((i) => uids[i % Math.max(1, uids.length)]).filter((u): u is number => u !== undefined))];
            if (op.kind === 'append') {
              const result = await box.append(Array.from({ length: op.count }, (_, i) => ({ content: message(`m${uidNext + i}`), flags: op.flags })), { userid: 'fred' });
              expect(result.uids).toEqual(Array.from({ length: op.count }, (_, i) => uidNext + i));
              for (const uid of result.uids) model.set(uid, new Set(op.flags.map((f) => (f === '$label1' ? '$Label1' : f))));
              uidNext += op.count;
              didChange = true;
            } else if (op.kind === 'flags') {
              const targets = chosen(op.pick);
              const result = box.setFlags(targets, op.mode, op.flags, { userid: 'fred' });
              let changed = 0;
              for (const uid of targets) {
                const before = model.get(uid)!;
                const after = op.mode === 'add' ? new Set([...before, ...op.flags]) : op.mode === 'remove' ? new Set([...before].filter((f) => !op.flags.includes(f))) : new Set(op.flags);
                if (canonical(before).join() !== canonical(after).join()) changed++;
                model.set(uid, after);
              }
              expect(result.changed.length).toBe(changed);
              didChange = changed > 0;
            } else {
              const targets = op.pick === null ? null : chosen(op.pick);
              const expected = [...model.entries()].filter(([uid, f]) => f.has('\\Deleted') && (targets === null || targets.includes(uid))).map(([uid]) => uid).sort((a, b) => a - b);
              expect(box.expunge(targets === null ? {} : { uids: targets })).toEqual(expected);
              for (const uid of expected) model.delete(uid);
              expunged.push(...expected);
              didChange = expected.length > 0;
            }
            const modseq = boxes[1 - op.writer]!.status().highestModseq;
            if (didChange) expect(modseq).toBeGreaterThan(lastModseq);
            else expect(modseq).toBe(lastModseq);
            lastModseq = modseq;
          }
          for (const box of boxes) {
            const snap = box.snapshot('fred');
            expect([...snap.uids]).toEqual([...model.keys()].sort((a, b) => a - b));
            for (let i = 0; i < snap.count; i++) expect(canonical(snap.flags(i))).toEqual(canonical(model.get(snap.uids[i]!)!));
            expect(snap.uidNext).toBe(uidNext);
            const modseqs = [...snap.modseqs];
            expect(Math.max(0, ...modseqs)).toBeLessThanOrEqual(snap.highestModseq);
          }
          // Files of expunged messages: gone at once, or kept for cyr_expire -X.
          for (const uid of expunged) expect(existsSync(boxes[0]!.messagePath(uid))).toBe(expungeMode === 'delayed');
          expect(boxes[0]!.changesSince(0).expunged).toEqual([...expunged].sort((a, b) => a - b));
        } finally {
          for (const box of boxes) box.close();
          for (const s of stores) s.close();
        }
      }),
      { numRuns: 40 },
    );
  });
});
