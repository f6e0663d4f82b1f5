import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

/** Where a SERVICES entry listens: a TCP host and port, or a UNIX socket path. */
export type ListenAddress =
  | { readonly kind: 'tcp'; /** null: every interface */ readonly host: string | null; readonly port: number }
  | { readonly kind: 'unix'; readonly path: string };

/** Ports of the mail services, used when /etc/services does not list them. */
export const FALLBACK_PORTS: Readonly<Record<string, number>> = {
  imap: 143,
  imaps: 993,
  pop3: 110,
  pop3s: 995,
  lmtp: 24,
  sieve: 4190,
  nntp: 119,
  nntps: 563,
  http: 80,
  https: 443,
  mupdate: 3905,
  csync: 2005,
};

let servicesTable: Map<string, number> | null = null;

/** TCP ports by name (and alias) from /etc/services text. */
export function parseEtcServices(text: string): Map<string, number> {
  const table = new Map<string, number>();
  for (const raw of text.split('\n')) {
    const line = raw.replace(/#.*/, '').trim();
    const m = /^(\S+)\s+(\d+)\/tcp\b(.*)$/.exec(line);
    if (!m) continue;
    const port = Number(m[2]);
    for (const name of [m[1]!, ...m[3]!.trim().split(/\s+/).filter(Boolean)]) if (!table.has(name)) table.set(name, port);
  }
  return table;
}

/** The TCP port of a service name: /etc/services first, then the built-in mail ports. */
export function servicePort(name: string, table?: Map<string, number>): number | null {
  if (!table) {
    if (servicesTable === null) {
      try {
        servicesTable = parseEtcServices(readFileSync('/etc/services', 'utf8'));
      } catch {
        servicesTable = new Map();
      }
    }
    table = servicesTable;
  }
  return table.get(name) ?? FALLBACK_PORTS[name] ?? null;
}

function port(text: string, where: string): number {
  if (/^\d+$/.test(text)) {
    const n = Number(text);
    if (n > 65535) throw new Error(`listen=${where}: port ${n} is above 65535`);
    return n;
  }
  if (!/^[A-Za-z][A-Za-z0-9_-]*$/.test(text)) throw new Error(`listen=${where}: "${text}" is neither a port number nor a service name`);
  const found = servicePort(text);
  if (found === null) throw new Error(`listen=${where}: unknown service name "${text}" (not in /etc/services)`);
  return found;
}

/**
 * Cyrus's listen= forms: "/path/to/socket" (a UNIX socket; "./x" and "../x" are taken relative to
 * cyrus.conf's directory), "port", "name" (from /etc/services), "host:port", "[ipv6]:port".
 */
export function parseListen(text: string, baseDir: string): ListenAddress {
  if (text === '') throw new Error('listen is empty');
  if (text.startsWith('/')) return { kind: 'unix', path: text };
  if (/^\.\.?\//.test(text)) return { kind: 'unix', path: resolve(baseDir, text) };
  if (text.startsWith('[')) {
    const m = /^\[([0-9A-Fa-f:.%a-zA-Z]+)\]:(.+)$/.exec(text);
    if (!m) throw new Error(`listen=${text}: expected [address]:port`);
    return { kind: 'tcp', host: m[1]!, port: port(m[2]!, text) };
  }
  const colon = text.lastIndexOf(':');
  if (colon < 0) return { kind: 'tcp', host: null, port: port(text, text) };
  const host = text.slice(0, colon);
  if (host.includes(':')) throw new Error(`listen=${text}: write an IPv6 address in brackets, e.g. [::1]:143`);
  if (!/^[A-Za-z0-9.-]+$/.test(host)) throw new Error(`listen=${text}: bad host name "${host}"`);
  return { kind: 'tcp', host, port: port(text.slice(colon + 1), text) };
}

/** How to show an address in logs: "127.0.0.1:143", "[::1]:143", "*:143", or the socket path. */
export function formatListen(address: ListenAddress): string {
  if (address.kind === 'unix') return address.path;
  const host = address.host === null ? '*' : address.host.includes(':') ? `[${address.host}]` : address.host;
  return `${host}:${address.port}`;
}
