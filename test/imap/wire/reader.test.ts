import { describe, expect, test } from 'vitest';
import { CommandReader, type CommandReaderOptions, type ReaderEvent } from '../../../src/imap/wire/reader.js';
import { parseCommand } from '../../../src/imap/wire/parse/index.js';

const OPTIONS: CommandReaderOptions = { maxLineLength: 200, maxLiteralSize: 1000, maxAppendLiteralSize: 100_000, literalPlus: 'plus', refusedNonSyncLiteral: 'discard' };

type Seen = { type: string; tag?: string | null; name?: string; detail?: string };

/** Feed chunks, accepting every synchronising literal; describe every event. */
function run(chunks: Buffer[], options: Partial<CommandReaderOptions> = {}, accept = true): Seen[] {
  const reader = new CommandReader({ ...OPTIONS, ...options });
  const seen: Seen[] = [];
  const drain = (): void => {
    for (let event = reader.next(); event; event = reader.next()) {
      seen.push(describeEvent(event));
      if (event.type === 'literal') {
        if (accept) reader.acceptLiteral();
        else reader.rejectLiteral();
      }
    }
  };
  for (const chunk of chunks) {
    reader.push(chunk);
    drain();
  }
  return seen;
}

function describeEvent(event: ReaderEvent): Seen {
  switch (event.type) {
    case 'command': {
      const detail = event.command.parts
        .map((p) => (p.kind === 'text' ? p.bytes.toString('latin1') : `<${p.binary ? '~' : ''}${p.bytes.toString('latin1')}>`))
        .join('');
      return { type: 'command', tag: event.command.tag, name: event.command.name, detail };
    }
    case 'literal':
      return { type: 'literal', tag: event.tag, name: event.name, detail: String(event.size) };
    case 'error':
      return { type: 'error', tag: event.error.tag, detail: `${event.error.status} ${event.error.code ?? '-'} ${event.error.kind}${event.error.fatal ? ' fatal' : ''}` };
  }
}

function bytewise(text: string | Buffer): Buffer[] {
  const buf = Buffer.isBuffer(text) ? text : Buffer.from(text, 'latin1');
  return [...buf].map((b) => Buffer.from([b]));
}

const SESSION = [
  'a1 CAPABILITY\r\n',
  'a2 LOGIN {5}\r\nalice {6+}\r\nsecret\r\n',
  '\r\n',
  'a3 SELECT "INBOX"\n',
  'a4 APPEND Drafts (\\Draft) {12+}\r\nSubject: x\r\n ~{3+}\r\na\u0000b\r\n',
  'a5 UID FETCH 1:* (UID FLAGS BODY.PEEK[HEADER.FIELDS (FROM)])\r\n',
  'a6 LOGOUT\r\n',
].join('');

