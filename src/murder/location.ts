/**
 * Where a mailbox lives in a Murder: "server!partition", as mupdate and Cyrus's mailboxes.db write
 * it. The server is a backend's servername (the host frontends connect to).
 */
export interface MurderLocation {
  server: string;
  partition: string;
}

/** "server!partition" (a bare "server" has partition ""); null when the server part is empty. */
export function parseLocation(text: string): MurderLocation | null {
  const bang = text.indexOf('!');
  const server = bang < 0 ? text : text.slice(0, bang);
  const partition = bang < 0 ? '' : text.slice(bang + 1);
  if (server === '' || /[\s!]/.test(server) || /\s/.test(partition)) return null;
  return { server, partition };
}

export function formatLocation(location: MurderLocation): string {
  return location.partition === '' ? location.server : `${location.server}!${location.partition}`;
}
