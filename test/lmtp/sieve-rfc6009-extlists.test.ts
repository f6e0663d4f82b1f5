// Sieve's redirect-dsn and redirect-deliverby (RFC 6009), extlists (RFC 6134) and vnd.cyrus.log
// at LMTP delivery. The `sendmail` here is a Node script that speaks SMTP when run as
// `sendmail -bs` (as Cyrus 3.6 runs it) and records each MAIL / RCPT line and the message; run
// otherwise it records its arguments and standard input, as the other Sieve tests' fake does.
// Address books are the user's `#addressbooks.NAME` mailboxes of vCard messages.
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startTestLmtp, type TestLmtp } from './harness.js';
import { activate, deliver, mail, messagesWith } from './sieve-helpers.js';

interface Sent {
  args: string[];
  /** The SMTP commands (EHLO, MAIL, RCPT, DATA, QUIT) when run with -bs. */
  commands: string[];
  content: string;
}

/** A sendmail that speaks SMTP with -bs; the EHLO keywords it offers are read from `extensionsFile` (default DSN and DELIVERBY). */
function smtpSendmail(dir: string): { program: string; outbox: string; extensionsFile: string } {
  const outbox = join(dir, 'outbox');
  mkdirSync(outbox, { recursive: true });
  const extensionsFile = join(dir, 'ehlo-extensions');
  const program = join(dir, 'fake-sendmail');
  writeFileSync(program, `#!${process.execPath}
const fs = require('fs');
const args = process.argv.slice(2);
const rec = { args, commands: [], content: '' };
const save = () => { const f = ${JSON.stringify(outbox)} + '/' + process.hrtime.bigint() + '-' + process.pid; fs.writeFileSync(f + '.tmp', JSON.stringify(rec)); fs.renameSync(f + '.tmp', f + '.json'); };
if (!args.includes('-bs')) { rec.content = fs.readFileSync(0, 'latin1'); save(); process.exit(0); }
const exts = fs.existsSync(${JSON.stringify(extensionsFile)}) ? fs.readFileSync(${JSON.stringify(extensionsFile)}, 'utf8').split(/\\s+/).filter(Boolean) : ['DSN', 'DELIVERBY'];
const say = (s) => process.stdout.write(s + '\\r\\n');
say('220 fake.test ESMTP');
let buf = '', inData = false, lines = [];
process.stdin.on('data', (c) => {
  buf += c.toString('latin1');
  for (let i; (i = buf.indexOf('\\n')) >= 0;) { const line = buf.slice(0, i).replace(/\\r$/, ''); buf = buf.slice(i + 1); handle(line); }
});
function handle(line) {
  if (inData) {
    if (line === '.') { inData = false; rec.content = lines.map((l) => l.startsWith('..') ? l.slice(1) : l).join('\\r\\n') + '\\r\\n'; save(); say('250 2.0.0 queued'); }
    else lines.push(line);
    return;
  }
  rec.commands.push(line);
  const u = line.toUpperCase();
  if (u.startsWith('EHLO')) { say('250-fake.test'); for (const e of exts) say('250-' + e); say('250 8BITMIME'); }
  else if (u === 'DATA') { inData = true; say('354 go ahead'); }
  else if (u === 'QUIT') { say('221 bye'); process.exit(0); }
  else if (u.startsWith('RCPT') && u.includes('REFUSED@')) say('550 5.1.1 no such user');
  else say('250 ok');
}
`);
  chmodSync(program, 0o755);
  return { program, outbox, extensionsFile };
}

function sent(outbox: string): Sent[] {
  return readdirSync(outbox).filter((f) => f.endsWith('.json')).sort().map((f) => JSON.parse(readFileSync(join(outbox, f), 'utf8')) as Sent);
}

/** The MAIL and RCPT lines of one SMTP dialogue. */
const envelopeOf = (s: Sent): string[] => s.commands.filter((c) => /^(MAIL|RCPT) /.test(c));

function vcard(name: string, ...emails: string[]): Buffer {
  const card = ['BEGIN:VCARD', 'VERSION:3.0', `FN:${name}`, ...emails.map((e, i) => (i === 0 ? `EMAIL;TYPE=INTERNET:${e}` : `item${i}.EMAIL:${e}`)), 'END:VCARD'];
  return Buffer.from([
    'Subject: contact', 'Content-Type: text/vcard; charset=utf-8', '', ...card, '',
  ].join('\r\n'));
}