describe('CommandReader framing', () => {
  test('whole input, byte-at-a-time and random splits give the same commands', () => {
    const whole = run([Buffer.from(SESSION, 'latin1')]);
    expect(whole.filter((e) => e.type === 'command').map((e) => e.tag)).toEqual(['a1', 'a2', 'a3', 'a4', 'a5', 'a6']);
    expect(whole).toContainEqual({ type: 'command', tag: 'a2', name: 'LOGIN', detail: ' <alice> <secret>' });
    expect(whole).toContainEqual({ type: 'command', tag: 'a4', name: 'APPEND', detail: ' Drafts (\\Draft) <Subject: x\r\n> <~a\u0000b>' });
    expect(whole).toContainEqual({ type: 'command', tag: 'a3', name: 'SELECT', detail: ' "INBOX"' });
    expect(run(bytewise(SESSION))).toEqual(whole);
    const buf = Buffer.from(SESSION, 'latin1');
    for (let seed = 1; seed < 30; seed++) {
      const chunks: Buffer[] = [];
      let at = 0;
      while (at < buf.length) {
        const n = 1 + ((seed * 7919 + at * 31) % 17);
        chunks.push(buf.subarray(at, at + n));
        at += n;
      }
      expect(run(chunks)).toEqual(whole);
    }
  });

  test('a synchronising literal waits for the session and its data may be split anywhere', () => {
    const reader = new CommandReader(OPTIONS);
    reader.push(Buffer.from('x LOGIN {3}\r\n'));
    expect(reader.next()).toMatchObject({ type: 'literal', tag: 'x', size: 3, binary: false });
    reader.push(Buffer.from('bo'));
    expect(reader.next()).toBeNull(); // nothing until the decision
    expect(reader.awaitingLiteralDecision).toBe(true);
    reader.acceptLiteral();
    expect(reader.next()).toBeNull();
    reader.push(Buffer.from('b pw\r\n'));
    const event = reader.next();
    expect(event?.type).toBe('command');
    if (event?.type === 'command') expect(parseCommand(event.command)).toEqual({ name: 'LOGIN', userid: 'bob', password: 'pw' });
  });

  test('a rejected literal ends the command; the next line is a new command', () => {
    const seen = run([Buffer.from('a APPEND INBOX {10}\r\n'), Buffer.from('b NOOP\r\n')], {}, false);
    expect(seen).toEqual([
      { type: 'literal', tag: 'a', name: 'APPEND', detail: '10' },
      { type: 'command', tag: 'b', name: 'NOOP', detail: '' },
    ]);
  });

  test('bad tags and missing command names are reported and skipped', () => {
    expect(run([Buffer.from('+ NOOP\r\n* x\r\nt1\r\nt2 NOOP\r\n')])).toEqual([
      { type: 'error', tag: null, detail: 'BAD - badTag' },
      { type: 'error', tag: null, detail: 'BAD - badTag' },
      { type: 'error', tag: 't1', detail: 'BAD - missingCommand' },
      { type: 'command', tag: 't2', name: 'NOOP', detail: '' },
    ]);
  });

  test('nextLine reads raw lines (AUTHENTICATE, IDLE DONE)', () => {
    const reader = new CommandReader(OPTIONS);
    reader.push(Buffer.from('DO'));
    expect(reader.nextLine()).toBeNull();
    reader.push(Buffer.from('NE\r\na NOOP\r\n'));
    expect(reader.nextLine()).toEqual({ type: 'line', text: 'DONE' });
    expect(reader.next()).toMatchObject({ type: 'command', command: { tag: 'a', name: 'NOOP' } });
    reader.push(Buffer.alloc(500, 0x41));
    expect(reader.nextLine()).toMatchObject({ type: 'error', error: { kind: 'lineTooLong' } });
    reader.push(Buffer.from('AAAA\r\nb NOOP\r\n'));
    expect(reader.next()).toMatchObject({ type: 'command', command: { tag: 'b' } });
  });
});

