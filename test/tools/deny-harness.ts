// The master the cyr_deny wire tests run: fred, joe and admin, one worker per service named
// (imap, imapalt, pop3, sieve, and lmtp when asked), each service's port once its workers are ready.
import { addUsers, RunningMaster, tempServer, type TempServer } from '../master/helpers.js';

const COMMANDS: Record<string, string> = { imap: 'imapd', imapalt: 'imapd', pop3: 'pop3d', sieve: 'timsieved', lmtp: 'lmtpd -a' };

export interface DenyMaster {
  server: TempServer;
  master: RunningMaster;
  ports: Record<string, number>;
  stop(): Promise<void>;
}

export async function startDenyMaster(services: readonly string[]): Promise<DenyMaster> {
  const server = tempServer(
    `SERVICES {\n${services.map((name) => `  ${name} cmd="${COMMANDS[name]}" listen="127.0.0.1:0" prefork=1\n`).join('')}}\n`,
    'allowplaintext: yes\nadmins: admin\nautocreate_quota: 0\nfsync_disabled: yes\nauth_failure_delay: 0\nsievedir: {configdirectory}/sieve\n',
  );
  addUsers(server, ['fred', 'joe', 'admin']);
  const master = RunningMaster.start(server);
  const ports: Record<string, number> = {};
  for (const name of services) {
    ports[name] = Number(/:(\d+)$/.exec(await master.address(name))![1]);
    await master.waitFor(`${name} workers ready`, () => master.workersReady(name));
  }
  return {
    server,
    master,
    ports,
    async stop() {
      try {
        await master.stop();
      } finally {
        server.cleanup();
      }
    },
  };
}
