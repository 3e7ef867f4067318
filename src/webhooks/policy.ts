// Every rule about webhooks that is not SQL: who may manage them, and where a delivery may
// go (the SSRF guard, API.md "Events and webhooks"). What an endpoint receives is SQL
// (webhook_receives and webhook_team_sees, sql/migrations/0009_webhooks.sql).
import dns from 'node:dns/promises';
import net from 'node:net';
import { AppError } from '../errors.ts';
import type { Actor } from '../users/keys.ts';

/** Endpoints and their deliveries are an ADMIN's (their payloads hold every request and internal note). */
export const mayManageWebhooks = (actor: Actor) => actor.role === 'ADMIN';

// Where a delivery must never connect unless WEBHOOK_ALLOW_PRIVATE=true: this host, its
// networks, link-local (cloud metadata at 169.254.169.254), unspecified, carrier-grade
// NAT, multicast and reserved ranges, and IPv6 forms that embed an IPv4 address.
const REFUSED: [string, number, 'ipv4' | 'ipv6', string][] = [
  ['0.0.0.0', 8, 'ipv4', 'unspecified'],
  ['10.0.0.0', 8, 'ipv4', 'private'],
  ['100.64.0.0', 10, 'ipv4', 'carrier-grade NAT'],
  ['127.0.0.0', 8, 'ipv4', 'loopback'],
  ['169.254.0.0', 16, 'ipv4', 'link-local'],
  ['172.16.0.0', 12, 'ipv4', 'private'],
  ['192.0.0.0', 24, 'ipv4', 'reserved'],
  ['192.168.0.0', 16, 'ipv4', 'private'],
  ['198.18.0.0', 15, 'ipv4', 'reserved'],
  ['224.0.0.0', 4, 'ipv4', 'multicast'],
  ['240.0.0.0', 4, 'ipv4', 'reserved'],
  ['::', 128, 'ipv6', 'unspecified'],
  ['::1', 128, 'ipv6', 'loopback'],
  ['::', 96, 'ipv6', 'IPv4-compatible'],
  ['::ffff:0:0', 96, 'ipv6', 'IPv4-mapped'],
  ['64:ff9b::', 96, 'ipv6', 'NAT64'],
  ['64:ff9b:1::', 48, 'ipv6', 'NAT64'],
  ['2002::', 16, 'ipv6', '6to4'],
  ['fc00::', 7, 'ipv6', 'private'],
  ['fe80::', 10, 'ipv6', 'link-local'],
  ['fec0::', 10, 'ipv6', 'site-local'],
  ['ff00::', 8, 'ipv6', 'multicast'],
];
const refused = REFUSED.map(([prefix, bits, family, kind]) => {
  const list = new net.BlockList();
  list.addSubnet(prefix, bits, family);
  return { list, family, kind };
});

/** Why a delivery may not connect to this address (e.g. "loopback"), or null when it may. */
export function addressRefusal(address: string): string | null {
  const family = net.isIPv6(address) ? 'ipv6' : net.isIPv4(address) ? 'ipv4' : null;
  if (!family) return 'not an IP address';
  return refused.find((r) => r.family === family && r.list.check(address, family))?.kind ?? null;
}

export type Lookup = (host: string) => Promise<{ address: string; family: number }[]>;
const systemLookup: Lookup = (host) => dns.lookup(host, { all: true, verbatim: true });

const hostOf = (url: URL) => url.hostname.replace(/^\[(.*)\]$/, '$1');

export class TargetRefused extends Error {}

/**
 * The address a delivery to `url` connects to: every address the host resolves to must be
 * allowed (one refused address refuses the host, so a name cannot mix a public address
 * with an internal one), then the first is used. Throws TargetRefused with the reason.
 */
export async function resolveTarget(url: URL, allowPrivate: boolean, lookup: Lookup = systemLookup): Promise<{ address: string; family: number }> {
  const host = hostOf(url);
  const found = net.isIP(host) ? [{ address: host, family: net.isIP(host) }] : await lookup(host);
  if (found.length === 0) throw new TargetRefused(`${host} resolves to no address`);
  if (!allowPrivate) {
    for (const { address } of found) {
      const why = addressRefusal(address);
      const what = address === host ? host : `${host} resolves to ${address}, which`;
      if (why) throw new TargetRefused(`${what} is a ${why} address (set WEBHOOK_ALLOW_PRIVATE=true to allow internal targets)`);
    }
  }
  return found[0];
}

/**
 * On create and update: a URL whose host resolves to a refused address is 422
 * webhook_url_not_allowed. A host that does not resolve (yet) is accepted: there is
 * nothing to refuse, and every attempt checks the address it connects to again, since DNS
 * can change.
 */
export async function checkWebhookUrl(href: string, allowPrivate: boolean, lookup: Lookup = systemLookup): Promise<void> {
  if (allowPrivate) return;
  try {
    await resolveTarget(new URL(href), false, withDeadline(lookup, 3000));
  } catch (err) {
    if (err instanceof TargetRefused) {
      throw new AppError('webhook_url_not_allowed', `the URL is not allowed: ${err.message}`, [{ path: 'url', message: 'must not point at a loopback, private, link-local or otherwise internal address' }]);
    }
    // ENOTFOUND, a DNS timeout: accepted, checked again at delivery time.
  }
}

const withDeadline = (lookup: Lookup, ms: number): Lookup => (host) =>
  Promise.race([lookup(host), new Promise<never>((_, reject) => setTimeout(() => reject(new Error('DNS lookup timed out')), ms).unref())]);