describe('CommandReader limits', () => {
  test('a synchronising literal over maxliteral: NO [TOOBIG], nothing buffered, connection usable', () => {
    const reader = new CommandReader(OPTIONS);
    reader.push(Buffer.from('a LOGIN {5000}\r\nb NOOP\r\n'));
    expect(reader.next()).toEqual({
      type: 'error',
      error: { kind: 'literalTooBig', tag: 'a', status: 'NO', code: 'TOOBIG', message: 'Literal too big', fatal: false },
    });
    expect(reader.next()).toMatchObject({ type: 'command', command: { tag: 'b', name: 'NOOP' } });
    expect(reader.bufferedBytes).toBe(0);
  });

  test('APPEND has its own, larger literal limit', () => {
    expect(run([Buffer.from('a APPEND INBOX {5000}\r\n')], {}, false)).toEqual([{ type: 'literal', tag: 'a', name: 'APPEND', detail: '5000' }]);
    expect(run([Buffer.from('a APPEND INBOX {100001}\r\n')])).toEqual([{ type: 'error', tag: 'a', detail: 'NO TOOBIG literalTooBig' }]);
  });

  test('a refused non-synchronising literal is read and discarded (RFC 7888 section 4)', () => {
    const literal = 'x'.repeat(5000);
    const input = `a LOGIN {5000+}\r\n${literal} {3+}\r\npw{2}\r\nb NOOP\r\n`;
    const expected = [
      { type: 'error', tag: 'a', detail: 'BAD TOOBIG nonSyncLiteralTooBig' },
      { type: 'command', tag: 'b', name: 'NOOP', detail: '' },
    ];
    expect(run([Buffer.from(input)])).toEqual(expected);
    expect(run(bytewise(input))).toEqual(expected);
  });

  test('or, by default (as Cyrus does), closes the connection', () => {
    const { refusedNonSyncLiteral: _ignored, ...defaults } = OPTIONS;
    const reader = new CommandReader(defaults);
    reader.push(Buffer.from('a LOGIN {5000+}\r\nxxxx'));
    expect(reader.next()).toMatchObject({ type: 'error', error: { code: 'TOOBIG', fatal: true } });
    expect(reader.closed).toBe(true);
    reader.push(Buffer.from('b NOOP\r\n'));
    expect(reader.next()).toBeNull();
  });

  test('LITERAL- allows non-synchronising literals up to 4096 bytes only', () => {
    const ok = `a LOGIN {4096+}\r\n${'u'.repeat(4096)} p\r\n`;
    expect(run([Buffer.from(ok)], { literalPlus: 'minus', maxLiteralSize: 10_000 })[0]).toMatchObject({ type: 'command', tag: 'a' });
    const big = `a LOGIN {4097+}\r\n${'u'.repeat(4097)} p\r\nb NOOP\r\n`;
    expect(run([Buffer.from(big)], { literalPlus: 'minus', maxLiteralSize: 10_000 })).toEqual([
      { type: 'error', tag: 'a', detail: 'BAD TOOBIG nonSyncLiteralTooBig' },
      { type: 'command', tag: 'b', name: 'NOOP', detail: '' },
    ]);
  });

  test('without LITERAL+ a non-synchronising literal is refused and skipped', () => {
    expect(run([Buffer.from('a LOGIN {3+}\r\nbob pw\r\nb NOOP\r\n')], { literalPlus: 'none' })).toEqual([
      { type: 'error', tag: 'a', detail: 'BAD TOOBIG nonSyncLiteralNotAllowed' },
      { type: 'command', tag: 'b', name: 'NOOP', detail: '' },
    ]);
  });

  test('an over-long line is refused with its tag and skipped, also when split and when it carries a literal', () => {
    const long = `a1 SELECT ${'x'.repeat(300)}\r\nb NOOP\r\n`;
    const expected = [
      { type: 'error', tag: 'a1', detail: 'BAD - lineTooLong' },
      { type: 'command', tag: 'b', name: 'NOOP', detail: '' },
    ];
    expect(run([Buffer.from(long)])).toEqual(expected);
    expect(run(bytewise(long))).toEqual(expected);
    // The over-long line ends with a non-synchronising literal: its data is skipped too.
    const withLiteral = `a1 SEARCH TEXT ${'y'.repeat(300)} {5+}\r\nb NOO\r\nb NOOP\r\n`;
    expect(run([Buffer.from(withLiteral)])).toEqual(expected);
    expect(run(bytewise(withLiteral))).toEqual(expected);
    // A continuation line after a literal may be over-long too.
    expect(run([Buffer.from(`a1 LOGIN {3+}\r\nbob ${'p'.repeat(300)}\r\nb NOOP\r\n`)])).toEqual(expected);
  });

  test('maxargssize counts text and literals', () => {
    expect(run([Buffer.from('a LOGIN {50+}\r\n' + 'u'.repeat(50) + ' p\r\nb NOOP\r\n')], { maxArgumentsSize: 40 })).toEqual([
      { type: 'error', tag: 'a', detail: 'BAD TOOBIG nonSyncLiteralTooBig' },
      { type: 'command', tag: 'b', name: 'NOOP', detail: '' },
    ]);
  });

  test('maxLiterals bounds the literals of one command, synchronising or not', () => {
    const tiny = 'a LOGIN' + ' {1+}\r\nx'.repeat(3) + '\r\nb NOOP\r\n';
    expect(run([Buffer.from(tiny)], { maxLiterals: 2 })).toEqual([
      { type: 'error', tag: 'a', detail: 'BAD TOOBIG tooManyLiterals' },
      { type: 'command', tag: 'b', name: 'NOOP', detail: '' },
    ]);
    expect(run([Buffer.from(tiny)], { maxLiterals: 2, refusedNonSyncLiteral: 'close' })).toEqual([{ type: 'error', tag: 'a', detail: 'BAD TOOBIG tooManyLiterals fatal' }]);
    expect(run([Buffer.from('a LOGIN {1}\r\nx {1}\r\nb NOOP\r\n')], { maxLiterals: 1 })).toEqual([
      { type: 'literal', tag: 'a', name: 'LOGIN', detail: '1' },
      { type: 'error', tag: 'a', detail: 'BAD TOOBIG tooManyLiterals' },
      { type: 'command', tag: 'b', name: 'NOOP', detail: '' },
    ]);
  });

  test('setLimits widens the bounds for the next command', () => {
    const reader = new CommandReader({ ...OPTIONS, maxLiterals: 1 });
    reader.setLimits({ maxLiterals: 5 });
    reader.push(Buffer.from('a LOGIN {1+}\r\nx {1+}\r\ny\r\n'));
    expect(reader.next()?.type).toBe('command');
  });

  test('an announced literal costs memory only as its data arrives', () => {
    const reader = new CommandReader({ ...OPTIONS, maxAppendLiteralSize: 1 << 30 });
    const before = process.memoryUsage().arrayBuffers;
    reader.push(Buffer.from('a APPEND INBOX {900000000+}\r\nFrom: x\r\n'));
    expect(reader.next()).toBeNull();
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(1 << 20);
  });

  test('100 MB of junk without a newline: one error, memory stays flat', () => {
    const reader = new CommandReader({ ...OPTIONS, maxLineLength: 65536 });
    const junk = Buffer.alloc(1 << 20, 0x61);
    const errors: ReaderEvent[] = [];
    global.gc?.();
    const before = process.memoryUsage().heapUsed + process.memoryUsage().arrayBuffers;
    let peakBuffered = 0;
    for (let i = 0; i < 100; i++) {
      reader.push(junk);
      for (let e = reader.next(); e; e = reader.next()) errors.push(e);
      peakBuffered = Math.max(peakBuffered, reader.bufferedBytes);
    }
    const after = process.memoryUsage().heapUsed + process.memoryUsage().arrayBuffers;
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ type: 'error', error: { kind: 'lineTooLong' } });
    expect(peakBuffered).toBe(0);
    expect(after - before).toBeLessThan(32 << 20);
    reader.push(Buffer.from('\r\nz NOOP\r\n'));
    expect(reader.next()).toMatchObject({ type: 'command', command: { tag: 'z' } });
  });
});

