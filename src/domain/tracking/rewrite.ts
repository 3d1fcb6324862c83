// Open and click tracking in HTML: links become tracking URLs, a 1×1 pixel goes before </body>.
//
// The HTML is scanned once per message (planHtml) into literal chunks and link slots; each
// recipient's copy is then a join with that recipient's signed URLs (renderHtml), so a message
// to many recipients is not re-parsed per recipient. The scanner is deliberately small: it
// knows comments, CDATA, <script>/<style> bodies (never rewritten) and quoted attributes, which
// is all it takes to find <a href> in mail HTML without a DOM.
//
// A link is never rewritten when it is not absolute http(s) (mailto:, tel:, #anchors, cid:,
// relative), when it looks like an unsubscribe or opt-out link, when it already points at the
// tracking host, or when its tag opts out with `clicktracking="off"` (SendGrid's spelling) or
// `data-txmail-notrack`.

export interface HtmlPlan {
  /** Literal HTML around the slots: chunks[0] slot0 chunks[1] slot1 ... chunks[n]. */
  readonly chunks: readonly string[];
  /** One per slot: a link's destination (normalised URL), or null for the pixel's slot. */
  readonly slots: ReadonlyArray<string | null>;
}

const UNSUBSCRIBE = /unsub|opt[-_]?out|optout|list-manage\.com\/profile/i;
const ATTR = /([^\s"'>\/=]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+)))?/g;

const NAMED: Readonly<Record<string, string>> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

/** Decodes the character references an href realistically carries. */
export function decodeEntities(s: string): string {
  if (!s.includes('&')) return s;
  return s.replace(/&(#x[0-9a-f]{1,6}|#[0-9]{1,7}|[a-z]{2,6});/gi, (m, ref: string) => {
    if (ref[0] === '#') {
      const cp = ref[1] === 'x' || ref[1] === 'X' ? parseInt(ref.slice(2), 16) : parseInt(ref.slice(1), 10);
      return cp > 0 && cp <= 0x10ffff ? String.fromCodePoint(cp) : m;
    }
    return NAMED[ref.toLowerCase()] ?? m;
  });
}

/**
 * The destination to wrap for a link with this (decoded) href and these attributes, or
 * undefined when the link stays as it is. The destination is the URL parser's serialisation,
 * so it is always a valid Location header (spaces and non-ASCII percent-encoded).
 */
export function trackableTarget(href: string, attrs: ReadonlyMap<string, string>, trackingOrigin: string): string | undefined {
  if (attrs.has('data-txmail-notrack') || attrs.get('clicktracking')?.toLowerCase() === 'off') return undefined;
  if (!/^https?:\/\//i.test(href)) return undefined;
  let u: URL;
  try {
    u = new URL(href);
  } catch {
    return undefined;
  }
  if (u.origin === trackingOrigin) return undefined;
  if (UNSUBSCRIBE.test(href)) return undefined;
  // An unfilled template placeholder is not a destination anyone can be sent to.
  if (/\{\{|\}\}|%7B%7B/i.test(href)) return undefined;
  return u.href;
}

/** Index just past the `>` that closes the tag starting at `start`, honouring quoted values. */
function tagEnd(html: string, start: number): number {
  let quote = '';
  for (let i = start; i < html.length; i++) {
    const c = html[i]!;
    if (quote) {
      if (c === quote) quote = '';
    } else if (c === '"' || c === "'") quote = c;
    else if (c === '>') return i + 1;
  }
  return html.length;
}

function startsWithCi(html: string, at: number, word: string): boolean {
  return html.slice(at, at + word.length).toLowerCase() === word;
}

const CLOSE = { script: /<\/script/gi, style: /<\/style/gi } as const;

/**
 * A raw-text element (script, style) ends at its closing tag, whatever it contains. A sticky
 * search from `from`, never a lower-cased copy of the whole HTML: that copy per tag made the
 * scan quadratic (24,000 empty scripts took seconds), and lower-casing can change the length.
 */
function rawTextEnd(html: string, from: number, name: keyof typeof CLOSE): number {
  const re = CLOSE[name];
  re.lastIndex = from;
  const close = re.exec(html)?.index ?? -1;
  return close === -1 ? html.length : tagEnd(html, close);
}

/** Offset of the last `</body` (any case), or -1; one pass. */
function lastBodyClose(html: string): number {
  let at = -1;
  for (const m of html.matchAll(/<\/body/gi)) at = m.index;
  return at;
}

/** Parses the HTML once: the slots to fill per recipient and the text around them. */
export function planHtml(html: string, opts: { clicks: boolean; opens: boolean; trackingOrigin: string }): HtmlPlan {
  const chunks: string[] = [];
  const slots: Array<string | null> = [];
  let literalFrom = 0;
  let i = 0;
  while (opts.clicks && i < html.length) {
    const lt = html.indexOf('<', i);
    if (lt === -1) break;
    if (html.startsWith('<!--', lt)) {
      const end = html.indexOf('-->', lt + 4);
      i = end === -1 ? html.length : end + 3;
    } else if (html.startsWith('<![CDATA[', lt)) {
      const end = html.indexOf(']]>', lt + 9);
      i = end === -1 ? html.length : end + 3;
    } else if (/^<(script|style)[\s>/]/i.test(html.slice(lt, lt + 8))) {
      i = rawTextEnd(html, lt + 1, startsWithCi(html, lt + 1, 'script') ? 'script' : 'style');
    } else if (/^<a[\s>]/i.test(html.slice(lt, lt + 3))) {
      const end = tagEnd(html, lt + 2);
      const tag = html.slice(lt, end);
      const attrs = new Map<string, string>();
      let hrefValue: { start: number; end: number; value: string } | undefined;
      ATTR.lastIndex = 2;
      for (let m = ATTR.exec(tag); m; m = ATTR.exec(tag)) {
        const name = m[1]!.toLowerCase();
        const value = m[2] ?? m[3] ?? m[4] ?? '';
        if (attrs.has(name)) continue; // the first of duplicate attributes wins, as in browsers
        attrs.set(name, value);
        if (name === 'href' && m[0].includes('=')) {
          const valueStart = m.index + m[0].length - (m[2] !== undefined || m[3] !== undefined ? value.length + 2 : value.length);
          hrefValue = { start: lt + valueStart, end: lt + m.index + m[0].length, value };
        }
      }
      const target = hrefValue && trackableTarget(decodeEntities(hrefValue.value.trim()), attrs, opts.trackingOrigin);
      if (hrefValue && target !== undefined) {
        chunks.push(html.slice(literalFrom, hrefValue.start));
        slots.push(target);
        literalFrom = hrefValue.end;
      }
      i = end;
    } else {
      i = lt + 1;
    }
  }
  if (opts.opens) {
    const body = lastBodyClose(html);
    const at = body >= literalFrom ? body : html.length;
    chunks.push(html.slice(literalFrom, at));
    slots.push(null);
    literalFrom = at;
  }
  chunks.push(html.slice(literalFrom));
  return { chunks, slots };
}

/** The HTML attribute value for a URL: our URLs are base64url tokens, only `&` and `"` need care. */
const attr = (url: string): string => `"${url.replace(/&/g, '&amp;').replace(/"/g, '&quot;')}"`;

const pixel = (url: string): string =>
  `<img src=${attr(url)} width="1" height="1" alt="" style="display:block;width:1px;height:1px;border:0;margin:0;padding:0" />`;

/** One recipient's HTML: each link slot gets `clickUrl(target)`, the pixel slot `pixelUrl`. */
export function renderHtml(plan: HtmlPlan, clickUrl: (target: string) => string, pixelUrl: string | undefined): string {
  let out = plan.chunks[0]!;
  plan.slots.forEach((target, k) => {
    out += target === null ? (pixelUrl ? pixel(pixelUrl) : '') : attr(clickUrl(target));
    out += plan.chunks[k + 1]!;
  });
  return out;
}

/**
 * The plan with the open pixel where `tag` first stands in the literal HTML (SendGrid's
 * open_tracking.substitution_tag) and every other occurrence of the tag removed; undefined
 * when the tag is nowhere in the literal HTML (the caller then puts the pixel before </body>).
 * `plan` must have been made without the pixel.
 */
export function placePixelAt(plan: HtmlPlan, tag: string): HtmlPlan | undefined {
  const at = tag === '' ? -1 : plan.chunks.findIndex((c) => c.includes(tag));
  if (at === -1) return undefined;
  const strip = (c: string): string => c.split(tag).join('');
  const chunk = plan.chunks[at]!;
  const cut = chunk.indexOf(tag);
  const chunks = [...plan.chunks.slice(0, at).map(strip), strip(chunk.slice(0, cut)), strip(chunk.slice(cut + tag.length)), ...plan.chunks.slice(at + 1).map(strip)];
  const slots = [...plan.slots.slice(0, at), null, ...plan.slots.slice(at)];
  return { chunks, slots };
}
