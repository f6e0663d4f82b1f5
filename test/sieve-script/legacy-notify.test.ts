/** The legacy notify draft (require "notify"), as Cyrus 3.6 still compiles it: mailto becomes enotify's mailto notification. */
import { describe, expect, it } from 'vitest';
import { allowedExtensions, compileSieve, runSieve, UNADVERTISED_EXTENSIONS, type SieveAction } from '../../src/sieve-script/index.js';

const HEADER = 'From: Joe <joe@example.com>\r\nSubject: Hello there\r\n\r\n';
const MESSAGE = Buffer.from(`${HEADER}First line of the body\r\n`);
const env = { envelopeFrom: 'bounce@example.com', envelopeTo: 'fred@example.com', userAddresses: ['fred@example.com'], mailboxExists: () => true };

function run(source: string): { actions: SieveAction[]; logs: string[] } {
  const compiled = compileSieve(source);
  if (!compiled.ok) throw new Error(compiled.errors.join('; '));
  const out = runSieve(compiled.script, { header: Buffer.from(HEADER), content: MESSAGE, size: MESSAGE.length }, env);
  return { actions: out.actions as SieveAction[], logs: out.logs };
}
const notifications = (actions: SieveAction[]) => actions.filter((a) => a.type === 'notify');

describe('legacy notify (require "notify")', () => {
  it('compiles Cyrus-era scripts, and refuses what cannot work', () => {
    expect(compileSieve('require "notify";\nnotify :method "mailto" :options ["a@example.com"] :high :message "x";').ok).toBe(true);
    expect(compileSieve('require "notify";\nnotify :method "zephyr" :options ["fred"];\ndenotify;').ok).toBe(true);
    expect(compileSieve('require "notify";\nnotify :method "mailto" :message "x";')).toMatchObject({ ok: false, errors: [expect.stringMatching(/needs the recipients in :options/)] });
    expect(compileSieve('require "notify";\nnotify :method "mailto" :options ["not an address"];')).toMatchObject({ ok: false, errors: [expect.stringMatching(/not a valid address/)] });
    expect(compileSieve('notify :method "mailto" :options ["a@example.com"];').ok).toBe(false);
    expect(compileSieve('require "enotify";\ndenotify;')).toMatchObject({ ok: false, errors: [expect.stringMatching(/denotify.*needs require "notify"/)] });
  });

  it('a mailto notification with the draft\'s variables and priority', () => {
    const { actions } = run('require "notify";\nnotify :method "mailto" :options ["a@example.com", "b@example.com"] :low :message "$from$ / $env-from$ / $subject$ / $text[10]$";');
    expect(notifications(actions)).toEqual([
      { type: 'notify', method: 'mailto:a@example.com,b@example.com', from: null, importance: '3', options: [], message: 'Joe <joe@example.com> / bounce@example.com / Hello there / First line' },
    ]);
    expect(actions.some((a) => a.type === 'keep')).toBe(true);
  });

  it('the default message is the sender and the subject; other methods are logged, not sent', () => {
    const { actions, logs } = run('require "notify";\nnotify :method "mailto" :options ["a@example.com"];\nnotify :method "zephyr" :options ["fred"];');
    expect(notifications(actions).map((a) => a.type === 'notify' && [a.message, a.importance])).toEqual([['Joe <joe@example.com>: Hello there', '2']]);
    expect(logs).toEqual(['notify: method "zephyr" is not available here; notification not sent']);
  });

  it('denotify cancels by :id (match type) and by priority, or every one', () => {
    const three = 'require "notify";\nnotify :method "mailto" :options ["a@example.com"] :id "work-1" :high;\nnotify :method "mailto" :options ["b@example.com"] :id "home" :low;\nnotify :method "mailto" :options ["c@example.com"] :high;\n';
    const left = (tail: string) => notifications(run(three + tail).actions).map((a) => a.type === 'notify' && a.method);
    expect(left('denotify :is "home";')).toEqual(['mailto:a@example.com', 'mailto:c@example.com']);
    expect(left('denotify :matches "work-*";')).toEqual(['mailto:b@example.com', 'mailto:c@example.com']);
    expect(left('denotify :contains "o";')).toEqual(['mailto:c@example.com']);
    expect(left('denotify :high;')).toEqual(['mailto:b@example.com']);
    expect(left('denotify;')).toEqual([]);
  });

  it('is on with Cyrus\'s sieve_extensions "notify", kept out of the SIEVE capability, and enotify wins when both are required', () => {
    expect(allowedExtensions(['notify'])).toEqual(expect.arrayContaining(['enotify', 'notify']));
    expect(UNADVERTISED_EXTENSIONS.has('notify')).toBe(true);
    const { actions } = run('require ["enotify", "notify"];\nnotify :message "m" "mailto:x@example.com";');
    expect(notifications(actions)).toEqual([{ type: 'notify', method: 'mailto:x@example.com', from: null, importance: '2', options: [], message: 'm' }]);
  });
});
