// The switches of a SendGrid mail/send body beyond the message itself: tracking_settings
// (clicks, text links, opens and the pixel's tag, ganalytics; subscription_tracking refused),
// mail_settings (sandbox, footer; bypasses refused), asm, ip_pool_name, batch_id (refused).
// Each one is honoured as SendGrid documents it or refused with SendGrid's error naming the
// field; none is accepted and silently dropped (a sender who turned click tracking off for a
// password reset must get an untouched link, and one who asked for an IP pool or an
// unsubscribe group must not believe they got it).
import type { FieldError } from '../../../../domain/errors.js';
import type { TrackingOptions } from '../../../../domain/message/types.js';
import { isAbsent, isRecord } from '../../../../domain/message/validate-shape.js';
import { utmHtml, utmText, type UtmParams } from '../../../../domain/tracking/utm.js';

export interface SgFooter {
  readonly text: string | undefined;
  readonly html: string | undefined;
}

export interface SgSettings {
  readonly tracking: TrackingOptions | undefined;
  readonly sandbox: boolean;
  /** mail_settings.footer when enabled: appended to the text and HTML parts. */
  readonly footer: SgFooter | undefined;
  /** tracking_settings.ganalytics when enabled: parameters added to every web link. */
  readonly utm: UtmParams | undefined;
}

const UTM_KEYS = ['utm_source', 'utm_medium', 'utm_term', 'utm_content', 'utm_campaign'] as const;

type Errors = FieldError[];

/** `{enable: boolean}`-style objects: the flag, undefined when absent, with an error when not a boolean. */
function flag(obj: unknown, key: string, path: string, errors: Errors): boolean | undefined {
  if (!isRecord(obj)) return undefined;
  const v = obj[key];
  if (isAbsent(v)) return undefined;
  if (typeof v !== 'boolean') {
    errors.push({ path: `${path}.${key}`, message: `The ${path}.${key} param should be a boolean value.` });
    return undefined;
  }
  return v;
}

function objectAt(body: Record<string, unknown>, key: string, path: string, errors: Errors): Record<string, unknown> | undefined {
  const v = body[key];
  if (isAbsent(v)) return undefined;
  if (!isRecord(v)) {
    errors.push({ path, message: `${path} must be an object.` });
    return undefined;
  }
  return v;
}

/** A feature txmail does not have: refused when switched on, accepted when off (it is off here). */
function refuseEnabled(parent: Record<string, unknown> | undefined, key: string, path: string, why: string, errors: Errors): void {
  if (!parent || isAbsent(parent[key])) return;
  const on = flag(parent[key], 'enable', `${path}.${key}`, errors);
  if (!isRecord(parent[key])) errors.push({ path: `${path}.${key}`, message: `${path}.${key} must be an object.` });
  else if (on === true) errors.push({ path: `${path}.${key}.enable`, message: `${path}.${key} is not supported by this server (txmail): ${why}` });
}

