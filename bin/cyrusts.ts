#!/usr/bin/env node
// The single entry point: `cyrusts <subcommand> ...` (see src/tools/cli.ts). It hands the master
// the service programs a cyrus.conf cmd can name; each is loaded only in the workers that run it.
import { provideServicePrograms } from '../src/master/service.js';
import { main } from '../src/tools/cli.js';
import { MailStore } from '../src/store/index.js';
import { connectMupdate, listPublisherFactory } from '../src/murder/index.js';

// On a Murder backend every store this process opens pushes its list changes to the mupdate master.
MailStore.installPublisher(listPublisherFactory(connectMupdate));

provideServicePrograms({
  imapd: () => import('../src/imap/service.js'),
  pop3d: () => import('../src/pop3/service.js'),
  lmtpd: () => import('../src/lmtp/service.js'),
  timsieved: () => import('../src/sieve/service.js'),
  mupdate: () => import('../src/murder/service.js'),
  smmapd: () => import('../src/smmap/service.js'),
});

main().catch((err: unknown) => {
  process.stderr.write(`cyrusts: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
