// allowallsubscribe (a Murder backend): SUBSCRIBE takes names of mailboxes that do not exist here
// (they live on other backends); without it SUBSCRIBE wants a mailbox the user can see.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RawClient, startTestServer, type TestServer } from './harness.js';

describe('allowallsubscribe', () => {
  let open: TestServer;
  let strict: TestServer;
  beforeAll(async () => {
    open = await startTestServer({ conf: ['allowallsubscribe: yes'] });
    strict = await startTestServer();
  });
  afterAll(async () => {
    await open?.close();
    await strict?.close();
  });

  async function subscribe(server: TestServer): Promise<string> {
    const c = await RawClient.connect(server.port);
    await c.command('a', 'LOGIN fred pass');
    const answer = (await c.command('b', 'SUBSCRIBE Elsewhere')).at(-1)!;
    c.close();
    return answer;
  }

  it('subscribes a name with no mailbox here when set, and not otherwise', async () => {
    expect(await subscribe(open)).toMatch(/^b OK/);
    expect(open.imap.deps.store.subscriptions('fred')).toContain('user.fred.Elsewhere');
    expect(await subscribe(strict)).toBe('b NO [NONEXISTENT] Mailbox does not exist');
  });
});
