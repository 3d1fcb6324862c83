// The TLS side of an outbound SMTP session: the options handed to node's TLS (verify or not,
// against which name and roots), what a refused certificate is called, and the record of the
// TLS a session got. smtp-session.ts calls these; the decisions themselves are in domain/smtp/tls.ts.
import { TLSSocket, checkServerIdentity, type ConnectionOptions } from 'node:tls';
import { isIP } from 'node:net';
import type SMTPConnection from 'nodemailer/lib/smtp-connection';
import { certificateRefusal, type TlsRecord, type TlsVerification } from '../domain/smtp/tls.js';

interface TlsTarget {
  readonly host: string;
  readonly verify?: TlsVerification;
}

export function tlsOptions(target: TlsTarget): ConnectionOptions {
  const v = target.verify;
  if (!v) {
    // Opportunistic STARTTLS to MX hosts does not verify certificates (RFC 7435): an MX name
    // from unsigned DNS proves nothing. MTA-STS and DANE will set `verify` per destination.
    return { rejectUnauthorized: false, ...(isIpLiteral(target.host) ? {} : { servername: target.host }) };
  }
  return {
    rejectUnauthorized: true,
    // SNI carries host names only (RFC 6066 §3); an IP name is still checked below.
    ...(isIpLiteral(v.name) ? {} : { servername: v.name }),
    ...(v.ca !== undefined ? { ca: v.ca } : {}),
    // nodemailer dials the address, so node would check the certificate against the IP; the
    // name that matters is the route's (or its tls_name).
    checkServerIdentity: (_host, cert) => checkServerIdentity(v.name, cert),
  };
}

/** A library error during connect or STARTTLS that is a refused certificate, described. */
export function refusedCertificate(target: TlsTarget, code: string | undefined): { text: string; tls: TlsRecord } | undefined {
  const v = target.verify;
  if (!v) return undefined;
  const r = certificateRefusal(code, v.name);
  if (!r) return undefined;
  const roots = v.by === 'route_ca_file' ? "the route's tls_ca_file" : 'the system CA roots';
  return {
    text: `TLS certificate refused: ${r.detail} (${r.failure}); the route needs a certificate for ${v.name} trusted by ${roots}`,
    tls: { verified: false, name: v.name, failure: r.failure, detail: r.detail },
  };
}

/** What the session got once it is set up (after STARTTLS and the second EHLO, or implicit TLS). */
export function sessionTls(conn: SMTPConnection, target: TlsTarget): TlsRecord {
  // `_socket` is declared in nodemailer's types; it is the TLS socket once the session is secure.
  const socket = conn._socket;
  if (!conn.secure || !(socket instanceof TLSSocket)) return { verified: false };
  const version = socket.getProtocol() ?? undefined;
  const cipher = socket.getCipher()?.name;
  const base = { ...(version ? { version } : {}), ...(cipher ? { cipher } : {}) };
  // With `verify`, rejectUnauthorized and checkServerIdentity already refused anything else;
  // `authorized` is checked anyway so a library change cannot make this record lie.
  if (target.verify && socket.authorized) return { ...base, verified: true, verified_by: target.verify.by, name: target.verify.name };
  return { ...base, verified: false };
}

function isIpLiteral(h: string): boolean {
  return isIP(h.replace(/^\[(.*)\]$/, '$1')) !== 0;
}