export function parseSendGridSettings(body: Record<string, unknown>, errors: Errors): SgSettings {
  const ts = objectAt(body, 'tracking_settings', 'tracking_settings', errors);
  let utm: UtmParams | undefined;
  let tracking: { opens?: boolean; clicks?: boolean; textClicks?: boolean; openTag?: string } | undefined;
  if (ts) {
    tracking = {};
    if (!isAbsent(ts['click_tracking'])) {
      const clicks = flag(ts['click_tracking'], 'enable', 'tracking_settings.click_tracking', errors);
      const text = flag(ts['click_tracking'], 'enable_text', 'tracking_settings.click_tracking', errors);
      if (clicks !== undefined) tracking.clicks = clicks;
      // SendGrid tracks text links only as part of click tracking.
      if (clicks === true && text === true) tracking.textClicks = true;
    }
    if (!isAbsent(ts['open_tracking'])) {
      const opens = flag(ts['open_tracking'], 'enable', 'tracking_settings.open_tracking', errors);
      if (opens !== undefined) tracking.opens = opens;
      const tag = isRecord(ts['open_tracking']) ? ts['open_tracking']['substitution_tag'] : undefined;
      if (typeof tag === 'string' && tag !== '') tracking.openTag = tag;
      else if (!isAbsent(tag) && tag !== '') errors.push({ path: 'tracking_settings.open_tracking.substitution_tag', message: 'The tracking_settings.open_tracking.substitution_tag param should be a string.' });
    }
    refuseEnabled(ts, 'subscription_tracking', 'tracking_settings', 'txmail does not insert unsubscribe text into the body; it adds a one-click List-Unsubscribe header to bulk mail (see the tenant setting list_unsubscribe).', errors);
    utm = parseGanalytics(ts['ganalytics'], errors);
  }

  const ms = objectAt(body, 'mail_settings', 'mail_settings', errors);
  const sandbox = flag(ms?.['sandbox_mode'], 'enable', 'mail_settings.sandbox_mode', errors) === true;
  for (const bypass of ['bypass_list_management', 'bypass_spam_management', 'bypass_bounce_management', 'bypass_unsubscribe_management']) {
    refuseEnabled(ms, bypass, 'mail_settings', 'txmail never sends to a suppressed address; remove the address from the suppression list (/v1/suppressions) instead.', errors);
  }
  const footer = parseFooter(ms?.['footer'], errors);

  if (!isAbsent(body['asm'])) {
    errors.push({ path: 'asm', message: 'asm (unsubscribe groups) is not supported by this server (txmail): it has no unsubscribe groups; leave asm out, and mark bulk mail with a Precedence: bulk header for a one-click List-Unsubscribe.' });
  }
  if (!isAbsent(body['ip_pool_name'])) {
    errors.push({ path: 'ip_pool_name', message: 'ip_pool_name is not supported by this server (txmail): it has no IP pools yet, and sending from another address than the one asked for is not done silently; leave ip_pool_name out.' });
  }
  if (!isAbsent(body['batch_id'])) {
    errors.push({ path: 'batch_id', message: 'batch_id is not supported by this server (txmail): it has no batches to pause or cancel scheduled sends with; leave batch_id out.' });
  }
  return { tracking, sandbox, footer, utm };
}

function parseGanalytics(input: unknown, errors: Errors): UtmParams | undefined {
  const path = 'tracking_settings.ganalytics';
  if (isAbsent(input)) return undefined;
  if (!isRecord(input)) {
    errors.push({ path, message: `${path} must be an object.` });
    return undefined;
  }
  const on = flag(input, 'enable', path, errors);
  const out: Partial<Record<(typeof UTM_KEYS)[number], string>> = {};
  for (const k of UTM_KEYS) {
    const v = input[k];
    if (isAbsent(v)) continue;
    if (typeof v !== 'string') errors.push({ path: `${path}.${k}`, message: `The ${path}.${k} param should be a string.` });
    else out[k] = v;
  }
  return on === true ? out : undefined;
}

/** Adds the campaign parameters to the web links of both parts. */
export function withUtmParams(content: { text?: string; html?: string }, utm: UtmParams | undefined): { text?: string; html?: string } {
  if (!utm) return content;
  return {
    ...(content.text === undefined ? {} : { text: utmText(content.text, utm) }),
    ...(content.html === undefined ? {} : { html: utmHtml(content.html, utm) }),
  };
}

function parseFooter(input: unknown, errors: Errors): SgFooter | undefined {
  const path = 'mail_settings.footer';
  if (isAbsent(input)) return undefined;
  if (!isRecord(input)) {
    errors.push({ path, message: `${path} must be an object.` });
    return undefined;
  }
  const on = flag(input, 'enable', path, errors);
  const part = (k: 'text' | 'html'): string | undefined => {
    const v = input[k];
    if (isAbsent(v)) return undefined;
    if (typeof v !== 'string') errors.push({ path: `${path}.${k}`, message: `The ${path}.${k} param should be a string.` });
    return typeof v === 'string' && v !== '' ? v : undefined;
  };
  const text = part('text');
  const html = part('html');
  return on === true ? { text, html } : undefined;
}

/** Adds the footer as SendGrid does: at the end of the text, before </body> in HTML (or at its end). */
export function withFooter(content: { text?: string; html?: string }, footer: SgFooter | undefined): { text?: string; html?: string } {
  if (!footer) return content;
  const out: { text?: string; html?: string } = { ...content };
  if (content.text !== undefined && footer.text !== undefined) out.text = `${content.text}\n\n${footer.text}`;
  if (content.html !== undefined && footer.html !== undefined) {
    const at = content.html.toLowerCase().lastIndexOf('</body');
    out.html = at === -1 ? content.html + footer.html : content.html.slice(0, at) + footer.html + content.html.slice(at);
  }
  return out;
}
