// AWS-style credentials for the SES-compatible API. SigV4 needs the server to know the
// secret (it signs the request again), unlike our API keys, of which only a hash is kept. So
// the pair is derived, not stored: access key id = "AKTX" + the API key's id, secret =
// HMAC(server secret, key id). Nothing new at rest; revoking the API key revokes its pair; the
// server secret lives in the store (getOrCreateSecret), shared by every process.
import { createHmac } from 'node:crypto';
import { newSecret } from '../lib/ids.js';
import type { Store } from '../store/store.js';

export interface AwsCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
}

const PREFIX = 'AKTX';
const KEY_ID = /^[a-z0-9]{16}$/;

export class SesCredentials {
  private constructor(private readonly serverSecret: string) {}

  static async open(store: Store): Promise<SesCredentials> {
    return new SesCredentials(await store.getOrCreateSecret('ses-sigv4-v1', () => newSecret(32)));
  }

  /** The pair of the API key with this id (its public part, `SG.<id>.…`). */
  forKey(keyId: string): AwsCredentials {
    // 40 characters of base64, the shape of an AWS secret access key.
    const secretAccessKey = createHmac('sha256', this.serverSecret).update(`ses-sigv4:${keyId}`).digest('base64').slice(0, 40);
    return { accessKeyId: `${PREFIX}${keyId.toUpperCase()}`, secretAccessKey };
  }

  /** The API key id an access key id stands for, or undefined when it is not one of ours. */
  keyIdOf(accessKeyId: string): string | undefined {
    if (!accessKeyId.startsWith(PREFIX)) return undefined;
    const id = accessKeyId.slice(PREFIX.length).toLowerCase();
    return KEY_ID.test(id) ? id : undefined;
  }
}
