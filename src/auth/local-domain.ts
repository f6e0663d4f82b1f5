/**
 * `virtdomains: on`: the host name of the local address a client connected to, whose domain
 * (minus the first label) is the domain of an unqualified login. The lookup goes through the system
 * resolver (getnameinfo: /etc/hosts first, then DNS, as nsswitch.conf says), not DNS alone.
 */
import { promises as dns } from 'node:dns';
import { isIP } from 'node:net';

/** Host names of a local address; throws or returns [] when it has none. */
export type ReverseLookup = (address: string) => Promise<string[]>;

const MAPPED_IPV4 = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i;

/**
 * The address as the resolver should see it: an IPv4 client on a dual-stack (`::`) listener has
 * the local address "::ffff:a.b.c.d", which names the IPv4 address a.b.c.d. A zone ("%eth0") stays.
 */
export function unmapAddress(address: string): string {
  const mapped = MAPPED_IPV4.exec(address);
  return mapped ? mapped[1]! : address;
}

/** The system resolver's name for `address`; [] when it only knows the number. */
export const systemReverseLookup: ReverseLookup = async (address) => {
  const { hostname } = await dns.lookupService(address, 0);
  return hostname === '' || isIP(hostname) !== 0 || hostname === address ? [] : [hostname];
};
