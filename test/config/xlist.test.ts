// The xlist-FLAG family: `xlist-sent: Sent` gives an autocreated folder "Sent" the special use \Sent.
// FLAG is one of RFC 6154's attributes or one of specialuse_extra; any other is a warning with file:line.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ImapdConfig } from '../../src/config/index.js';

/** `text` after a configdirectory line (line 1), as the file test.conf. */
const load = (text: string) => ImapdConfig.fromText(`configdirectory: /x\n${text}`, 'test.conf');

describe('xlist-FLAG: folder', () => {
  it.each([
    ['xlist-sent: Sent', 'sent', 'Sent', ['\\Sent']],
    ['xlist-drafts: Drafts', 'drafts', 'Drafts', ['\\Drafts']],
    ['xlist-trash: Deleted Items', 'trash', 'Deleted Items', ['\\Trash']],
    ['xlist-junk: Spam', 'junk', 'Spam', ['\\Junk']],
    ['xlist-archive: Archive', 'archive', 'Archive', ['\\Archive']],
    ['xlist-all: All Mail', 'all', 'All Mail', ['\\All']],
    ['xlist-flagged: Starred', 'flagged', 'Starred', ['\\Flagged']],
    // The option name is case-blind (as every option name); the attribute takes RFC 6154's spelling.
    ['XLIST-JUNK: Spam', 'junk', 'Spam', ['\\Junk']],
    ['Xlist-Sent: Sent', 'sent', 'Sent', ['\\Sent']],
    // A name of specialuse_extra, written with or without the backslash, in any case.
    ['specialuse_extra: \\Important\nxlist-important: Important', 'important', 'Important', ['\\Important']],
    ['xlist-important: Important\nspecialuse_extra: \\Snoozed \\important', 'important', 'Important', ['\\important']],
    ['specialuse_extra: Memos\nxlist-memos: Notes', 'memos', 'Notes', ['\\Memos']],
  ])('%j is accepted', (text, flag, folder, uses) => {
    const config = load(text);
    expect(config.warnings).toEqual([]);
    expect(config.family('xlist').get(flag)).toBe(folder);
    expect(config.specialUseOf(folder)).toEqual(uses);
  });

  it.each([
    // Not a special-use attribute at all, or one that needs specialuse_extra.
    ['xlist-inbox: INBOX', 'inbox'],
    ['xlist-spam: Spam', 'spam'],
    ['xlist-important: Important', 'important'],
    ['xlist-flag: Sent', 'flag'],
    ['specialuse_extra: \\Snoozed\nxlist-memos: Notes', 'memos'],
  ])('%j warns and is ignored', (text, flag) => {
    const config = load(text);
    const line = text.split('\n').length + 1; // the xlist line is the last one
    expect(config.warnings).toEqual([{ file: 'test.conf', line, message: expect.stringContaining(`xlist-${flag}: "\\${flag}" is not a special-use attribute`) }]);
    expect(config.family('xlist').has(flag)).toBe(false);
    expect(config.specialUseOf(text.split(': ').at(-1)!)).toEqual([]);
  });

  it('a bad flag is reported with the file and line it was written on, also in an included file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cyrusts-xlist-'));
    try {
      writeFileSync(join(dir, 'more.conf'), '# special use\n\nxlist-sent: Sent\nxlist-outbox: Outbox\n');
      writeFileSync(join(dir, 'imapd.conf'), `configdirectory: ${dir}\nxlist-bogus: X\n@include: more.conf\n`);
      const config = ImapdConfig.load(join(dir, 'imapd.conf'));
      expect(config.warnings.map((w) => [w.file, w.line])).toEqual([
        [join(dir, 'imapd.conf'), 2],
        [join(dir, 'more.conf'), 4],
      ]);
      expect([...config.family('xlist')]).toEqual([['sent', 'Sent']]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('an xlist line without a folder warns and is ignored', () => {
    const config = load('xlist-sent:');
    expect(config.warnings).toEqual([{ file: 'test.conf', line: 2, message: 'xlist-sent names no folder; ignored' }]);
    expect(config.family('xlist').size).toBe(0);
  });

  it('matches the folder name exactly, and one folder may carry several attributes', () => {
    const config = load('xlist-sent: Sent\nxlist-archive: Sent\nxlist-trash: Trash');
    expect(config.specialUseOf('Sent')).toEqual(['\\Sent', '\\Archive']);
    expect(config.specialUseOf('sent')).toEqual([]);
    expect(config.specialUseOf('Trash ')).toEqual([]);
    expect(config.specialUseOf('Drafts')).toEqual([]);
  });

  it('the later of two lines for one flag wins, with the usual warning', () => {
    const config = load('xlist-sent: Sent\nxlist-sent: Sent Items');
    expect(config.warnings).toEqual([{ file: 'test.conf', line: 3, message: 'xlist-sent set again (first at line 2); the later value wins' }]);
    expect(config.specialUseOf('Sent Items')).toEqual(['\\Sent']);
    expect(config.specialUseOf('Sent')).toEqual([]);
  });

  it('a folder value is a name, not a path: {configdirectory} and ./ are not expanded', () => {
    const config = load('xlist-sent: ./Sent\nxlist-drafts: {configdirectory}');
    expect([...config.family('xlist')]).toEqual([['sent', './Sent'], ['drafts', '{configdirectory}']]);
  });

  it('autocreate_subscribe_folders is a list like autocreate_inbox_folders ("|" or spaces)', () => {
    expect(load('autocreate_subscribe_folders: Sent|Drafts | Trash').list('autocreate_subscribe_folders')).toEqual(['Sent', 'Drafts', 'Trash']);
    expect(load('').list('autocreate_subscribe_folders')).toEqual([]);
  });

  it('the demo configuration marks its autocreated folders', () => {
    const config = ImapdConfig.load(join(import.meta.dirname, '..', '..', 'conf', 'imapd.conf'));
    expect(config.warnings).toEqual([]);
    const folders = config.list('autocreate_inbox_folders');
    expect(folders.map((f) => config.specialUseOf(f))).toEqual([['\\Sent'], ['\\Drafts'], ['\\Trash']]);
    expect(config.list('autocreate_subscribe_folders')).toEqual(folders);
  });
});
