// The TLS certificates test servers present: generated once per test process, never checked in,
// so no private key sits in the tree and no test needs a process-wide NODE_TLS_REJECT_UNAUTHORIZED.
// Clients trust testCert() per connection with `tls: { ca: testCert().cert }` (see sink.test.ts);
// testCa() is a private CA whose leaves a route trusts through its `tls_ca_file`.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateSelfSigned, issueCertificate, type SelfSignedPair } from '../../src/lib/self-signed.js';

let cached: SelfSignedPair | undefined;

/** Key and certificate for `localhost`, `127.0.0.1` and `::1`, PEM. */
export function testCert(): SelfSignedPair {
  cached ??= generateSelfSigned('localhost', { altNames: ['127.0.0.1', '::1'] });
  return cached;
}

const DAY_MS = 86_400_000;

export interface TestCa extends SelfSignedPair {
  /** The CA certificate written to a file of its own, for a route's `tls_ca_file`. */
  readonly file: string;
  /** A leaf for `names`, signed by this CA; valid from yesterday for a year unless dates are given. */
  issue(names: readonly string[], validity?: { notBefore: Date; notAfter: Date }): SelfSignedPair;
}

let ca: TestCa | undefined;

export function testCa(): TestCa {
  if (ca) return ca;
  const now = Date.now();
  const pair = issueCertificate({ subject: 'txmail test CA', ca: true, notBefore: new Date(now - DAY_MS), notAfter: new Date(now + 365 * DAY_MS) });
  const file = join(mkdtempSync(join(tmpdir(), 'txmail-ca-')), 'ca.pem');
  writeFileSync(file, pair.cert);
  ca = {
    ...pair,
    file,
    issue: (names, validity) =>
      issueCertificate(
        { subject: names[0] ?? 'leaf', names, notBefore: validity?.notBefore ?? new Date(now - DAY_MS), notAfter: validity?.notAfter ?? new Date(now + 365 * DAY_MS) },
        pair,
      ),
  };
  return ca;
}

/** A leaf under testCa() whose validity ended yesterday. */
export function expiredLeaf(names: readonly string[]): SelfSignedPair {
  const now = Date.now();
  return testCa().issue(names, { notBefore: new Date(now - 30 * DAY_MS), notAfter: new Date(now - DAY_MS) });
}
