import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';

/** Why a webhook URL or address is refused. */
export class WebhookUrlRefused extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WebhookUrlRefused';
  }
}

/**
 * Addresses a webhook never reaches unless its host is allowed by name: loopback, private
 * (RFC 1918, unique local), link-local (cloud metadata services live there), carrier-grade
 * NAT, "this network", multicast, reserved and documentation ranges, and the IPv4-mapped
 * forms of all of them (checked as IPv4: BlockList would match every IPv4 address against an
 * ::ffff:0:0/96 rule).
 */
const NOT_PUBLIC = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const) {
  NOT_PUBLIC.addSubnet(network, prefix, 'ipv4');
}
for (const [network, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['64:ff9b::', 96],
  ['100::', 64],
  ['2001:db8::', 32],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
] as const) {
  NOT_PUBLIC.addSubnet(network, prefix, 'ipv6');
}

export function isPublicAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 4) return !NOT_PUBLIC.check(address, 'ipv4');
  if (family !== 6) return false;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return isPublicAddress(mapped[1]!);
  // The URL parser writes a mapped address in hex: [::ffff:7f00:1] for 127.0.0.1.
  const hex = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/i.exec(address);
  if (hex) {
    const high = parseInt(hex[1]!, 16);
    const low = parseInt(hex[2]!, 16);
    return isPublicAddress(`${high >> 8}.${high & 255}.${low >> 8}.${low & 255}`);
  }
  return !NOT_PUBLIC.check(address, 'ipv6');
}

export interface ResolvedTarget {
  url: URL;
  /** The address the request must connect to (checked; the name is not resolved again). */
  address: string;
  family: 4 | 6;
}

export type Resolve = (host: string) => Promise<{ address: string; family: number }[]>;

const systemResolve: Resolve = (host) => lookup(host, { all: true, verbatim: true });

/**
 * The SSRF guard of webhooks: by default only https to public addresses. The host is resolved
 * and every address it resolves to must be public (a name with one private address is
 * refused); the request then connects to the checked address, so a second resolution cannot
 * swap in another (DNS rebinding). Hosts in CRM_WEBHOOK_ALLOW_HOSTS (matched by name or
 * literal address, case-insensitively) may use http and any address. Redirects are never
 * followed (a 3xx answer is a failed attempt).
 */
export class WebhookUrlGuard {
  private readonly allowed: ReadonlySet<string>;

  constructor(
    allowHosts: readonly string[],
    private readonly resolve: Resolve = systemResolve,
  ) {
    this.allowed = new Set(allowHosts.map((host) => host.toLowerCase().replace(/^\[|\]$/g, '')));
  }

  /** Checks the form of a URL (no resolution): what a subscription is refused for at once. */
  parse(text: string): URL {
    let url: URL;
    try {
      url = new URL(text);
    } catch {
      throw new WebhookUrlRefused('url must be an absolute http(s) URL');
    }
    if (url.username || url.password) {
      throw new WebhookUrlRefused('url must not carry credentials');
    }
    const allowed = this.isAllowed(url);
    if (url.protocol !== 'https:' && !(allowed && url.protocol === 'http:')) {
      throw new WebhookUrlRefused(
        `url must use https (http only for hosts in CRM_WEBHOOK_ALLOW_HOSTS), got ${url.protocol}`,
      );
    }
    const host = hostOf(url);
    if (!allowed && isIP(host) && !isPublicAddress(host)) {
      throw new WebhookUrlRefused(`${host} is not a public address`);
    }
    return url;
  }

  /** Parses and resolves: the address to connect to, or a refusal. */
  async check(text: string): Promise<ResolvedTarget> {
    const url = this.parse(text);
    const host = hostOf(url);
    const literal = isIP(host);
    const addresses = literal
      ? [{ address: host, family: literal }]
      : await this.resolve(host).catch((error: unknown) => {
          throw new WebhookUrlRefused(`${host} does not resolve: ${(error as Error).message}`);
        });
    if (addresses.length === 0) throw new WebhookUrlRefused(`${host} does not resolve`);
    if (!this.isAllowed(url)) {
      const inner = addresses.find((a) => !isPublicAddress(a.address));
      if (inner) {
        throw new WebhookUrlRefused(`${host} resolves to ${inner.address}, not a public address`);
      }
    }
    const [first] = addresses;
    return { url, address: first!.address, family: first!.family === 6 ? 6 : 4 };
  }

  private isAllowed(url: URL): boolean {
    return this.allowed.has(hostOf(url));
  }
}

function hostOf(url: URL): string {
  return url.hostname.toLowerCase().replace(/^\[|\]$/g, '');
}
