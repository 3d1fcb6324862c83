// Webhook signatures.
//
// native:   `Txmail-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`. The
//           timestamp is inside the MAC so a captured request cannot be replayed later with a new
//           one; receivers reject timestamps too far from their clock (README has the snippet).
// sendgrid: what SendGrid's Signed Event Webhook sends, so existing receivers verify it unchanged:
//           `X-Twilio-Email-Event-Webhook-Timestamp: <unix seconds>` and
//           `X-Twilio-Email-Event-Webhook-Signature: base64(DER(ECDSA-P256-SHA256(<t><body>)))`,
//           checked against the endpoint's public key (base64 SPKI, as SendGrid's console shows it).
import { createHmac, generateKeyPairSync, randomBytes, sign as ecSign, timingSafeEqual } from 'node:crypto';

export const NATIVE_SIGNATURE_HEADER = 'Txmail-Signature';
export const SENDGRID_SIGNATURE_HEADER = 'X-Twilio-Email-Event-Webhook-Signature';
export const SENDGRID_TIMESTAMP_HEADER = 'X-Twilio-Email-Event-Webhook-Timestamp';

/** A new HMAC secret for a native endpoint. */
export function newWebhookSecret(): string {
  return `whsec_${randomBytes(32).toString('base64url')}`;
}

/** A new P-256 key pair for a SendGrid-format endpoint: the private key signs, the public one is shown. */
export function newSendgridKeyPair(): { privateKeyPem: string; publicKey: string } {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  return {
    privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    publicKey: publicKey.export({ type: 'spki', format: 'der' }).toString('base64'),
  };
}

function hmacHex(secret: string, timestampS: number, body: string): string {
  return createHmac('sha256', secret).update(`${timestampS}.`).update(body).digest('hex');
}

export function signNative(secret: string, timestampS: number, body: string): string {
  return `t=${timestampS},v1=${hmacHex(secret, timestampS, body)}`;
}

/** True when `header` is a valid native signature of `body` made within `toleranceS` of `nowS`. */
export function verifyNative(secret: string, header: string, body: string, nowS: number, toleranceS = 300): boolean {
  const parts = new Map(header.split(',').map((kv) => [kv.slice(0, kv.indexOf('=')).trim(), kv.slice(kv.indexOf('=') + 1).trim()] as const));
  const t = Number(parts.get('t'));
  const given = parts.get('v1');
  if (!Number.isInteger(t) || given === undefined || !/^[0-9a-f]{64}$/.test(given)) return false;
  if (Math.abs(nowS - t) > toleranceS) return false;
  return timingSafeEqual(Buffer.from(given, 'hex'), Buffer.from(hmacHex(secret, t, body), 'hex'));
}

/** The SendGrid signature header value: ECDSA over the timestamp's digits followed by the body. */
export function signSendgrid(privateKeyPem: string, timestampS: number, body: string): string {
  // node signs EC keys in DER (ieee-p1363 only when asked), which is what SendGrid sends.
  return ecSign('sha256', Buffer.from(`${timestampS}${body}`, 'utf8'), privateKeyPem).toString('base64');
}

/** Headers for one POST of `body` to an endpoint of `format`, signed at `timestampS`. */
export function signatureHeaders(
  format: 'native' | 'sendgrid',
  secret: string,
  timestampS: number,
  body: string,
): Record<string, string> {
  return format === 'native'
    ? { [NATIVE_SIGNATURE_HEADER]: signNative(secret, timestampS, body) }
    : { [SENDGRID_SIGNATURE_HEADER]: signSendgrid(secret, timestampS, body), [SENDGRID_TIMESTAMP_HEADER]: String(timestampS) };
}
