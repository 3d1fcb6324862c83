import assert from 'node:assert/strict';
import { test } from 'node:test';
import { certificateRefusal } from './tls.js';

test('certificate error codes map to TLS-RPT result types with a readable detail', () => {
  const table: Array<[string | undefined, string | undefined, string | undefined]> = [
    ['DEPTH_ZERO_SELF_SIGNED_CERT', 'certificate-not-trusted', 'self-signed certificate'],
    ['SELF_SIGNED_CERT_IN_CHAIN', 'certificate-not-trusted', 'self-signed certificate in the chain (root not trusted)'],
    ['UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'certificate-not-trusted', 'issuer not trusted (unable to verify the first certificate)'],
    ['UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'certificate-not-trusted', 'issuer not trusted (unknown CA)'],
    ['CERT_HAS_EXPIRED', 'certificate-expired', 'certificate has expired'],
    ['CERT_NOT_YET_VALID', 'validation-failure', 'certificate is not yet valid'],
    ['ERR_TLS_CERT_ALTNAME_INVALID', 'certificate-host-mismatch', 'certificate is not valid for relay.test'],
    ['CERT_CHAIN_TOO_LONG', 'validation-failure', 'CERT_CHAIN_TOO_LONG'],
    // Not about the certificate: the caller reports the socket error as it is.
    ['ECONNRESET', undefined, undefined],
    ['ERR_SSL_WRONG_VERSION_NUMBER', undefined, undefined],
    [undefined, undefined, undefined],
  ];
  for (const [code, failure, detail] of table) {
    const r = certificateRefusal(code, 'relay.test');
    assert.deepEqual([r?.failure, r?.detail], [failure, detail], String(code));
  }
});
