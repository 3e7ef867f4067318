// The client's address: the socket's peer, or, when that peer is a proxy named in
// TRUSTED_PROXIES, the last address in X-Forwarded-For that is not one of our proxies.
// A header from anyone else is ignored: it is the caller's word, not a fact.
import type http from 'node:http';
import net from 'node:net';

/** IPv4-mapped IPv6 (`::ffff:10.0.0.1`) is the IPv4 address it maps. */
const canonical = (ip: string) => (ip.startsWith('::ffff:') && net.isIPv4(ip.slice(7)) ? ip.slice(7) : ip);

const family = (ip: string) => (net.isIPv6(ip) ? 'ipv6' : 'ipv4');

/** Addresses and CIDR ranges (checked by the configuration) as a BlockList; null when none. */
export function trustedProxies(entries: string[]): net.BlockList | null {
  if (entries.length === 0) return null;
  const list = new net.BlockList();
  for (const entry of entries) {
    const [ip, bits] = entry.split('/');
    if (bits === undefined) list.addAddress(canonical(ip), family(ip));
    else list.addSubnet(canonical(ip), Number(bits), family(ip));
  }
  return list;
}

export function clientAddress(req: http.IncomingMessage, proxies: net.BlockList | null): string {
  const peer = canonical(req.socket.remoteAddress ?? 'unknown');
  const trusted = (ip: string) => net.isIP(ip) !== 0 && proxies!.check(ip, family(ip));
  if (!proxies || !trusted(peer)) return peer;
  const forwarded = req.headers['x-forwarded-for'];
  if (typeof forwarded !== 'string') return peer;
  const hops = forwarded.split(',').map((h) => canonical(h.trim()));
  for (let i = hops.length - 1; i >= 0; i--) {
    if (net.isIP(hops[i]) === 0) return peer; // a malformed hop: trust nothing before it
    if (!trusted(hops[i])) return hops[i];
  }
  return hops[0] ?? peer;
}
