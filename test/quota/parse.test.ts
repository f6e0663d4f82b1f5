/** The RFC 9208 command grammar: GETQUOTA, GETQUOTAROOT, SETQUOTA (table tests). */
import { describe, expect, it } from 'vitest';
import { parseCommandText } from '../../src/imap/wire/parse/index.js';

describe('QUOTA commands', () => {
  it.each([
    ['GETQUOTA', '""', { name: 'GETQUOTA', root: '' }],
    ['GETQUOTA', 'user.fred', { name: 'GETQUOTA', root: 'user.fred' }],
    ['GETQUOTAROOT', '"Sent Items"', { name: 'GETQUOTAROOT', mailbox: 'Sent Items' }],
    ['SETQUOTA', 'user.fred ()', { name: 'SETQUOTA', root: 'user.fred', limits: [] }],
    ['SETQUOTA', '"user.fred" (storage 512 MESSAGE 1000 X-NUM-FOLDERS 20)', {
      name: 'SETQUOTA', root: 'user.fred', limits: [{ resource: 'STORAGE', limit: 512 }, { resource: 'MESSAGE', limit: 1000 }, { resource: 'X-NUM-FOLDERS', limit: 20 }],
    }],
    ['SETQUOTA', 'r (STORAGE 9007199254740991)', { name: 'SETQUOTA', root: 'r', limits: [{ resource: 'STORAGE', limit: 9007199254740991 }] }],
  ])('%s %s', (name, args, expected) => {
    expect(parseCommandText(name, ` ${args}`)).toEqual(expected);
  });

  it.each([
    ['GETQUOTA', ''],
    ['GETQUOTA', 'a b'],
    ['GETQUOTAROOT', ''],
    ['SETQUOTA', 'root'],
    ['SETQUOTA', 'root STORAGE 5'],
    ['SETQUOTA', 'root (STORAGE)'],
    ['SETQUOTA', 'root (STORAGE -1)'],
    ['SETQUOTA', 'root (STORAGE 99999999999999999999)'],
    ['SETQUOTA', 'root (STORAGE 5) extra'],
  ])('refuses %s %s', (name, args) => {
    expect(() => parseCommandText(name, ` ${args}`)).toThrow();
  });
});
