import * as fs from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isMailError } from '../../src/common/errors.js';
import { writeHeader } from '../../src/mailbox/header.js';
import { IndexDb } from '../../src/mailbox/index-db.js';
import { checkMailboxName } from '../../src/names/index.js';
import type { MailStore } from '../../src/store/index.js';
import { makeEnv, message, type TestEnv } from './helpers.js';

let env: TestEnv;
let store: MailStore;
beforeEach(() => {
  env = makeEnv('fsync_disabled: yes');
  store = env.open();
});
afterEach(() => env.cleanup());

function kindOf(fn: () => unknown): string | null {
  try {
    fn();
    return null;
  } catch (err) {
    return isMailError(err) ? err.kind : 'not a MailError';
  }
}

describe('mailbox names and directories that could collide', () => {
  it.each([
    ['domain', 'BadName'],
    ['domain.localhost.user.fred', 'BadName'],
    ['domain.x', 'BadName'],
    ['Domain.x', null],
    ['domains', null],
    ['shared.domain', null],
    ['localhost!domain.x', null],
    ['localhost!user.fred', null],
  ])('the name check on %s gives %s', (name, kind) => {
    expect(kindOf(() => checkMailboxName(name, 490))).toBe(kind);
  });

  it('localhost!user.fred keeps its mail: the shared name that maps to its directory is refused', async () => {
    store.createMailbox('localhost!user.fred');
    const box = store.openMailbox('localhost!user.fred');
    await box.append([{ content: message('keep me') }]);
    const path = box.path;
    box.close();
    expect(kindOf(() => store.createMailbox('domain.localhost.user.fred'))).toBe('BadName');
    expect(fs.existsSync(join(path, '1.'))).toBe(true);
    expect(store.lookup('domain.localhost.user.fred')).toBeNull();
  });

  it('create never wipes a directory whose cyrus.header belongs to another live mailbox', async () => {
    store.createMailbox('user.fred');
    const box = store.openMailbox('user.fred');
    await box.append([{ content: message('keep me') }]);
    const fredDir = box.path;
    box.close();
    // Another name whose directory already holds user.fred's files (as a layout change can make).
    const target = store.directoryOf('user.joe', 'default');
    fs.mkdirSync(target, { recursive: true });
    for (const f of fs.readdirSync(fredDir)) fs.copyFileSync(join(fredDir, f), join(target, f));
    expect(kindOf(() => store.createMailbox('user.joe'))).toBe('Exists');
    expect(fs.existsSync(join(target, '1.'))).toBe(true);
    expect(store.mailboxes.get('user.joe')).toBeNull();
    // A header with no readable index cannot be proved dead: still refused.
    fs.rmSync(target, { recursive: true });
    fs.mkdirSync(target, { recursive: true });
    writeHeader(target, { name: 'user.joe', uniqueId: 'unknown', uidValidity: 1, acl: '', quotaRoot: null, specialUse: null, createdModseq: 1, userFlags: [], sharedSeen: false }, false);
    expect(kindOf(() => store.createMailbox('user.joe'))).toBe('Exists');
    // One whose index says deleted (an interrupted delete) is a leftover: create replaces it.
    fs.rmSync(target, { recursive: true });
    store.createMailbox('user.joe');
    const index = IndexDb.open(target, false);
    index.stmts.setState.run('deleted');
    index.close();
    store.mailboxes.write('test', () => store.mailboxes.remove('user.joe'));
    expect(store.createMailbox('user.joe').name).toBe('user.joe');
  });

  it('rename never wipes a directory that holds another live mailbox either', async () => {
    store.createMailbox('user.fred');
    const box = store.openMailbox('user.fred');
    await box.append([{ content: message('keep me') }]);
    const fredDir = box.path;
    box.close();
    const target = store.directoryOf('user.joe', 'default');
    fs.mkdirSync(target, { recursive: true });
    for (const f of fs.readdirSync(fredDir)) fs.copyFileSync(join(fredDir, f), join(target, f));
    store.createMailbox('user.sam');
    expect(kindOf(() => store.renameMailbox('user.sam', 'user.joe'))).toBe('Exists');
    expect(fs.existsSync(join(target, '1.'))).toBe(true);
    expect(store.lookup('user.sam')).not.toBeNull();
  });
});
