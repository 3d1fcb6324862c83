import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkEgress } from './egress.js';

// [ip, why when private targets are not allowed (undefined: allowed), allowed with allowPrivate]
const table: [string, string | undefined, boolean][] = [
  ['93.184.215.14', undefined, true],
  ['8.8.8.8', undefined, true],
  ['2606:2800:21f:cb07:6820:80da:af6b:8b2c', undefined, true],
  ['127.0.0.1', '127.0.0.1 is loopback', true],
  ['127.255.0.9', '127.255.0.9 is loopback', true],
  ['::1', '::1 is loopback', true],
  ['10.1.2.3', '10.1.2.3 is private (RFC 1918)', true],
  ['172.16.0.1', '172.16.0.1 is private (RFC 1918)', true],
  ['172.31.255.255', '172.31.255.255 is private (RFC 1918)', true],
  ['172.32.0.1', undefined, true],
  ['192.168.1.1', '192.168.1.1 is private (RFC 1918)', true],
  ['fd12:3456::1', 'fd12:3456::1 is private (unique local, RFC 4193)', true],
  ['fc00::1', 'fc00::1 is private (unique local, RFC 4193)', true],
  ['169.254.169.254', '169.254.169.254 is link-local', true],
  ['fe80::1', 'fe80::1 is link-local', true],
  ['fe80::1%eth0', 'fe80::1%eth0 is link-local', true],
  ['0.0.0.0', '0.0.0.0 is unspecified', true],
  ['0.1.2.3', '0.1.2.3 is unspecified', true],
  ['::', ':: is unspecified', true],
  ['100.64.0.1', '100.64.0.1 is shared address space (CGNAT, RFC 6598)', true],
  ['100.127.255.254', '100.127.255.254 is shared address space (CGNAT, RFC 6598)', true],
  ['100.128.0.1', undefined, true],
  ['224.0.0.1', '224.0.0.1 is multicast', false],
  ['ff02::1', 'ff02::1 is multicast', false],
  ['255.255.255.255', '255.255.255.255 is broadcast', false],
  ['240.0.0.1', '240.0.0.1 is reserved', false],
  ['192.0.2.1', '192.0.2.1 is reserved', false],
  ['2001:db8::1', '2001:db8::1 is reserved', false],
  ['198.18.0.1', '198.18.0.1 is reserved', false],
  ['100::1', '100::1 is discard-only (RFC 6666)', false],
  // IPv6 forms that lead to an IPv4 address are judged as that address.
  ['::ffff:127.0.0.1', '::ffff:127.0.0.1 is loopback (embeds IPv4 127.0.0.1)', true],
  ['::ffff:7f00:1', '::ffff:7f00:1 is loopback (embeds IPv4 127.0.0.1)', true],
  ['::ffff:10.0.0.1', '::ffff:10.0.0.1 is private (RFC 1918) (embeds IPv4 10.0.0.1)', true],
  ['::ffff:169.254.169.254', '::ffff:169.254.169.254 is link-local (embeds IPv4 169.254.169.254)', true],
  ['::ffff:8.8.8.8', undefined, true],
  ['64:ff9b::a00:1', '64:ff9b::a00:1 is private (RFC 1918) (embeds IPv4 10.0.0.1)', true],
  ['2002:7f00:1::1', '2002:7f00:1::1 is loopback (embeds IPv4 127.0.0.1)', true],
  ['2002:808:808::1', undefined, true],
  ['::127.0.0.1', '::127.0.0.1 is reserved (deprecated IPv4-compatible address)', false],
  ['::7f00:1', '::7f00:1 is reserved (deprecated IPv4-compatible address)', false],
  ['::8.8.8.8', '::8.8.8.8 is reserved (deprecated IPv4-compatible address)', false],
  ['::ffff:0:7f00:1', '::ffff:0:7f00:1 is loopback (embeds IPv4 127.0.0.1)', true],
  // Not addresses: never connect.
  ['localhost', 'localhost is not an IP address', false],
  ['127.1', '127.1 is not an IP address', false],
  ['0x7f.0.0.1', '0x7f.0.0.1 is not an IP address', false],
  ['', ' is not an IP address', false],
];

for (const [ip, why, allowedWithPrivate] of table) {
  test(`checkEgress ${JSON.stringify(ip)}`, () => {
    assert.deepEqual(checkEgress(ip, false), why === undefined ? { ok: true } : { ok: false, why });
    const withPrivate = checkEgress(ip, true);
    assert.equal(withPrivate.ok, allowedWithPrivate, JSON.stringify(withPrivate));
  });
}
