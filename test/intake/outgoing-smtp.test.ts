// Sending by `sendmail -bs` (outgoing-smtp.ts): DATA's dot-stuffing, the parameters an MTA takes
// or not, multi-line replies, and the failures (a refused step, a program that cannot run or does
// not answer) as MailError Temp. The vCard reading of the address books (sieve-lists.ts) too.
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MailError } from '../../src/common/index.js';
import { dataBlock, sendSmtp } from '../../src/intake/outgoing-smtp.js';
import { vcardEmails } from '../../src/intake/sieve-lists.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'cyrusts-smtp-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/**
 * A sendmail answering each command with the next of `replies` (after a 354, the message up to its
 * "." line counts as one command), logging every line it read.
 */
function scripted(name: string, greeting: string, replies: string[]): { program: string; log: string } {
  const program = join(dir, name);
  const log = join(dir, `${name}.log`);
  writeFileSync(program, `#!${process.execPath}
const fs = require('fs');
const log = ${JSON.stringify(log)};
fs.writeFileSync(log, '');
const replies = ${JSON.stringify(replies)};
process.stdout.write(${JSON.stringify(greeting)} + '\\r\\n');
let buf = '', inData = false;
process.stdin.on('data', (c) => {
  buf += c.toString('latin1');
  for (let i; (i = buf.indexOf('\\n')) >= 0;) {
    const line = buf.slice(0, i + 1); buf = buf.slice(i + 1);
    fs.appendFileSync(log, line);
    if (inData && line !== '.\\r\\n') continue;
    inData = false;
    const reply = replies.shift();
    if (reply === undefined) process.exit(0);
    process.stdout.write(reply + '\\r\\n');
    if (reply.startsWith('354')) inData = true;
  }
});
`);
  chmodSync(program, 0o755);
  return { program, log };
}

const mail = { from: 'a@example.org', to: ['b@example.net', 'c@example.net'], content: Buffer.from('Subject: x\r\n\r\n.hidden\r\nend\r\n') };

describe('dataBlock', () => {
  it.each([
    ['a\r\nb\r\n', 'a\r\nb\r\n.\r\n'],
    ['a\r\nb', 'a\r\nb\r\n.\r\n'],
    ['.a\r\n..b\r\nc.\r\n', '..a\r\n...b\r\nc.\r\n.\r\n'],
    ['a\nb\n', 'a\r\nb\r\n.\r\n'],
    ['', '.\r\n'],
  ])('%j', (input, output) => {
    expect(dataBlock(Buffer.from(input)).toString()).toBe(output);
  });
});

