// Sieve from end to end through the master, as an installation runs it: a script uploaded and made
// active over ManageSieve (the timsieved service) decides where the next LMTP delivery (the lmtpd
// service, another worker process) goes; a new upload replaces it for the delivery after.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ImapdConfig } from '../../src/config/index.js';
import { MailStore } from '../../src/store/index.js';
import { addUsers, LineClient, RunningMaster, tempServer, type TempServer } from '../master/helpers.js';

/** Lines received from `from` on until one matches `end`. */
async function until(client: LineClient, from: number, end: RegExp, ms = 20_000): Promise<string[]> {
  const deadline = Date.now() + ms;
  for (;;) {
    const got = client.received.slice(from);
    if (got.some((l) => end.test(l))) return got;
    if (Date.now() > deadline) throw new Error(`no ${end} within ${ms} ms; got ${JSON.stringify(got)}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

async function putActive(address: string, script: string): Promise<void> {
  const c = await LineClient.connect(address);
  try {
    await until(c, 0, /^OK/);
    let at = c.received.length;
    c.send(`AUTHENTICATE "PLAIN" "${Buffer.from('\0fred\0pass').toString('base64')}"\r\n`);
    expect((await until(c, at, /^(OK|NO|BYE)/)).at(-1)).toMatch(/^OK/);
    at = c.received.length;
    c.send(`PUTSCRIPT "main" {${Buffer.byteLength(script)}+}\r\n${script}\r\n`);
    expect((await until(c, at, /^(OK|NO|BYE)/)).at(-1)).toMatch(/^OK/);
    at = c.received.length;
    c.send('SETACTIVE "main"\r\n');
    expect((await until(c, at, /^(OK|NO|BYE)/)).at(-1)).toMatch(/^OK/);
    c.send('LOGOUT\r\n');
  } finally {
    c.close();
  }
}

async function deliver(address: string, id: string, subject: string): Promise<string> {
  const c = await LineClient.connect(address);
  try {
    await until(c, 0, /^220 /);
    const step = async (line: string, code: RegExp): Promise<string> => {
      const at = c.received.length;
      c.send(line);
      const got = await until(c, at, /^\d{3} /);
      expect(got.at(-1)).toMatch(code);
      return got.at(-1)!;
    };
    await step('LHLO client.example\r\n', /^250 /);
    await step('MAIL FROM:<sender@example.org>\r\n', /^250 /);
    await step('RCPT TO:<fred>\r\n', /^250 /);
    await step('DATA\r\n', /^354 /);
    return await step(`From: sender@example.org\r\nSubject: ${subject}\r\nMessage-ID: <${id}@example.org>\r\n\r\nbody\r\n.\r\n`, /^\d{3} /);
  } finally {
    c.close();
  }
}

describe('Sieve through the master: ManageSieve upload, LMTP delivery', () => {
  let server: TempServer;
  let master: RunningMaster;

  beforeAll(async () => {
    server = tempServer(
      'SERVICES {\n  lmtp cmd="lmtpd -a" listen="127.0.0.1:0" prefork=1\n  sieve cmd="timsieved" listen="127.0.0.1:0" prefork=1\n}\n',
      'allowplaintext: yes\nsievedir: {configdirectory}/sieve\nfsync_disabled: yes\nauth_failure_delay: 0\nautocreate_post: yes\nautocreate_quota: 0\n',
    );
    addUsers(server, ['fred']);
    master = RunningMaster.start(server);
  }, 60_000);

  afterAll(async () => {
    await master?.stop();
    server?.cleanup();
  });

  async function count(mailbox: string, id: string): Promise<number> {
    const store = MailStore.open({ config: ImapdConfig.load(server.imapdConf) });
    try {
      if (store.lookup(mailbox) === null) return 0;
      const box = store.openMailbox(mailbox);
      try {
        let n = 0;
        for (const uid of box.snapshot().uids) if ((await box.readMessage(uid)).includes(`<${id}@example.org>`)) n++;
        return n;
      } finally {
        box.close();
      }
    } finally {
      store.close();
    }
  }

  it('files by the uploaded script, then follows the script that replaced it', async () => {
    const sieve = await master.address('sieve');
    const lmtp = await master.address('lmtp');
    await putActive(sieve, 'require ["fileinto", "mailbox"];\r\nif header :contains "Subject" "[lists]" { fileinto :create "Lists"; }\r\n');
    expect(await deliver(lmtp, 'e2e-1', '[lists] weekly')).toMatch(/^250 /);
    expect(await count('user.fred.Lists', 'e2e-1')).toBe(1);
    expect(await count('user.fred', 'e2e-1')).toBe(0);
    await putActive(sieve, 'require "reject";\r\nreject "Closed for the holidays.";\r\n');
    expect(await deliver(lmtp, 'e2e-2', '[lists] weekly')).toMatch(/^550 5\.7\.1 Closed for the holidays\./);
    expect((await count('user.fred.Lists', 'e2e-2')) + (await count('user.fred', 'e2e-2'))).toBe(0);
  });
});
