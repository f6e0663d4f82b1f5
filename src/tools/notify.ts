/**
 * Change notification for the command-line tools: a tool that changes mailboxes (reconstruct,
 * cyr_expire, ctl_mboxlist -u) tells the sessions of the running server, through the master's hub
 * on idlesocket, so an IDLE client hears of the change as it would of a delivery.
 *
 * The tools run synchronously, so the names are collected while the tool runs and published once
 * it is done (each name once), then the client is closed, which flushes them. Without a running
 * master (no hub on the socket) nothing is sent.
 */
import { existsSync } from 'node:fs';
import { ConfigError, ImapdConfig } from '../config/index.js';
import { NotifyClient } from '../master/notify.js';
import type { ChangeNotifier } from '../store/mail-store.js';

/** Run `tool` with a notifier, then publish every mailbox it reported changed; returns its status. */
export async function runNotifying(configFile: string, tool: (notifier: ChangeNotifier) => number | Promise<number>): Promise<number> {
  const changed = new Set<string>();
  const status = await tool({ mailboxChanged: (name) => changed.add(name) });
  if (changed.size > 0) await publishChanges(configFile, changed);
  return status;
}

/** Publish `names` on the idlesocket named by `configFile` (nothing when there is no hub). */
export async function publishChanges(configFile: string, names: Iterable<string>): Promise<void> {
  let socket: string | null;
  try {
    socket = ImapdConfig.load(configFile).path('idlesocket');
  } catch (e) {
    if (e instanceof ConfigError) return; // the tool itself has already said why
    throw e;
  }
  if (!socket || !existsSync(socket)) return;
  const client = NotifyClient.connect(socket);
  // A tool only publishes: no process relays or writes changes to it while it runs.
  client.mute();
  for (const name of names) client.publish(name);
  await client.close();
}
