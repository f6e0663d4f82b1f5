/**
 * The key under which a client address's login failures and attempts in progress are counted: an
 * IPv4 address as is ("::ffff:" mapping removed), an IPv6 address by its /64 network (one host
 * usually holds a whole /64, so counting single IPv6 addresses would let it start afresh at will).
 */
import { isIPv6 } from 'node:net';
import { unmapAddress } from './local-domain.js';

/** The eight groups of an IPv6 address (no zone); null when it is not one. */
function ipv6Groups(address: string): number[] | null {
  // An IPv4 tail ("64:ff9b::192.0.2.1") is two groups; only the first four groups matter here.
  const text = address.replace(/\d{1,3}(?:\.\d{1,3}){3}$/, '0:0');
  const halves = text.split('::');
  if (halves.length > 2) return null;
  const parse = (part: string): number[] => (part === '' ? [] : part.split(':').map((g) => parseInt(g, 16)));
  const head = parse(halves[0]!);
  const rest = halves.length === 2 ? parse(halves[1]!) : [];
  const groups = halves.length === 2 ? [...head, ...new Array<number>(Math.max(0, 8 - head.length - rest.length)).fill(0), ...rest] : head;
  return groups.length === 8 && groups.every((g) => Number.isInteger(g) && g >= 0 && g <= 0xffff) ? groups : null;
}

/** The counting key of a client address; undefined (a UNIX socket) stays undefined. */
export function clientAddressKey(remoteAddress: string | undefined): string | undefined {
  if (remoteAddress === undefined || remoteAddress === '') return undefined;
  const address = unmapAddress(remoteAddress).replace(/%.*$/, '');
  if (!isIPv6(address)) return address;
  const groups = ipv6Groups(address);
  if (groups === null) return address;
  return `${groups.slice(0, 4).map((g) => g.toString(16)).join(':')}::/64`;
}
