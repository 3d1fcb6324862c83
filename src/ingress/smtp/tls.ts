// The STARTTLS certificate of the submission listener: the configured files, or for
// development a self-signed one generated on the first start and kept in the data directory,
// so clients that pinned it keep trusting it across restarts.
import { linkSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { join } from 'node:path';
import { generateSelfSigned } from '../../lib/self-signed.js';

export interface TlsPair {
  readonly key: string;
  readonly cert: string;
  /** Where it came from, for the start-up log line. */
  readonly source: string;
}

export interface TlsSettings {
  readonly certFile: string;
  readonly keyFile: string;
  readonly dataDir: string;
  readonly hostname: string;
  /** The listen address, added to the self-signed certificate's names when it is an IP. */
  readonly listenHost: string;
}

const PEM_KEY = /-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]+?-----END [A-Z ]*PRIVATE KEY-----\n?/;
const PEM_CERTS = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----\n?/g;

export function selfSignedPath(dataDir: string): string {
  return join(dataDir, 'submission-tls', 'self-signed.pem');
}

export function loadSubmissionTls(s: TlsSettings): TlsPair {
  if (s.certFile !== '' || s.keyFile !== '') {
    if (s.certFile === '' || s.keyFile === '') throw new Error('submission.tls_cert and submission.tls_key must be set together');
    return { cert: readFileSync(s.certFile, 'utf8'), key: readFileSync(s.keyFile, 'utf8'), source: s.certFile };
  }
  const file = selfSignedPath(s.dataDir);
  let pem: string;
  try {
    pem = readFileSync(file, 'utf8');
  } catch {
    pem = createSelfSigned(file, s);
  }
  const key = PEM_KEY.exec(pem)?.[0];
  const cert = pem.match(PEM_CERTS)?.join('');
  if (!key || !cert) throw new Error(`${file} does not hold a private key and a certificate; delete it to have a new one made`);
  return { key, cert, source: `${file} (self-signed)` };
}

// Key and certificate in one file, published with link(): it fails when the file exists, so two
// processes starting together on one data directory cannot end up with a key from one and a
// certificate from the other; the loser reads the winner's file.
function createSelfSigned(file: string, s: TlsSettings): string {
  const altNames = ['localhost', '127.0.0.1', '::1', ...(isIP(s.listenHost) && s.listenHost !== '0.0.0.0' && s.listenHost !== '::' ? [s.listenHost] : [])];
  const pair = generateSelfSigned(s.hostname, { altNames, days: 825 });
  mkdirSync(join(file, '..'), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, pair.key + pair.cert, { mode: 0o600 });
  try {
    linkSync(tmp, file);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
  } finally {
    rmSync(tmp, { force: true });
  }
  return readFileSync(file, 'utf8');
}
