// The TLS certificate test servers present: generated once per test process, never checked in,
// so no private key sits in the tree and no test needs a process-wide NODE_TLS_REJECT_UNAUTHORIZED.
// Clients trust it per connection with `tls: { ca: testCert().cert }` (see sink.test.ts).
import { generateSelfSigned, type SelfSignedPair } from '../../src/lib/self-signed.js';

let cached: SelfSignedPair | undefined;

/** Key and certificate for `localhost`, `127.0.0.1` and `::1`, PEM. */
export function testCert(): SelfSignedPair {
  cached ??= generateSelfSigned('localhost', { altNames: ['127.0.0.1', '::1'] });
  return cached;
}