describe('CommandReader property', () => {
  test('any way of cutting the input gives the same events', async () => {
    const fc = (await import('fast-check')).default;
    const input = Buffer.from(SESSION + 'b1 LOGIN {300}\r\n' + 'q'.repeat(300) + ` x\r\nb2 SELECT ${'y'.repeat(250)}\r\nb3 NOOP\r\n`, 'latin1');
    const whole = run([input]);
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 64 }), { minLength: 1, maxLength: 200 }), (sizes) => {
        const chunks: Buffer[] = [];
        let at = 0;
        for (let k = 0; at < input.length; k++) {
          const n = sizes[k % sizes.length]!;
          chunks.push(input.subarray(at, at + n));
          at += n;
        }
        expect(run(chunks)).toEqual(whole);
      }),
      { numRuns: 200 },
    );
  });
});

describe('CommandReader close', () => {
  test('close() drops what is buffered (a half-read literal, a partial line) and takes nothing more', () => {
    const reader = new CommandReader(OPTIONS);
    reader.push(Buffer.from('a LOGIN {900+}\r\n' + 'x'.repeat(600)));
    expect(reader.next()).toBeNull();
    reader.push(Buffer.from('x'.repeat(100)));
    expect(reader.bufferedBytes).toBeGreaterThan(0);
    reader.close();
    expect(reader.bufferedBytes).toBe(0);
    expect(reader.closed).toBe(true);
    reader.push(Buffer.from('x'.repeat(200) + '\r\nb NOOP\r\n'));
    expect(reader.bufferedBytes).toBe(0);
    expect(reader.next()).toBeNull();
  });
});
