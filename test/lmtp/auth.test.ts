// Who may deliver: on TCP only after AUTH (unless lmtpd -a); on the UNIX socket anyone.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LmtpClient, message, startTestLmtp, storedMessages, type TestLmtp } from './harness.js';

const plain = (user: string, pass: string) => Buffer.from(`\0${user}\0${pass}`).toString('base64');

describe('TCP without -a', () => {
  let server: TestLmtp;
  beforeAll(async () => {
    server = await startTestLmtp({ users: ['fred'] });
  });
  afterAll(async () => server.close());

  it('refuses MAIL before AUTH with 530 5.7.0', async () => {
    const c = await LmtpClient.connect({ port: server.port });
    await c.command('LHLO x');
    expect(await c.command('MAIL FROM:<a@b>')).toMatch(/^530 5\.7\.0 /);
    c.close();
  });

  it('refuses a wrong password with 535 5.7.8, then delivers after AUTH PLAIN', async () => {
    const c = await LmtpClient.connect({ port: server.port });
    await c.command('LHLO x');
    expect(await c.command(`AUTH PLAIN ${plain('fred', 'wrong')}`)).toMatch(/^535 5\.7\.8 /);
    expect(await c.command('AUTH PLAIN')).toBe('334 ');
    expect(await c.command(plain('fred', 'pass'))).toMatch(/^235 2\.0\.0 /);
    expect(await c.command(`AUTH PLAIN ${plain('fred', 'pass')}`)).toMatch(/^503 5\.5\.1 /);
    expect(await c.command('MAIL FROM:<a@b>')).toMatch(/^250 /);
    expect(await c.command('RCPT TO:<fred>')).toMatch(/^250 /);
    await c.command('DATA');
    c.write(`${message('auth@x')}.\r\n`);
    expect(await c.replies(1)).toEqual([expect.stringMatching(/^250 2\.1\.5 /)]);
    const [stored] = await storedMessages(server.store, 'user.fred');
    expect(stored).toMatch(/ with LMTPA id /);
    c.close();
  });

  it('cancels AUTH on "*" and refuses an unknown mechanism', async () => {
    const c = await LmtpClient.connect({ port: server.port });
    await c.command('LHLO x');
    expect(await c.command('AUTH LOGIN')).toMatch(/^334 /);
    expect(await c.command('*')).toMatch(/^501 5\.7\.0 /);
    expect(await c.command('AUTH FROB')).toMatch(/^504 5\.5\.4 /);
    c.close();
  });

  it('lets anyone deliver on the UNIX socket, where AUTH is not offered', async () => {
    const c = await LmtpClient.connect({ path: server.socketPath });
    await c.command('LHLO x');
    expect(await c.command('AUTH PLAIN')).toMatch(/^500 /);
    expect(await c.command('MAIL FROM:<a@b>')).toMatch(/^250 /);
    c.close();
  });
});

describe('TCP with -a', () => {
  let server: TestLmtp;
  beforeAll(async () => {
    server = await startTestLmtp({ users: ['fred'], preauthorized: true });
  });
  afterAll(async () => server.close());

  it('takes mail without AUTH', async () => {
    const c = await LmtpClient.connect({ port: server.port });
    await c.command('LHLO x');
    expect(await c.command('MAIL FROM:<a@b>')).toMatch(/^250 /);
    c.close();
  });
});
