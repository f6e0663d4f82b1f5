// writeNewFile (the message files of an append, written on the thread pool): the exact bytes, a
// new file only (never over an existing one), and no descriptor left open when it fails.
import * as fs from 'node:fs';
import * as os from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { writeNewFile } from '../../src/mailbox/files.js';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(join(os.tmpdir(), 'write-new-file-'));
});
afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

const openDescriptors = () => fs.readdirSync('/proc/self/fd').length;

describe('writeNewFile', () => {
  it('writes the exact bytes of large and many files at once', async () => {
    const big = Buffer.alloc(3 * 1024 * 1024 + 17, 'x');
    big.write('end', big.length - 3);
    const small = Array.from({ length: 50 }, (_, i) => Buffer.from(`message ${i}\r\n`));
    await Promise.all([writeNewFile(join(dir, 'big'), big, true), ...small.map((b, i) => writeNewFile(join(dir, `m${i}`), b, false))]);
    expect(fs.readFileSync(join(dir, 'big')).equals(big)).toBe(true);
    small.forEach((b, i) => expect(fs.readFileSync(join(dir, `m${i}`)).equals(b)).toBe(true));
  });

  it('writes an empty file, durable or not, and leaves no descriptor open', async () => {
    const before = openDescriptors();
    await Promise.all([writeNewFile(join(dir, 'empty-durable'), Buffer.alloc(0), true), writeNewFile(join(dir, 'empty'), Buffer.alloc(0), false)]);
    expect(fs.statSync(join(dir, 'empty-durable')).size).toBe(0);
    expect(fs.statSync(join(dir, 'empty')).size).toBe(0);
    expect(openDescriptors()).toBe(before);
  });

  it('never writes over an existing file, and leaves no descriptor open', async () => {
    fs.writeFileSync(join(dir, 'taken'), 'first');
    const before = openDescriptors();
    await expect(writeNewFile(join(dir, 'taken'), Buffer.from('second'), true)).rejects.toMatchObject({ code: 'EEXIST' });
    expect(fs.readFileSync(join(dir, 'taken'), 'utf8')).toBe('first');
    expect(openDescriptors()).toBe(before);
  });
});
