/** The telemetry module on its own: ctime(3)'s layout, the names it refuses, the marks of both clocks. */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ctime, openTelemetry, silentLogger, type Telemetry, type TelemetrySettings } from '../../src/common/index.js';

const root = mkdtempSync(join(tmpdir(), 'cyrusts-telemetry-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function closed(t: Telemetry): Promise<string> {
  t.close();
  return new Promise((resolve) => setTimeout(() => resolve(readFileSync(t.file, 'latin1')), 50));
}

describe('ctime', () => {
  it.each([
    [new Date(2026, 11, 5, 6, 51, 3), 'Sat Dec  5 06:51:03 2026\n'],
    [new Date(2024, 0, 31, 23, 5, 9), 'Wed Jan 31 23:05:09 2024\n'],
    [new Date(2000, 1, 29, 0, 0, 0), 'Tue Feb 29 00:00:00 2000\n'],
  ])('%s', (date, expected) => {
    expect(ctime(date)).toBe(expected);
  });
});

describe('openTelemetry', () => {
  const logDirectory = join(root, 'log');
  mkdirSync(join(logDirectory, 'fred'), { recursive: true });
  mkdirSync(join(logDirectory, 'fred@example.com'), { recursive: true });

  it.each(['wilma', '..', '.', 'fred/../fred', '', 'a\0b'])('traces no one for %j', (userid) => {
    expect(openTelemetry({ logDirectory, relativeTimes: false, logger: silentLogger() }, userid, 'sid')).toBeNull();
  });

  it('names the file <pid>-<sessionid> in the user\'s directory (a virtual-domain login is its own directory)', () => {
    const t = openTelemetry({ logDirectory, relativeTimes: false, logger: silentLogger(), pid: 4242 }, 'fred@example.com', 'abc123')!;
    expect(t.file).toBe(join(logDirectory, 'fred@example.com', '4242-abc123'));
    t.close();
    expect(openTelemetry({ logDirectory, relativeTimes: false, logger: silentLogger() }, 'fred', '../x')).toBeNull();
  });

  it('marks each chunk with the time of day, or with the seconds since the previous mark', async () => {
    let now = Date.UTC(2026, 11, 5, 6, 51, 3);
    const base: TelemetrySettings = { logDirectory, relativeTimes: false, logger: silentLogger(), pid: 1, now: () => now };
    for (const relativeTimes of [false, true]) {
      now = Date.UTC(2026, 11, 5, 6, 51, 3);
      const t = openTelemetry({ ...base, relativeTimes }, 'fred', `clock${relativeTimes}`)!;
      now += 2500;
      t.input(Buffer.from('a NOOP\r\n'));
      now += 400;
      t.output('a OK NOOP completed\r\n');
      now += 61_000;
      t.input(Buffer.from('b LOGOUT\r\n'));
      const text = await closed(t);
      const body = text.slice(text.indexOf('\n\n') + 2);
      const epoch = Math.floor(Date.UTC(2026, 11, 5, 6, 51, 3) / 1000);
      expect(body).toBe(
        relativeTimes
          ? '<2<a NOOP\r\n>0>a OK NOOP completed\r\n<61<b LOGOUT\r\n'
          : `<${epoch + 2}<a NOOP\r\n>${epoch + 2}>a OK NOOP completed\r\n<${epoch + 63}<b LOGOUT\r\n`,
      );
      expect(text.startsWith(`---------- fred ${ctime(new Date(Date.UTC(2026, 11, 5, 6, 51, 3)))}\n`)).toBe(true);
    }
    expect(readdirSync(join(logDirectory, 'fred')).sort()).toEqual(['1-clockfalse', '1-clocktrue']);
  });
});
