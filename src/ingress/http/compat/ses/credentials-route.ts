// GET /v1/ses-credentials: the AWS-style access key id and secret of the API key that calls
// it (bearer auth, native error shape), for the SES-compatible API. Showing them needs nothing
// but the API key itself, which already grants everything they grant.
import { TxError } from '../../../../domain/errors.js';
import type { SesCredentials } from '../../../ses-credentials.js';
import type { HttpPlugin } from '../../app.js';

export function sesCredentialsRoute(credentials: SesCredentials): HttpPlugin {
  return async (app, deps) => {
    app.get('/v1/ses-credentials', async (req) => {
      const m = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '');
      if (!m) throw new TxError('TX_ERR_UNAUTHENTICATED', 'Missing API key: send "Authorization: Bearer <key>".');
      const auth = await deps.keys.verify(m[1]!, deps.now());
      if (!auth) throw new TxError('TX_ERR_UNAUTHENTICATED', 'Invalid or revoked API key.');
      const c = credentials.forKey(auth.keyId);
      return { key_id: auth.keyId, access_key_id: c.accessKeyId, secret_access_key: c.secretAccessKey, scopes: auth.scopes };
    });
  };
}
