import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RawClient, startTestServer, type TestServer } from './harness.js';

let server: TestServer;

beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server.close();
});

// Answers of Cyrus 3.6.1 for a set that names no message (checked against the reference peer).
const table: Array<[command: string, answer: RegExp]> = [
  ['STORE 1:* +FLAGS (x)', /^t OK /],
  ['STORE 1 +FLAGS (\\Seen)', /^t OK /],
  ['STORE 1:* FLAGS.SILENT (x)', /^t OK /],
  ['UID STORE 1:* +FLAGS (x)', /^t OK /],
  ['FETCH 1:* (FLAGS)', /^t NO No matching messages$/],
  ['FETCH * (FLAGS)', /^t NO No matching messages$/],
  ['UID FETCH 1:* (FLAGS)', /^t OK /],
  ['COPY 1:* INBOX', /^t NO No matching messages$/],
  ['MOVE 1:* INBOX', /^t NO No matching messages$/],
  ['UID COPY 1:* INBOX', /^t OK /],
  ['SEARCH 1:*', /^t OK /],
];

describe('commands on an empty mailbox', () => {
  it.each(table)('%s', async (command, answer) => {
    const c = await RawClient.connect(server.port);
    await c.command('l', 'LOGIN fred pass');
    await c.command('s', 'SELECT INBOX');
    const lines = await c.command('t', command);
    expect(lines.at(-1)).toMatch(answer);
    expect(lines.filter((l) => /^\* \d+ (FETCH|EXISTS)/.test(l))).toEqual([]);
    expect((await c.command('st', 'STATUS INBOX (MESSAGES)'))[0]).toBe('* STATUS INBOX (MESSAGES 0)');
    c.close();
  });
});