describe('sendSmtp', () => {
  it('sends the parameters the EHLO reply offers, with multi-line replies read whole', async () => {
    const { program, log } = scripted('ok', '220-fake\r\n220 ready', ['250-fake\r\n250-DSN\r\n250 DELIVERBY 60', '250 ok', '250 ok', '251 forwarded', '354 go', '250 queued', '221 bye']);
    const report = await sendSmtp(program, { ...mail, dsn: { notify: 'SUCCESS', ret: 'FULL' }, deliverBy: { seconds: 90, mode: 'N', trace: true } }, 5000);
    expect(report).toEqual({ dropped: [] });
    const lines = readFileSync(log, 'utf8').split('\n');
    expect(lines.slice(0, 5)).toEqual([
      'EHLO localhost\r', 'MAIL FROM:<a@example.org> RET=FULL BY=90;NT\r', 'RCPT TO:<b@example.net> NOTIFY=SUCCESS\r', 'RCPT TO:<c@example.net> NOTIFY=SUCCESS\r', 'DATA\r',
    ]);
    expect(lines).toContain('..hidden\r');
  });

  it('reports the parameters an MTA without DSN and DELIVERBY did not get', async () => {
    const { program, log } = scripted('plain', '220 ready', ['250 fake', '250 ok', '250 ok', '250 ok', '354 go', '250 queued', '221 bye']);
    const report = await sendSmtp(program, { ...mail, dsn: { notify: 'NEVER', ret: null }, deliverBy: { seconds: 90, mode: 'R', trace: false } }, 5000);
    expect(report.dropped.sort()).toEqual(['BY', 'NOTIFY']);
    expect(readFileSync(log, 'utf8')).toContain('MAIL FROM:<a@example.org>\r\nRCPT TO:<b@example.net>\r\n');
  });

  it.each([
    ['greeting', '554 go away', [], /refused the session: 554 go away/],
    ['mail', '220 ready', ['250 fake', '452 4.3.1 queue full'], /refused MAIL FROM: 452 4\.3\.1 queue full/],
    ['rcpt', '220 ready', ['250 fake', '250 ok', '550 5.1.1 unknown'], /refused RCPT TO:<b@example\.net>: 550 5\.1\.1 unknown/],
    ['data', '220 ready', ['250 fake', '250 ok', '250 ok', '250 ok', '354 go', '554 5.6.0 rejected'], /refused the message: 554 5\.6\.0 rejected/],
  ])('a refused %s is a Temp MailError', async (name, greeting, replies, error) => {
    const { program } = scripted(`refuse-${name}`, greeting, replies);
    const failure = await sendSmtp(program, mail, 5000).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(MailError);
    expect((failure as MailError).kind).toBe('Temp');
    expect((failure as MailError).message).toMatch(error);
  });

  it('a program that cannot run, or that stops answering, is a Temp MailError', async () => {
    await expect(sendSmtp(join(dir, 'missing'), mail, 5000)).rejects.toThrow(/cannot run .*missing/);
    const silent = join(dir, 'silent');
    writeFileSync(silent, '#!/bin/sh\nexec sleep 30\n');
    chmodSync(silent, 0o755);
    await expect(sendSmtp(silent, mail, 300)).rejects.toThrow(/took longer than 0.3 s/);
    const quits = join(dir, 'quits');
    writeFileSync(quits, '#!/bin/sh\nprintf "220 ready\\r\\n"\nexit 3\n');
    chmodSync(quits, 0o755);
    await expect(sendSmtp(quits, mail, 5000)).rejects.toThrow(/-bs ended \(exit code 3\)/);
  });
});

describe('vcardEmails', () => {
  const message = (body: string): Buffer => Buffer.from(`Subject: c\r\nContent-Type: text/vcard\r\n\r\n${body}`);
  it.each([
    ['BEGIN:VCARD\r\nVERSION:4.0\r\nEMAIL:Ann@Example.org\r\nEND:VCARD\r\n', ['ann@example.org']],
    ['BEGIN:VCARD\r\nEMAIL;TYPE=work,pref:a@x.org\r\nitem1.EMAIL;type=INTERNET:b@x.org\r\nEND:VCARD', ['a@x.org', 'b@x.org']],
    ['begin:vcard\r\nemail:mailto:c@x.org\r\nend:vcard', ['c@x.org']],
    ['BEGIN:VCARD\r\nEMAIL:long.na\r\n me@x.org\r\nEND:VCARD', ['long.name@x.org']],
    ['BEGIN:VCARD\r\nEMAIL:a@x.org\r\nEND:VCARD\r\nBEGIN:VCARD\r\nEMAIL:b@y.org\r\nEND:VCARD', ['a@x.org', 'b@y.org']],
    ['EMAIL:outside@x.org\r\n', []],
    ['BEGIN:VCARD\r\nEMAIL:not an address\r\nNOTE:EMAIL:x@y.org\r\nEND:VCARD', []],
  ])('%j', (body, emails) => {
    expect(vcardEmails(message(body))).toEqual(emails);
  });

  it('reads no header field as a card', () => {
    expect(vcardEmails(Buffer.from('Email: head@x.org\r\nBEGIN: VCARD\r\n\r\nbody'))).toEqual([]);
  });
});