describe('redirect-dsn, redirect-deliverby, extlists and vnd.cyrus.log at LMTP delivery', () => {
  let server: TestLmtp;
  let dir: string;
  let sieveDir: string;
  let outbox: string;
  let extensionsFile: string;
  const logged: Array<Record<string, unknown>> = [];

  const book = async (name: string, ...cards: Buffer[]): Promise<void> => {
    const mailbox = `user.fred.#addressbooks.${name}`;
    if (server.store.lookup(mailbox) === null) server.store.createMailbox(mailbox, { acl: 'fred\tlrswipkxtecdan\t' });
    const box = server.store.openMailbox(mailbox);
    try {
      await box.append(cards.map((content) => ({ content })));
    } finally {
      box.close();
    }
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'cyrusts-sieve-6009-'));
    sieveDir = join(dir, 'sieve');
    const fake = smtpSendmail(dir);
    outbox = fake.outbox;
    extensionsFile = fake.extensionsFile;
    const logger = pino({ level: 'info' }, { write: (line: string) => void logged.push(JSON.parse(line) as Record<string, unknown>) });
    server = await startTestLmtp({ users: ['fred', 'joe'], conf: [`sievedir: ${sieveDir}`, `sendmail: ${fake.program}`], logger });
    for (const box of ['Known', 'Checked']) server.store.createMailbox(`user.fred.${box}`, { acl: 'fred\tlrswipkxtecdan\t' });
    await book('Default', vcard('Ann', 'ann@example.org'), vcard('Bob', 'Bob@Example.NET', 'bob.home@example.net'));
  });
  afterAll(async () => {
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });
  beforeEach(() => {
    for (const f of readdirSync(outbox)) rmSync(join(outbox, f));
    rmSync(extensionsFile, { force: true });
    logged.length = 0;
  });

  describe('redirect-dsn and redirect-deliverby', () => {
    it('passes NOTIFY and RET, and BY, to the MTA by sendmail -bs; the message is not kept', async () => {
      activate(sieveDir, 'fred', 'require ["redirect-dsn", "redirect-deliverby"];\nredirect :notify "success,failure" :ret "HDRS" :bytimerelative 600 :bytrace "elsewhere@example.net";\n');
      expect(await deliver(server, 'origin@example.org', ['fred@lmtp.test'], mail('dsn1'))).toEqual([expect.stringMatching(/^250 /)]);
      const out = sent(outbox);
      expect(out).toHaveLength(1);
      expect(out[0]!.args).toEqual(['-bs']);
      expect(envelopeOf(out[0]!)).toEqual([
        'MAIL FROM:<origin@example.org> RET=HDRS BY=600;RT',
        'RCPT TO:<elsewhere@example.net> NOTIFY=SUCCESS,FAILURE',
      ]);
      expect(out[0]!.content).toContain('Message-ID: <dsn1@example.org>');
      expect(await messagesWith(server, 'user.fred', 'dsn1')).toHaveLength(0);
    });

    it('makes :bytimeabsolute the seconds left, in mode notify', async () => {
      const inAnHour = new Date(Date.now() + 3600_000).toISOString().replace(/\.\d+Z$/, 'Z');
      activate(sieveDir, 'fred', `require ["redirect-deliverby", "copy"];\nredirect :copy :bytimeabsolute "${inAnHour}" :bymode "notify" "elsewhere@example.net";\n`);
      await deliver(server, 'origin@example.org', ['fred@lmtp.test'], mail('dsn2'));
      const mailFrom = envelopeOf(sent(outbox)[0]!)[0]!;
      const by = /BY=(\d+);N$/.exec(mailFrom);
      expect(by).not.toBeNull();
      expect(Number(by![1])).toBeGreaterThan(3590);
      expect(Number(by![1])).toBeLessThanOrEqual(3600);
      expect(await messagesWith(server, 'user.fred', 'dsn2')).toHaveLength(1);
    });

    it('leaves out what the MTA does not offer (and logs it), still redirecting', async () => {
      writeFileSync(extensionsFile, 'SIZE');
      activate(sieveDir, 'fred', 'require ["redirect-dsn", "redirect-deliverby"];\nredirect :notify "NEVER" :bytimerelative 60 "elsewhere@example.net";\n');
      await deliver(server, 'origin@example.org', ['fred@lmtp.test'], mail('dsn3'));
      expect(envelopeOf(sent(outbox)[0]!)).toEqual(['MAIL FROM:<origin@example.org>', 'RCPT TO:<elsewhere@example.net>']);
      expect(logged.find((l) => l.msg === 'sieve: the MTA does not offer these redirect parameters; sent without them')).toMatchObject({ dropped: ['BY', 'NOTIFY'] });
    });

    it('a plain redirect still goes by the command line', async () => {
      activate(sieveDir, 'fred', 'redirect "elsewhere@example.net";\n');
      await deliver(server, 'origin@example.org', ['fred@lmtp.test'], mail('dsn4'));
      expect(sent(outbox).map((s) => s.args)).toEqual([['-i', '-f', 'origin@example.org', '--', 'elsewhere@example.net']]);
    });

    it('an MTA that refuses the recipient: the failure is logged, the delivery still succeeds', async () => {
      activate(sieveDir, 'fred', 'require "redirect-dsn";\nredirect :notify "FAILURE" "refused@example.net";\n');
      expect(await deliver(server, 'origin@example.org', ['fred@lmtp.test'], mail('dsn5'))).toEqual([expect.stringMatching(/^250 /)]);
      expect(sent(outbox)).toHaveLength(0);
      const failure = logged.find((l) => l.msg === 'sieve: sending failed') as { err?: { message?: string } } | undefined;
      expect(failure?.err?.message).toMatch(/refused RCPT TO:<refused@example\.net>: 550 5\.1\.1 no such user/);
    });

    it('a deliver-by time already past in mode return keeps the message and sends nothing', async () => {
      activate(sieveDir, 'fred', 'require "redirect-deliverby";\nredirect :bytimeabsolute "2001-01-01T00:00:00Z" "elsewhere@example.net";\n');
      await deliver(server, 'origin@example.org', ['fred@lmtp.test'], mail('dsn6'));
      expect(sent(outbox)).toHaveLength(0);
      expect(await messagesWith(server, 'user.fred', 'dsn6')).toHaveLength(1);
    });
  });

  describe('extlists: the user\'s address books', () => {
    it('address :list matches the addresses of the default book, without regard to case', async () => {
      activate(sieveDir, 'fred', 'require ["extlists", "fileinto"];\nif address :list "from" ":addrbook:default" { fileinto "Known"; }\n');
      await deliver(server, 'x@example.org', ['fred@lmtp.test'], mail('known1').replace('From: Sender <sender@example.org>', 'From: Bob <BOB@Example.net>'));
      await deliver(server, 'x@example.org', ['fred@lmtp.test'], mail('unknown1'));
      expect(await messagesWith(server, 'user.fred.Known', 'known1')).toHaveLength(1);
      expect(await messagesWith(server, 'user.fred', 'unknown1')).toHaveLength(1);
    });

    it('sees a contact added to the book at the next delivery', async () => {
      activate(sieveDir, 'fred', 'require ["extlists", "fileinto", "envelope"];\nif envelope :list "from" "urn:ietf:params:sieve:addrbook:Friends" { fileinto "Known"; }\n');
      await book('Friends', vcard('Carol', 'carol@example.org'));
      await deliver(server, 'dave@example.org', ['fred@lmtp.test'], mail('friend1'));
      expect(await messagesWith(server, 'user.fred', 'friend1')).toHaveLength(1);
      await book('Friends', vcard('Dave', 'dave@example.org'));
      await deliver(server, 'dave@example.org', ['fred@lmtp.test'], mail('friend2'));
      expect(await messagesWith(server, 'user.fred.Known', 'friend2')).toHaveLength(1);
    });

    it('valid_ext_list is true for a book that exists, false for one that does not; another user\'s books are not fred\'s', async () => {
      activate(sieveDir, 'fred', 'require ["extlists", "fileinto"];\nif valid_ext_list ":addrbook:default" { fileinto "Checked"; }\n');
      await deliver(server, 'x@example.org', ['fred@lmtp.test'], mail('valid1'));
      expect(await messagesWith(server, 'user.fred.Checked', 'valid1')).toHaveLength(1);
      activate(sieveDir, 'joe', 'require ["extlists", "fileinto"];\nif valid_ext_list ":addrbook:default" { discard; }\n');
      await deliver(server, 'x@example.org', ['joe@lmtp.test'], mail('valid2'));
      expect(await messagesWith(server, 'user.joe', 'valid2')).toHaveLength(1);
    });

    it('redirect :list sends one message to every address of the book', async () => {
      activate(sieveDir, 'fred', 'require ["extlists", "redirect-dsn"];\nredirect :notify "NEVER" :list ":addrbook:default";\n');
      await deliver(server, 'origin@example.org', ['fred@lmtp.test'], mail('listed1'));
      const out = sent(outbox);
      expect(out).toHaveLength(1);
      expect(envelopeOf(out[0]!)).toEqual([
        'MAIL FROM:<origin@example.org>',
        'RCPT TO:<ann@example.org> NOTIFY=NEVER',
        'RCPT TO:<bob@example.net> NOTIFY=NEVER',
        'RCPT TO:<bob.home@example.net> NOTIFY=NEVER',
      ]);
      expect(await messagesWith(server, 'user.fred', 'listed1')).toHaveLength(0);
    });

    it('redirect :list to a book that does not exist keeps the message', async () => {
      activate(sieveDir, 'fred', 'require "extlists";\nredirect :list ":addrbook:nobody";\n');
      await deliver(server, 'origin@example.org', ['fred@lmtp.test'], mail('listed2'));
      expect(sent(outbox)).toHaveLength(0);
      expect(await messagesWith(server, 'user.fred', 'listed2')).toHaveLength(1);
    });
  });

  describe('vnd.cyrus.log', () => {
    it('writes each log line of the script to the server\'s log, with the user and the Message-ID', async () => {
      activate(sieveDir, 'fred', 'require ["vnd.cyrus.log", "variables"];\nif header :matches "subject" "*" { log "filtered: ${1}"; }\n');
      await deliver(server, 'x@example.org', ['fred@lmtp.test'], mail('logged1'));
      const lines = logged.filter((l) => l.msg === 'sieve: log');
      expect(lines).toEqual([expect.objectContaining({ userid: 'fred', script: 'main', messageId: '<logged1@example.org>', text: 'filtered: test logged1' })]);
      expect(await messagesWith(server, 'user.fred', 'logged1')).toHaveLength(1);
    });
  });
});
