import { describe, expect, it } from 'vitest';
import { addressKey } from '../../src/rate-limit/address-key.js';

describe('addressKey', () => {
  it.each([
    ['an IPv4 address, as it is', '192.0.2.1', '192.0.2.1'],
    ['an IPv6 address, by its /64', '2001:db8:1:2:3:4:5:6', '2001:db8:1:2::/64'],
    ['any address of that /64 alike', '2001:db8:1:2:ffff:ffff:ffff:ffff', '2001:db8:1:2::/64'],
    ['a compressed IPv6 address', '2001:db8::1', '2001:db8:0:0::/64'],
    ['upper case and leading zeros', '2001:0DB8:0001:0002::1', '2001:db8:1:2::/64'],
    ['a zone index, dropped', 'fe80::1%eth0', 'fe80:0:0:0::/64'],
    ['the loopback', '::1', '0:0:0:0::/64'],
    ['an IPv4-mapped address, as the IPv4 address', '::ffff:192.0.2.1', '192.0.2.1'],
    ['an IPv4-mapped address in hex', '::ffff:c000:201', '192.0.2.1'],
    ['an IPv6 address ending in a dotted quad', '64:ff9b::192.0.2.1', '64:ff9b:0:0::/64'],
    ['a value that is no address, as it is', 'unknown', 'unknown'],
  ])('keys %s', (_, ip, key) => {
    expect(addressKey(ip)).toBe(key);
  });
});
