// What an outbound connection's TLS came to, per attempt, and why a certificate was refused.
// Failures use TLS-RPT's result types (RFC 8460 §4.3) so that reports, MTA-STS and DANE can
// later be built on the same records.

export type TlsFailure =
  | 'starttls-not-supported'
  | 'certificate-host-mismatch'
  | 'certificate-expired'
  | 'certificate-not-trusted'
  | 'validation-failure';

/**
 * Why a certificate had to verify, and against which roots. Only routes demand it today
 * (`tls: required|implicit`); MTA-STS and DANE will add their own values.
 */
export type TlsVerifiedBy = 'route_ca_file' | 'route_system_ca';

/** A connection that must present a certificate valid for `name`. */
export interface TlsVerification {
  /** DNS name or IP literal the certificate must be issued for (RFC 6125). */
  readonly name: string;
  /** PEM certificates to trust instead of the system roots. */
  readonly ca?: string;
  readonly by: TlsVerifiedBy;
}

/** The TLS of one attempt, as recorded in its event (snake_case like the rest of event data). */
export interface TlsRecord {
  /** `TLSv1.3`, ...; absent when the session stayed in plaintext or the handshake failed. */
  readonly version?: string;
  readonly cipher?: string;
  readonly verified: boolean;
  readonly verified_by?: TlsVerifiedBy;
  /** The name the certificate was checked against. */
  readonly name?: string;
  readonly failure?: TlsFailure;
  /** What was wrong, for people: "self-signed certificate", "certificate has expired"... */
  readonly detail?: string;
}

/** A refused certificate: node/OpenSSL error codes (X509_V_ERR_* without the prefix). */
export interface CertificateRefusal {
  readonly failure: TlsFailure;
  readonly detail: string;
}

const NOT_TRUSTED: Readonly<Record<string, string>> = {
  DEPTH_ZERO_SELF_SIGNED_CERT: 'self-signed certificate',
  SELF_SIGNED_CERT_IN_CHAIN: 'self-signed certificate in the chain (root not trusted)',
  UNABLE_TO_GET_ISSUER_CERT: 'issuer certificate not found',
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: 'issuer not trusted (unknown CA)',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'issuer not trusted (unable to verify the first certificate)',
  INVALID_CA: 'an issuer in the chain is not a CA',
};

const OTHER: Readonly<Record<string, CertificateRefusal>> = {
  CERT_HAS_EXPIRED: { failure: 'certificate-expired', detail: 'certificate has expired' },
  CERT_NOT_YET_VALID: { failure: 'validation-failure', detail: 'certificate is not yet valid' },
  CERT_REVOKED: { failure: 'validation-failure', detail: 'certificate revoked' },
  CERT_SIGNATURE_FAILURE: { failure: 'validation-failure', detail: 'certificate signature does not verify' },
  CERT_UNTRUSTED: { failure: 'certificate-not-trusted', detail: 'certificate not trusted' },
  CERT_REJECTED: { failure: 'certificate-not-trusted', detail: 'certificate rejected' },
};

/**
 * The refusal a certificate error code stands for, or undefined when the code is not about the
 * certificate (a handshake or socket error), which the caller reports as it is.
 */
export function certificateRefusal(code: string | undefined, name: string): CertificateRefusal | undefined {
  if (code === undefined) return undefined;
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') return { failure: 'certificate-host-mismatch', detail: `certificate is not valid for ${name}` };
  const untrusted = NOT_TRUSTED[code];
  if (untrusted !== undefined) return { failure: 'certificate-not-trusted', detail: untrusted };
  return OTHER[code] ?? (/^(CERT_|UNABLE_TO_|X509_|ERR_TLS_CERT)/.test(code) ? { failure: 'validation-failure', detail: code } : undefined);
}
