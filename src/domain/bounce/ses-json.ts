// Amazon SES bounce notifications delivered by email (an SNS topic with an email subscription):
// a JSON document, not a DSN. SES already names each bounced recipient with its status and the
// remote's diagnostic, so the same classification applies to those.
import { STATUS_CODE, type DsnRecipient } from './dsn.js';
import { compact, partText, walk, type MimePart } from './mime.js';

export interface SesJsonBounce {
  readonly format: 'ses-json';
  readonly reportingMta?: string;
  readonly recipients: readonly DsnRecipient[];
}

interface SesRecipient {
  readonly emailAddress?: unknown;
  readonly status?: unknown;
  readonly action?: unknown;
  readonly diagnosticCode?: unknown;
}

export function parseSesJson(root: MimePart): SesJsonBounce | undefined {
  const part = [...walk(root)].find((p) => p.parts.length === 0 && /notificationType/.test(p.body));
  if (!part) return undefined;
  const body = partText(part).trim();
  // Mail transports wrap long lines; a JSON string cannot hold a line break, so a wrapped one
  // is joined back (the continuation's leading space was added by the wrap).
  const doc = json(body) ?? json(body.replace(/\n /g, ''));
  // SNS wraps the SES notification as a JSON string in `Message`; SES-to-email sends it bare.
  const inner = typeof doc?.['Message'] === 'string' ? json(doc['Message']) : doc;
  if (!inner || (inner['notificationType'] ?? inner['eventType']) !== 'Bounce') return undefined;
  const bounce = inner['bounce'] as Record<string, unknown> | undefined;
  const list = Array.isArray(bounce?.['bouncedRecipients']) ? (bounce['bouncedRecipients'] as SesRecipient[]) : [];
  const permanent = bounce?.['bounceType'] === 'Permanent';
  const recipients = list.flatMap((r): DsnRecipient[] => {
    if (typeof r.emailAddress !== 'string') return [];
    const diag = typeof r.diagnosticCode === 'string' ? r.diagnosticCode.replace(/^smtp;\s*/i, '') : undefined;
    const status = (typeof r.status === 'string' && STATUS_CODE.exec(r.status)?.[0]) || STATUS_CODE.exec(diag ?? '')?.[0] || (permanent ? '5.0.0' : '4.0.0');
    return [compact({ finalRecipient: r.emailAddress.replace(/^.*<([^>]+)>.*$/, '$1'), action: 'failed' as const, status, diagnosticCode: diag })];
  });
  if (recipients.length === 0) return undefined;
  const mta = typeof bounce?.['reportingMTA'] === 'string' ? bounce['reportingMTA'].replace(/^dns;\s*/i, '') : undefined;
  return compact({ format: 'ses-json' as const, reportingMta: mta, recipients });
}

function json(s: string): Record<string, unknown> | undefined {
  try {
    const v: unknown = JSON.parse(s);
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
