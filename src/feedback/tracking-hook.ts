// Open and click tracking on the send path (SendHooks.personalize): when the message or its
// tenant asks for it, each recipient's HTML gets its own pixel and link tokens (they name the
// delivery), so each recipient gets a MIME variant of its own. Plain-text parts are touched
// only when the request asks for it (`textClicks`, from the compatible APIs). When tracking
// is off, the contents are handed back unchanged: the message keeps its one shared MIME, and
// the only work is a cached lookup of the tenant's setting.
import { clickUrl, openUrl, trackingBase } from '../domain/tracking/links.js';
import { placePixelAt, planHtml, renderHtml, type HtmlPlan } from '../domain/tracking/rewrite.js';
import { planText, renderText } from '../domain/tracking/text.js';
import { newSecret } from '../lib/ids.js';
import type { PartsContent, PersonalizeContext, SendHooks } from '../ingress/send.js';
import type { Store } from '../store/store.js';

export const TRACKING_SECRET = 'tracking-links';

export interface TrackingHookDeps {
  readonly store: Store;
  readonly publicUrl: string;
  readonly now: () => number;
  /** How long a tenant's tracking setting is cached; the settings API invalidates at once. */
  readonly ttlMs?: number;
}

interface Switches {
  readonly opens: boolean;
  readonly clicks: boolean;
}

const OFF: Switches = { opens: false, clicks: false };
const YIELD_EVERY_TOKENS = 2000;

export class TrackingHook implements SendHooks {
  private readonly _cache = new Map<string, { switches: Switches; until: number }>();
  private readonly _base: string;
  private readonly _origin: string;
  private _secret: Promise<string> | undefined;

  constructor(private readonly _deps: TrackingHookDeps) {
    this._base = trackingBase(_deps.publicUrl);
    this._origin = new URL(_deps.publicUrl).origin;
  }

  /** Forgets a tenant's cached setting (after the settings API changed it). */
  invalidate(tenantId: string): void {
    this._cache.delete(tenantId);
  }

  readonly personalize = async (ctx: PersonalizeContext, contents: readonly PartsContent[]): Promise<readonly PartsContent[]> => {
    const t = ctx.tracking;
    const tenant = t?.opens !== undefined && t.clicks !== undefined ? OFF : await this._tenantSwitches(ctx.tenantId);
    const opens = t?.opens ?? tenant.opens;
    const clicks = t?.clicks ?? tenant.clicks;
    const textClicks = t?.textClicks === true;
    const tag = t?.openTag;
    // A pixel tag with opens off stands for nothing: it is taken out of the HTML.
    if (tag && !opens) contents = contents.map((c) => (c.html?.includes(tag) ? { ...c, html: c.html.split(tag).join('') } : c));
    if (!opens && !clicks && !textClicks) return contents;
    const secret = await (this._secret ??= this._deps.store.getOrCreateSecret(TRACKING_SECRET, () => newSecret(32)));
    // Usually every recipient has the same HTML and text: plan each once.
    const plans = new Map<string, HtmlPlan>();
    const textPlans = new Map<string, HtmlPlan>();
    const out: PartsContent[] = [];
    let signed = 0;
    for (const [i, c] of contents.entries()) {
      let plan: HtmlPlan | undefined;
      if (c.html !== undefined && (opens || clicks)) {
        plan = plans.get(c.html);
        if (!plan) plans.set(c.html, (plan = this._plan(c.html, opens, clicks, tag)));
      }
      let textPlan: HtmlPlan | undefined;
      if (c.text !== undefined && textClicks) {
        textPlan = textPlans.get(c.text);
        if (!textPlan) textPlans.set(c.text, (textPlan = planText(c.text, this._origin)));
      }
      if (!plan?.slots.length && !textPlan?.slots.length) {
        out.push(c);
        continue;
      }
      // Each link is a signed token per recipient: 20 recipients of 20,000 links held the
      // event loop for seconds in one go. Yield now and then so other requests are answered.
      signed += (plan?.slots.length ?? 0) + (textPlan?.slots.length ?? 0);
      if (signed > YIELD_EVERY_TOKENS) {
        signed = 0;
        await new Promise((r) => setImmediate(r));
      }
      const deliveryId = ctx.recipients[i]!.deliveryId;
      const link = (target: string): string => clickUrl(this._base, secret, deliveryId, target);
      out.push({
        ...c,
        ...(plan?.slots.length ? { html: renderHtml(plan, link, opens ? openUrl(this._base, secret, deliveryId) : undefined) } : {}),
        ...(textPlan?.slots.length ? { text: renderText(textPlan, link) } : {}),
      });
    }
    return out;
  };

  /** The HTML's plan; with a pixel tag present, the pixel goes there instead of before </body>. */
  private _plan(html: string, opens: boolean, clicks: boolean, tag: string | undefined): HtmlPlan {
    const atTag = opens && tag ? placePixelAt(planHtml(html, { opens: false, clicks, trackingOrigin: this._origin }), tag) : undefined;
    return atTag ?? planHtml(html, { opens, clicks, trackingOrigin: this._origin });
  }

  private async _tenantSwitches(tenantId: string): Promise<Switches> {
    const now = this._deps.now();
    const hit = this._cache.get(tenantId);
    if (hit && hit.until > now) return hit.switches;
    const tenant = await this._deps.store.getTenant(tenantId);
    const switches = { opens: tenant?.settings?.tracking?.opens === true, clicks: tenant?.settings?.tracking?.clicks === true };
    this._cache.set(tenantId, { switches, until: now + (this._deps.ttlMs ?? 5000) });
    if (this._cache.size > 10_000) this._cache.delete(this._cache.keys().next().value!);
    return switches;
  }
}
