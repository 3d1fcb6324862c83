// The normalised send request: every ingress (native /v1, SendGrid, SES, Postmark, SMTP)
// produces one of these, so validation, durability and delivery live in one place.

/** A validated mailbox. `address` has its domain in ASCII (A-labels, lower case). */
export interface Address {
  readonly address: string;
  readonly name?: string;
  /** The local part is not ASCII: delivery needs a server that offers SMTPUTF8 (RFC 6531). */
  readonly smtputf8: boolean;
}

/** A caller-supplied header, already checked: allowed name, no CR/LF, folded by the composer. */
export interface Header {
  readonly name: string;
  readonly value: string;
}

export interface Attachment {
  readonly filename: string;
  readonly contentType: string;
  readonly content: Buffer;
  /** Set for inline images referenced as `cid:<contentId>` from the HTML part. */
  readonly contentId?: string;
  readonly disposition: 'attachment' | 'inline';
}

/** Content a caller wrote: either structured parts (we compose MIME) or a finished RFC 5322 message. */
export type Content =
  | {
      readonly kind: 'parts';
      readonly subject: string;
      readonly text?: string;
      readonly html?: string;
      readonly headers: readonly Header[];
      readonly attachments: readonly Attachment[];
      readonly replyTo: readonly Address[];
    }
  | { readonly kind: 'raw'; readonly raw: Buffer };

export interface SendRequest {
  readonly from: Address;
  readonly to: readonly Address[];
  readonly cc: readonly Address[];
  readonly bcc: readonly Address[];
  readonly content: Content;
  readonly tags: readonly string[];
  readonly metadata: Readonly<Record<string, string>>;
  /** Epoch ms; absent means now. */
  readonly sendAt?: number;
  /** Envelope sender override (SMTP MAIL FROM); the header From otherwise. */
  readonly envelopeFrom?: string;
  /**
   * Content of its own for some recipients (a template rendered with per-recipient data), keyed
   * by lower-cased address; every other recipient gets `content`. Only with `parts` content.
   */
  readonly recipientContents?: ReadonlyMap<string, PartsContent>;
  /** Per-message open/click tracking; each switch left out follows the tenant's setting. */
  readonly tracking?: TrackingOptions;
}

export interface TrackingOptions {
  readonly opens?: boolean;
  /** Links in the HTML part. */
  readonly clicks?: boolean;
  /** Links in the plain-text part too (the compatible APIs' per-message switch); off unless asked. */
  readonly textClicks?: boolean;
  /** Where the open pixel goes: this text in the HTML is replaced by it (removed when opens are off). */
  readonly openTag?: string;
}

export type PartsContent = Extract<Content, { readonly kind: 'parts' }>;

/** Every recipient of a request, in to/cc/bcc order, without duplicates (first kept). */
export function envelopeRecipients(req: SendRequest): Address[] {
  const seen = new Set<string>();
  const out: Address[] = [];
  for (const a of [...req.to, ...req.cc, ...req.bcc]) {
    const key = a.address.toLowerCase();
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(a);
  }
  return out;
}

/** Lower-cased domain of an address whose domain is already ASCII. */
export function domainOf(address: string): string {
  return address.slice(address.lastIndexOf('@') + 1).toLowerCase();
}
