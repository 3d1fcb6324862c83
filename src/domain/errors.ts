// The error code registry. Every error a caller can see has a stable code, an HTTP status,
// an SMTP reply for the SMTP ingress, and a one-line description that the docs reuse.

export interface FieldError {
  /** JSON path of the offending field, e.g. `to[2].email` or `headers.X-Foo`. */
  readonly path: string;
  readonly message: string;
}

export interface ErrorSpec {
  readonly status: number;
  /** SMTP reply code and enhanced status (RFC 3463) when the same error surfaces over SMTP. */
  readonly smtp: readonly [number, string];
  readonly description: string;
}

export const ERRORS = {
  TX_ERR_BAD_REQUEST: { status: 400, smtp: [501, '5.5.4'], description: 'The request is not well-formed (malformed JSON, wrong content type).' },
  TX_ERR_UNSUPPORTED_MEDIA_TYPE: { status: 415, smtp: [554, '5.6.0'], description: 'The request body must be JSON (Content-Type: application/json).' },
  TX_ERR_VALIDATION: { status: 422, smtp: [550, '5.6.0'], description: 'One or more fields are invalid; `fields` names each one and why.' },
  TX_ERR_TOO_LARGE: { status: 413, smtp: [552, '5.3.4'], description: 'The message or request is larger than the configured limit.' },
  TX_ERR_TOO_MANY_RECIPIENTS: { status: 422, smtp: [452, '4.5.3'], description: 'More recipients than the configured limit.' },
  TX_ERR_UNAUTHENTICATED: { status: 401, smtp: [535, '5.7.8'], description: 'No API key, or an API key that does not exist or was revoked.' },
  TX_ERR_FORBIDDEN: { status: 403, smtp: [550, '5.7.1'], description: 'The API key lacks the scope this operation needs.' },
  TX_ERR_SENDER_NOT_ALLOWED: {
    status: 403,
    smtp: [550, '5.7.1'],
    description: 'A sender (header From or Sender, envelope sender) is outside the tenant’s domains, or belongs to another tenant.',
  },
  TX_ERR_SENDER_NOT_VERIFIED: {
    status: 403,
    smtp: [550, '5.7.1'],
    description: 'The sender’s domain was added but its ownership is not proven yet: publish its DNS records, then verify it.',
  },
  TX_ERR_IDEMPOTENCY_CONFLICT: { status: 409, smtp: [554, '5.0.0'], description: 'The Idempotency-Key was used before with a different request body.' },
  TX_ERR_NOT_FOUND: { status: 404, smtp: [550, '5.0.0'], description: 'No such resource for this tenant.' },
  TX_ERR_CONFLICT: { status: 409, smtp: [554, '5.0.0'], description: 'The resource already exists or is in a state that forbids this change.' },
  TX_ERR_DOMAIN_TAKEN: {
    status: 409,
    smtp: [554, '5.7.1'],
    description: 'Another tenant proved ownership of the domain, a parent or a subdomain of it; a domain and its relatives send for one tenant only.',
  },
  TX_ERR_DOMAIN_CLAIM_EXPIRED: {
    status: 409,
    smtp: [554, '5.7.1'],
    description: 'The domain was not verified within `domains.claim_ttl_s` of being added; add it again for new records.',
  },
  TX_ERR_ROTATION_PENDING: { status: 409, smtp: [554, '5.0.0'], description: 'A DKIM key rotation is already waiting for its records to be published and verified.' },
  TX_ERR_WEBHOOK_TARGET_REFUSED: {
    status: 422,
    smtp: [550, '5.7.1'],
    description: 'The webhook URL’s host is on a loopback, private or link-local address (refused unless webhooks.allow_private_targets), or does not resolve.',
  },
  TX_ERR_RATE_LIMITED: { status: 429, smtp: [421, '4.7.0'], description: 'Too many requests; retry later.' },
  TX_ERR_UNAVAILABLE: { status: 503, smtp: [451, '4.3.0'], description: 'The store could not commit; nothing was accepted. Retry.' },
  TX_ERR_INTERNAL: { status: 500, smtp: [451, '4.3.0'], description: 'A bug. Nothing was accepted.' },
  TX_ERR_AUTH_REQUIRED: { status: 401, smtp: [530, '5.7.0'], description: 'Authenticate first: SMTP AUTH (user `apikey`, an API key as password) before MAIL FROM.' },
  TX_ERR_AUTH_THROTTLED: { status: 429, smtp: [421, '4.7.0'], description: 'Too many failed authentication attempts from this address; it is refused for a while.' },
  TX_ERR_TOO_MANY_CONNECTIONS: { status: 429, smtp: [421, '4.7.0'], description: 'Too many concurrent connections from this address, or in all.' },
  TX_ERR_INVALID_SENDER: { status: 422, smtp: [553, '5.1.7'], description: 'The envelope sender is not an acceptable address.' },
  TX_ERR_INVALID_RECIPIENT: { status: 422, smtp: [553, '5.1.3'], description: 'A recipient is not an acceptable address.' },
  TX_ERR_BARE_LINE_ENDING: { status: 400, smtp: [550, '5.6.0'], description: 'The message has a CR or LF that is not part of a CRLF pair (RFC 5321 §2.3.8); refused, since such line ends enable SMTP smuggling.' },
  TX_ERR_NUL_IN_DATA: { status: 400, smtp: [550, '5.6.0'], description: 'The message holds a NUL byte; refused, since a next hop that drops NULs could read what follows as SMTP commands.' },
  TX_ERR_LINE_TOO_LONG: {
    status: 422,
    smtp: [550, '5.6.0'],
    description: 'A finished message (SMTP submission, SES Raw) has a line over 998 octets (RFC 5322 §2.1.1); refused rather than re-encoded, which would change what the sender may have signed. Encode long lines (quoted-printable or base64).',
  },
  TX_ERR_SIGNATURE_INVALID: { status: 403, smtp: [535, '5.7.8'], description: 'The request signature (AWS Signature Version 4) does not match, is malformed, or is outside the allowed clock skew.' },
  TX_ERR_TEMPLATE_NOT_FOUND: { status: 422, smtp: [550, '5.6.0'], description: 'The template named in a send does not exist for this tenant, or has no active version.' },
  TX_ERR_TEMPLATE_INVALID: { status: 422, smtp: [550, '5.6.0'], description: 'A template does not compile, or failed while rendering (an unknown helper, a helper error).' },
  TX_ERR_TEMPLATE_TOO_LARGE: {
    status: 422,
    smtp: [552, '5.3.4'],
    description: 'A template renders to more than templates.max_output_chars, or takes more work than templates.max_work_chars (loops over the data); the error names the part.',
  },
  TX_ERR_TEMPLATE_MISSING_VARIABLE: { status: 422, smtp: [550, '5.6.0'], description: 'Strict mode: the template refers to a variable that the data lacks; the error names it.' },
  TX_ERR_TENANT_SUSPENDED: { status: 403, smtp: [550, '5.7.1'], description: 'The tenant is suspended (the message names the reason); nothing is accepted until a platform admin resumes it.' },
} as const satisfies Record<string, ErrorSpec>;

export type ErrorCode = keyof typeof ERRORS;

/** An expected, caller-facing failure. Thrown across the I/O boundary, rendered once per ingress. */
export class TxError extends Error {
  readonly code: ErrorCode;
  readonly fields: readonly FieldError[];
  constructor(code: ErrorCode, message: string, fields: readonly FieldError[] = []) {
    super(message);
    this.name = 'TxError';
    this.code = code;
    this.fields = fields;
  }
  get status(): number {
    return ERRORS[this.code].status;
  }
  toBody(): { error: { code: ErrorCode; message: string; fields: readonly FieldError[] } } {
    return { error: { code: this.code, message: this.message, fields: this.fields } };
  }
}

export function validationError(fields: readonly FieldError[]): TxError {
  const first = fields[0];
  const summary = first ? `${first.path}: ${first.message}` : 'invalid request';
  const more = fields.length > 1 ? ` (and ${fields.length - 1} more)` : '';
  return new TxError('TX_ERR_VALIDATION', `Invalid request: ${summary}${more}`, fields);
}
