import { lookup as dnsLookup, LookupAddress, LookupAllOptions, LookupOptions } from 'node:dns';
import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';
import { AppConfig } from '@app/common';

type LookupCallback = (
  error: NodeJS.ErrnoException | null,
  address: string | LookupAddress[],
  family?: number,
) => void;

/** Why a target is refused, in a sentence for the person who entered it. */
export class WebhookTargetRefused extends Error {
  override name = 'WebhookTargetRefused';
}

/**
 * Only public unicast addresses: ipaddr.js classifies loopback, private (RFC 1918), link-local
 * (169.254/16, where cloud metadata services answer, and fe80::/10), unique-local (fc00::/7,
 * fd00:ec2::254 among them), carrier-grade NAT, unspecified, multicast, reserved and the
 * tunnelling ranges that embed another address (6to4, Teredo); IPv4-mapped IPv6 is judged as
 * the IPv4 address it carries.
 */
export function isPublicAddress(address: string): boolean {
  try {
    return ipaddr.process(address).range() === 'unicast';
  } catch {
    return false;
  }
}

/**
 * Where webhooks may go (CONTRACT.md, issue 13): https unless WEBHOOK_ALLOW_HTTP, and never an
 * address inside the deployment's network unless the host is listed in
 * WEBHOOK_ALLOWED_PRIVATE_HOSTS. Checked when an endpoint is saved (a clear 400), and again on
 * every address a delivery really connects to (DNS can change between the two, and a name can
 * resolve to several addresses: DNS rebinding).
 */
export class WebhookTargetPolicy {
  constructor(private readonly config: AppConfig['webhooks']) {}

  private allowsPrivate(hostname: string): boolean {
    const host = hostname.replace(/^\[|\]$/g, '').toLowerCase();
    return this.config.allowedPrivateHosts.includes(host);
  }

  /** The URL's shape: scheme, no credentials, a host. Throws WebhookTargetRefused. */
  parse(text: string): URL {
    let url: URL;
    try {
      url = new URL(text);
    } catch {
      throw new WebhookTargetRefused('url must be an absolute https URL');
    }
    if (url.protocol !== 'https:' && !(url.protocol === 'http:' && this.config.allowHttp)) {
      throw new WebhookTargetRefused(
        this.config.allowHttp
          ? 'url must be an http or https URL'
          : 'url must be an https URL (WEBHOOK_ALLOW_HTTP=true allows http)',
      );
    }
    if (url.username || url.password) {
      throw new WebhookTargetRefused('url must not carry credentials; the signature authenticates');
    }
    const literal = url.hostname.replace(/^\[|\]$/g, '');
    if (isIP(literal) && !isPublicAddress(literal) && !this.allowsPrivate(literal)) {
      throw new WebhookTargetRefused(
        `url points at ${literal}, a loopback, private or link-local address (WEBHOOK_ALLOWED_PRIVATE_HOSTS lists the hosts allowed)`,
      );
    }
    return url;
  }

  /** What saving an endpoint checks: the shape, and where its host resolves now. */
  async check(text: string): Promise<URL> {
    const url = this.parse(text);
    const host = url.hostname.replace(/^\[|\]$/g, '');
    if (isIP(host) || this.allowsPrivate(host)) return url;
    const addresses = await new Promise<LookupAddress[]>((resolve, reject) =>
      dnsLookup(host, { all: true }, (error, found) => (error ? reject(error) : resolve(found))),
    ).catch(() => {
      throw new WebhookTargetRefused(`url's host ${host} does not resolve`);
    });
    const inside = addresses.find((entry) => !isPublicAddress(entry.address));
    if (inside) {
      throw new WebhookTargetRefused(
        `url's host ${host} resolves to ${inside.address}, a loopback, private or link-local address (WEBHOOK_ALLOWED_PRIVATE_HOSTS lists the hosts allowed)`,
      );
    }
    return url;
  }

  /**
   * A `lookup` for http(s).request: resolves as Node would and fails the connection when any
   * address is inside, so the address connected to is the address checked. (A literal IP in
   * the URL skips lookup: `parse` judged it.)
   */
  lookup = (
    hostname: string,
    options: LookupOptions | LookupAllOptions,
    callback: LookupCallback,
  ): void => {
    dnsLookup(hostname, { ...options, all: true }, (error, addresses) => {
      if (error) return callback(error, []);
      if (!this.allowsPrivate(hostname)) {
        const inside = addresses.find((entry) => !isPublicAddress(entry.address));
        if (inside) {
          return callback(
            Object.assign(
              new WebhookTargetRefused(
                `${hostname} resolves to ${inside.address}, a loopback, private or link-local address`,
              ),
              { code: 'EWEBHOOKTARGET' },
            ),
            [],
          );
        }
      }
      if (options.all) return callback(null, addresses);
      callback(null, addresses[0].address, addresses[0].family);
    });
  };
}
