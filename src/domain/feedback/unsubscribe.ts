// List-Unsubscribe (RFC 2369) with one-click (RFC 8058): which messages get it and the header
// values. The URL carries a signed token naming the delivery; the mailto goes to the bounce
// listener. Both headers are DKIM-signed (sign.ts lists them), as RFC 8058 §4 requires.

export type ListUnsubscribeSetting = 'bulk' | 'always';

export const UNSUBSCRIBE_PURPOSE = 'unsubscribe';

/** What an unsubscribe URL token holds: enough to act even when the delivery row is gone. */
export interface UnsubscribeClaim {
  /** Tenant id. */
  readonly t: string;
  /** Message id. */
  readonly m: string;
  /** Delivery id. */
  readonly d: string;
  /** Recipient address. */
  readonly a: string;
}

export function isUnsubscribeClaim(v: unknown): v is UnsubscribeClaim {
  if (typeof v !== 'object' || v === null) return false;
  const o = v as Record<string, unknown>;
  return ['t', 'm', 'd', 'a'].every((k) => typeof o[k] === 'string' && (o[k] as string).length > 0);
}

/**
 * A message is bulk when its sender says so: `Precedence: bulk` (or list/junk), which the
 * native API's `bulk: true` writes and any raw message may carry.
 */
export function isBulk(precedence: string | undefined): boolean {
  return precedence !== undefined && /^\s*(bulk|list|junk)\s*$/i.test(precedence);
}

/** Whether txmail adds its List-Unsubscribe: never over the sender's own. */
export function wantsListUnsubscribe(setting: ListUnsubscribeSetting | undefined, bulk: boolean, hasOwn: boolean): boolean {
  if (hasOwn) return false;
  return setting === 'always' || bulk;
}

/** `<public_url>/u/<token>`; the token is base64url and needs no escaping. */
export function unsubscribeUrl(publicUrl: string, token: string): string {
  return `${publicUrl.replace(/\/+$/, '')}/u/${token}`;
}

/** The two header fields, CRLF-terminated, to add on top of the message. */
export function listUnsubscribeFields(url: string, mailto: string | undefined): string {
  const uris = [`<${url}>`, ...(mailto ? [`<mailto:${mailto}?subject=unsubscribe>`] : [])];
  return `List-Unsubscribe: ${uris.join(',\r\n ')}\r\nList-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n`;
}
