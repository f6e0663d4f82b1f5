import * as fs from 'node:fs';
import * as os from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MailboxList, type MailboxEntry } from '../../src/store/mailbox-list.js';
import { compileListPattern } from '../../src/names/index.js';

const dir = fs.mkdtempSync(join(os.tmpdir(), 'cyrusts-list-walk-'));
let list: MailboxList;

function entry(name: string, acl = '', type: MailboxEntry['type'] = []): MailboxEntry {
  return { name, uniqueId: `u-${name}`, partition: 'default', acl, type, server: null, createdModseq: 1, modifiedModseq: 1, uidValidity: 1, specialUse: null, quotaRoot: null };
}

// Components chosen so that siblings sort around each other's subtrees ("a" < "a-b" < "a.x" < "ab").
const COMPONENTS = ['a', 'a-b', 'ab', 'b', 'Sent', 'user', 'x^y'];
const IDS = ['fred', 'joe', 'anyone', 'group:staff'];

/** A deterministic tree of a few thousand names, some without their parent, some reserved. */
function buildNames(): MailboxEntry[] {
  const out: MailboxEntry[] = [];
  let seed = 7;
  const rand = (n: number) => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed % n;
  };
  const add = (name: string) => {
    if (rand(10) === 0) return; // a gap: the name exists only through its children
    const acl = rand(3) === 0 ? `${IDS[rand(4)]}\tlr\t` : rand(5) === 0 ? `${IDS[rand(4)]}\trs\t-fred\tl\t` : '';
    out.push(entry(name, acl, rand(40) === 0 ? ['reserved'] : []));
  };
  for (const domain of ['', 'example.net!']) {
    for (let u = 0; u < 150; u++) {
      const user = `${domain}user.u${u}`;
      add(user);
      for (const c of COMPONENTS) {
        if (rand(2) === 0) continue;
        add(`${user}.${c}`);
        for (const d of COMPONENTS) if (rand(4) === 0) add(`${user}.${c}.${d}`);
      }
    }
    for (const c of COMPONENTS) {
      add(`${domain}${c}`);
      for (const d of COMPONENTS) if (rand(2) === 0) add(`${domain}${c}.${d}`);
    }
  }
  return out;
}

const ALL = buildNames();
const live = (e: MailboxEntry) => !e.type.includes('reserved');

