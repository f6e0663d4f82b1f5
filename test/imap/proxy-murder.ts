/**
 * A small Murder for the IMAP proxy tests: backends of ours on loopback addresses of their own
 * (servername = the address, one common port, `proxy` in proxyservers), and a frontend whose
 * mailbox list mirrors where the mailboxes live (filled with putRemoteEntry, as its mupdate slave
 * would).
 */
import { freeCommonPort } from '../murder/net.js';
import type { Logger } from '../../src/common/index.js';
import { startTestServer, type TestServer } from './harness.js';

export const BACKENDS = ['127.0.0.2', '127.0.0.3'] as const;

export interface Murder {
  port: number;
  backends: Map<string, TestServer>;
  frontend: TestServer;
  /** Create `name` on `server` and mirror it on the frontend. */
  mailbox(server: string, name: string): void;
  close(): Promise<void>;
}

export async function startMurder(opts: { backends?: readonly string[]; frontendConf?: string[]; frontendLogger?: Logger } = {}): Promise<Murder> {
  const servers = opts.backends ?? BACKENDS;
  const port = await freeCommonPort(BACKENDS);
  const backends = new Map<string, TestServer>();
  for (const server of servers) {
    backends.set(server, await startTestServer({
      host: server, port, users: ['fred', 'wilma', 'proxy', 'admin'],
      conf: [`servername: ${server}`, 'proxyservers: proxy', 'allowallsubscribe: yes'],
    }));
  }
  const frontend = await startTestServer({
    logger: opts.frontendLogger,
    users: ['fred', 'wilma', 'admin'],
    conf: ['servername: frontend', 'mupdate_server: 127.0.0.1', 'proxy_password: pass', `murder_imap_port: ${port}`, ...(opts.frontendConf ?? [])],
  });
  return {
    port,
    backends,
    frontend,
    mailbox(server, name) {
      const store = backends.get(server)!.imap.deps.store;
      const owner = /^user\.([^.]+)/.exec(name)?.[1];
      const entry = store.lookup(name) ?? store.createMailbox(name, { acl: owner ? `${owner}\tlrswipkxtecdan\t` : 'anyone\tlrs\t' });
      frontend.imap.deps.store.putRemoteEntry({ name, server, partition: entry.partition, acl: entry.acl });
    },
    async close() {
      await frontend.close();
      for (const backend of backends.values()) await backend.close();
    },
  };
}

export const MESSAGE = (subject: string): string =>
  `From: a@example.com\r\nTo: fred@example.com\r\nSubject: ${subject}\r\nMessage-ID: <${subject.replace(/\W/g, '')}@example.com>\r\n\r\nHello ${subject}\r\n`;
