// What webhooks and stats need to know about an event's message besides the event itself:
// the caller's tags and metadata travel with every event they send out.

export interface MessageMeta {
  readonly id: string;
  /** The Message-ID header value, with angle brackets. */
  readonly messageIdHeader: string;
  readonly tags: readonly string[];
  readonly metadata: Readonly<Record<string, string>>;
}
