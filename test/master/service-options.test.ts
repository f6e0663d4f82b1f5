import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LineClient, RunningMaster, tempServer, type TempServer } from './helpers.js';

// Two IMAP services from one imapd.conf; SERVICE_option lines keyed by the SERVICES entry name
// reach the worker of that entry only.
const CYRUS_CONF = 'SERVICES {\n  plaina cmd="imapd" listen="127.0.0.1:0"\n  plainb cmd="imapd" listen="127.0.0.1:0"\n}\n';
const IMAPD_EXTRA = 'allowplaintext: yes\nplainb_allowplaintext: no\nplainb_servername: plainb.example\n';

let server: TempServer;
let master: RunningMaster;

beforeAll(() => {
  server = tempServer(CYRUS_CONF, IMAPD_EXTRA);
  master = RunningMaster.start(server);
});

afterAll(async () => {
  try {
    expect(await master.stop()).toBe(0);
  } finally {
    server.cleanup();
  }
});

/** The greeting and the CAPABILITY response of one service. */
async function ask(service: string): Promise<{ greeting: string; capability: string[] }> {
  const client = await LineClient.connect(await master.address(service));
  try {
    const greeting = await client.line(/^\* OK /);
    client.send('a1 CAPABILITY\r\n');
    const line = await client.line(/^\* CAPABILITY /);
    await client.line(/^a1 OK/);
    return { greeting, capability: line.split(' ').slice(2) };
  } finally {
    client.close();
  }
}

describe('SERVICE_option in a running worker', () => {
  it.each([
    ['plaina', false, 'test.example'],
    ['plainb', true, 'plainb.example'],
  ])('service %s: LOGINDISABLED %s, greets as %s', async (service, loginDisabled, name) => {
    const { greeting, capability } = await ask(service);
    expect(capability).toContain('IMAP4rev1');
    expect(capability.includes('LOGINDISABLED')).toBe(loginDisabled);
    expect(greeting).toMatch(new RegExp(`\\] ${name.replace('.', '\\.')} IMAP server ready$`));
  });
});