beforeAll(() => {
  list = new MailboxList(join(dir, 'mailboxes.db'), false);
  list.write('fill', () => {
    for (const e of ALL) list.put(e);
  });
});
afterAll(() => {
  list.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const naive = (pattern: string, includeReserved = false) => {
  const c = compileListPattern(pattern, '.');
  return ALL.filter((e) => c.matches(e.name) && (includeReserved || live(e))).map((e) => e.name).sort();
};
const names = (entries: MailboxEntry[]) => entries.map((e) => e.name);

const patternArb = fc
  .array(fc.oneof(fc.constantFrom(...COMPONENTS, 'u1', 'u12', 'example', 'net!user'), fc.constantFrom('%', '*', 'u%', '%b', 'a*', 'S%t', '%%')), { minLength: 1, maxLength: 4 })
  .map((parts) => parts.join('.'));

describe('MailboxList.list walks the hierarchy', () => {
  it.each([
    '*', '%', 'user.%', 'user.u1.*', 'user.%.Sent', '*.Sent', 'user.u1', 'user.u1.%', 'example.net!user.%', 'example.%', '%.%',
    'a%', 'a*', 'user.%.a.%', 'user.u1%', 'nothing.%', 'user.%.*', '',
  ])('%j gives what a full scan gives', (pattern) => {
    expect(names(list.list(pattern))).toEqual(naive(pattern));
    expect(names(list.list(pattern, { includeReserved: true }))).toEqual(naive(pattern, true));
  });

  it('agrees with a full scan for random patterns', () => {
    fc.assert(fc.property(patternArb, (pattern) => {
      expect(names(list.list(pattern))).toEqual(naive(pattern));
    }), { numRuns: 300 });
  });

  it('with childHints, returns something below every matching name that has children', () => {
    fc.assert(fc.property(patternArb, (pattern) => {
      const c = compileListPattern(pattern, '.');
      const got = names(list.list(pattern, { childHints: true }));
      const gotSet = new Set(got);
      for (const name of naive(pattern)) expect(gotSet.has(name)).toBe(true);
      // Every live entry whose ancestor matches must be represented below that ancestor.
      for (const e of ALL.filter(live)) {
        const parts = e.name.split('.');
        for (let i = 1; i < parts.length; i++) {
          const ancestor = parts.slice(0, i).join('.');
          if (c.matches(ancestor)) expect(got.some((n) => n.startsWith(`${ancestor}.`))).toBe(true);
        }
      }
      // Nothing unrelated: each result matches or lies below a match.
      for (const n of got) {
        const parts = n.split('.');
        expect(parts.some((_, i) => c.matches(parts.slice(0, i + 1).join('.')))).toBe(true);
      }
    }), { numRuns: 200 });
  });
});

describe('the ACL lookup index', () => {
  const grants = (e: MailboxEntry, ids: readonly string[]) => {
    const f = e.acl.split('\t');
    for (let i = 0; i + 1 < f.length; i += 2) if (ids.includes(f[i]!) && f[i + 1]!.includes('l')) return true;
    return false;
  };
  const domainOf = (n: string) => (n.includes('!') ? n.slice(0, n.indexOf('!')) : null);

  it.each([
    [['fred', 'anyone'], null, '*'], [['joe'], null, 'user.%'], [['group:staff', 'anyone'], 'example.net', '*'],
    [['fred'], 'example.net', 'example.net!user.*'], [['fred'], null, 'example.net!*'], [['anyone'], null, '%.Sent'],
  ] as Array<[string[], string | null, string]>)('%j in %s for %j', (ids, domain, pattern) => {
    const c = compileListPattern(pattern, '.');
    const expected = ALL.filter((e) => live(e) && c.matches(e.name) && domainOf(e.name) === domain && grants(e, ids)).map((e) => e.name).sort();
    expect(names(list.list(pattern, { lookup: { identifiers: ids, domain } }))).toEqual(expected);
  });

  it('follows put and remove', () => {
    list.put(entry('shared.new', 'joe\tlr\t'));
    expect(names(list.list('shared.*', { lookup: { identifiers: ['joe'], domain: null } }))).toEqual(['shared.new']);
    list.put(entry('shared.new', 'fred\tlr\t'));
    expect(names(list.list('shared.*', { lookup: { identifiers: ['joe'], domain: null } }))).toEqual([]);
    expect(names(list.list('shared.*', { lookup: { identifiers: ['fred'], domain: null } }))).toEqual(['shared.new']);
    list.remove('shared.new');
    expect(names(list.list('shared.*', { lookup: { identifiers: ['fred'], domain: null } }))).toEqual([]);
    list.insert(entry('shared.ins', 'anyone\tl\t'));
    expect(names(list.list('shared.*', { lookup: { identifiers: ['anyone'], domain: null } }))).toEqual(['shared.ins']);
    list.remove('shared.ins');
  });

  it('is built when an older mailboxes.db is opened', () => {
    const file = join(dir, 'old.db');
    const first = new MailboxList(file, false);
    first.put(entry('user.joe.Shared', 'joe\tlrswipkxtecdan\tfred\tlr\t'));
    first.close();
    // An older file: no lookup rows and schema version 0.
    const raw = new Database(file);
    raw.exec('DELETE FROM mailbox_lookup');
    raw.pragma('user_version = 0');
    raw.close();
    const reopened = new MailboxList(file, false);
    expect(names(reopened.list('*', { lookup: { identifiers: ['fred'], domain: null } }))).toEqual(['user.joe.Shared']);
    reopened.close();
  });
});
