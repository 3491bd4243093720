import { isIPv6 } from 'node:net';

/**
 * The bucket a client address counts against. An IPv4 address is its own
 * bucket. An IPv6 address counts with its whole /64: one subscriber is
 * routinely given a /64 and may pick any of its 2^64 addresses, so keying by
 * the full address would give every request of theirs a fresh bucket.
 * IPv4-mapped IPv6 (`::ffff:192.0.2.1`) is the IPv4 address it maps.
 *
 * @example
 * ```ts
 * addressKey('2001:db8:1:2:aaaa::1'); // '2001:db8:1:2::/64'
 * addressKey('::ffff:192.0.2.1');     // '192.0.2.1'
 * addressKey('192.0.2.1');            // '192.0.2.1'
 * ```
 */
export function addressKey(ip: string): string {
  const address = ip.replace(/%.*$/, '');
  if (!isIPv6(address)) return address;
  const groups = expandIPv6(address);
  if (isIPv4Mapped(groups)) {
    const [high = 0, low = 0] = groups.slice(6);
    return [high >> 8, high & 0xff, low >> 8, low & 0xff].join('.');
  }
  return `${groups
    .slice(0, 4)
    .map((group) => group.toString(16))
    .join(':')}::/64`;
}

/** The eight 16-bit groups of a valid IPv6 address, with `::` and a trailing dotted quad expanded. */
function expandIPv6(address: string): number[] {
  let text = address.toLowerCase();
  const dotted = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (dotted !== null) {
    const [a, b, c, d] = dotted.slice(1).map(Number) as [number, number, number, number];
    text = `${text.slice(0, dotted.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head = '', tail] = text.split('::');
  const parse = (part: string) => (part === '' ? [] : part.split(':').map((group) => parseInt(group, 16)));
  const front = parse(head);
  const back = tail === undefined ? [] : parse(tail);
  return [...front, ...Array<number>(8 - front.length - back.length).fill(0), ...back];
}

function isIPv4Mapped(groups: readonly number[]): boolean {
  return groups.slice(0, 5).every((group) => group === 0) && groups[5] === 0xffff;
}
