// Google Analytics campaign parameters added to a message's links (SendGrid's
// tracking_settings.ganalytics). The links are found as click tracking finds them (same
// scanner, same exclusions: unsubscribe links, non-web links, unfilled placeholders), so the
// two compose: parameters first, then the tracking URL wraps the link with its parameters.
import { planHtml, renderHtml } from './rewrite.js';
import { planText, renderText } from './text.js';

export type UtmParams = Readonly<Partial<Record<'utm_source' | 'utm_medium' | 'utm_term' | 'utm_content' | 'utm_campaign', string>>>;

/** The URL with each parameter set; one the link already carries is kept, as SendGrid does. */
export function withUtm(url: string, params: UtmParams): string {
  const u = new URL(url);
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== '' && !u.searchParams.has(k)) u.searchParams.set(k, v);
  return u.href;
}

// Never our tracking host: links are rewritten before tracking, so no link points there yet.
const NO_ORIGIN = 'null';

export function utmHtml(html: string, params: UtmParams): string {
  const plan = planHtml(html, { clicks: true, opens: false, trackingOrigin: NO_ORIGIN });
  return plan.slots.length === 0 ? html : renderHtml(plan, (t) => withUtm(t, params), undefined);
}

export function utmText(text: string, params: UtmParams): string {
  const plan = planText(text, NO_ORIGIN);
  return plan.slots.length === 0 ? text : renderText(plan, (t) => withUtm(t, params));
}
