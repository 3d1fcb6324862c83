// Click tracking in plain-text parts, for the APIs that offer it per message (SendGrid's
// `click_tracking.enable_text`, Postmark's `TrackLinks: HtmlAndText | TextOnly`). A text part has
// no markup, so a link is any bare absolute http(s) URL; the same rules as in HTML decide which
// ones are left alone (unsubscribe links, the tracking host itself, unfilled placeholders).
// The plan has the HTML plan's shape, so one recipient's copy is the same cheap join.
import { trackableTarget, type HtmlPlan } from './rewrite.js';

// Up to whitespace or a character that cannot end a URL in running text; trailing sentence
// punctuation is taken back off below ("see https://x.test/a." links to /a).
const URL_IN_TEXT = /\bhttps?:\/\/[^\s<>"'`]+/gi;
const TRAILING = /[.,;:!?)\]}>]+$/;
const NO_ATTRS: ReadonlyMap<string, string> = new Map();

export function planText(text: string, trackingOrigin: string): HtmlPlan {
  const chunks: string[] = [];
  const slots: string[] = [];
  let literalFrom = 0;
  for (const m of text.matchAll(URL_IN_TEXT)) {
    let url = m[0];
    const tail = TRAILING.exec(url);
    // A closing bracket belongs to the URL when the URL opened one (Wikipedia-style paths).
    if (tail && !(tail[0] === ')' && url.includes('('))) url = url.slice(0, url.length - tail[0].length);
    const target = trackableTarget(url, NO_ATTRS, trackingOrigin);
    if (target === undefined) continue;
    chunks.push(text.slice(literalFrom, m.index));
    slots.push(target);
    literalFrom = m.index + url.length;
  }
  chunks.push(text.slice(literalFrom));
  return { chunks, slots };
}

/** One recipient's text: each link replaced by its tracking URL. */
export function renderText(plan: HtmlPlan, clickUrl: (target: string) => string): string {
  let out = plan.chunks[0]!;
  plan.slots.forEach((target, k) => {
    out += target === null ? '' : clickUrl(target);
    out += plan.chunks[k + 1]!;
  });
  return out;
}
