// A small MIME reader for bounce and complaint reports: headers (RFC 5322 §2.2), multipart bodies
// (RFC 2046 §5.1), transfer encodings (RFC 2045 §6) and encoded words (RFC 2047).
//
// Why not mailparser's simpleParser: it is stream-based and asynchronous, while domain/ stays pure
// and synchronous so parseDsn()/parseArf() can be tested with plain values and called anywhere.
// Reports are small and regular; we only need the structure, the status fields and a few headers.
//
// The input is kept as a "binary string" (one char per byte, latin1) until a part's charset is
// known, so an 8bit body in ISO-8859-1 and one in UTF-8 both decode correctly.

export interface Header {
  /** Lower-cased field name. */
  readonly name: string;
  /** Unfolded value, still bytes-as-latin1; read it with `headerText`. */
  readonly value: string;
}

export interface MimePart {
  readonly headers: readonly Header[];
  /** Lower-cased `type/subtype`; text/plain when absent (RFC 2045 §5.2). */
  readonly type: string;
  /** Content-Type parameters, names lower-cased. */
  readonly params: Readonly<Record<string, string>>;
  /** The body after transfer decoding, bytes-as-latin1. Empty for multiparts. */
  readonly body: string;
  readonly parts: readonly MimePart[];
}

/** The headers of the original message that a report carries, for matching it to our delivery. */
export interface OriginalHeaders {
  /** As written, angle brackets included (like Store's `messageIdHeader`). */
  readonly messageId?: string;
  readonly from?: string;
  readonly to?: string;
  readonly subject?: string;
  readonly date?: string;
  /** Every `X-Txmail-*` header, keyed by lower-cased name. */
  readonly txmail: Readonly<Record<string, string>>;
}

// Reports nest a little (report → message/rfc822 → multipart); anything deeper is not a report
// and is not worth walking. The part cap bounds work on hostile input.
const MAX_DEPTH = 6;
const MAX_PARTS = 100;

export function toBinary(raw: Buffer | string): string {
  const buf = typeof raw === 'string' ? Buffer.from(raw, 'utf8') : raw;
  return buf.toString('latin1').replace(/\r\n?/g, '\n');
}

/** Splits at the first empty line (RFC 5322 §2.1); a MIME part may have no headers at all. */
export function splitHead(msg: string): { head: string; body: string } {
  if (msg.startsWith('\n')) return { head: '', body: msg.slice(1) };
  const m = /\n[ \t]*\n/.exec(msg);
  if (!m) return { head: msg, body: '' };
  return { head: msg.slice(0, m.index), body: msg.slice(m.index + m[0].length) };
}

/** Parses a header block, unfolding continuation lines (RFC 5322 §2.2.3). */
export function parseHeaders(block: string): Header[] {
  const out: { name: string; value: string }[] = [];
  for (const line of block.split('\n')) {
    const last = out[out.length - 1];
    if (/^[ \t]/.test(line)) {
      if (last) last.value += line;
      continue;
    }
    const colon = line.indexOf(':');
    // Lines without a field name (an mbox `From ` line, garbage) are skipped, not fatal.
    if (colon <= 0 || /\s/.test(line.slice(0, colon).trim())) continue;
    out.push({ name: line.slice(0, colon).trim().toLowerCase(), value: line.slice(colon + 1) });
  }
  return out.map((h) => ({ name: h.name, value: h.value.trim() }));
}

export function headerRaw(headers: readonly Header[], name: string): string | undefined {
  return headers.find((h) => h.name === name)?.value;
}

/** A header value as text: UTF-8 bytes decoded (RFC 6532), then encoded words (RFC 2047). */
export function headerText(headers: readonly Header[], name: string): string | undefined {
  const v = headerRaw(headers, name);
  return v === undefined ? undefined : decodeWords(Buffer.from(v, 'latin1').toString('utf8'));
}

export function parseMessage(raw: Buffer | string): MimePart {
  return parsePart(toBinary(raw), 0, { count: 0 });
}

function parsePart(text: string, depth: number, budget: { count: number }): MimePart {
  budget.count++;
  const { head, body } = splitHead(text);
  const headers = parseHeaders(head);
  const { type, params } = parseContentType(headerRaw(headers, 'content-type'));
  const boundary = params['boundary'];
  if (type.startsWith('multipart/') && boundary && depth < MAX_DEPTH) {
    const parts = splitMultipart(body, boundary)
      .slice(0, Math.max(0, MAX_PARTS - budget.count))
      .map((p) => parsePart(p, depth + 1, budget));
    // A multipart without a single delimiter (truncated, or a broken boundary) is read as text.
    return { headers, type, params, body: parts.length === 0 ? body : '', parts };
  }
  const cte = (headerRaw(headers, 'content-transfer-encoding') ?? '7bit').toLowerCase();
  return { headers, type, params, body: decodeTransfer(body, cte), parts: [] };
}

export function parseContentType(value: string | undefined): { type: string; params: Record<string, string> } {
  const params: Record<string, string> = {};
  if (!value) return { type: 'text/plain', params };
  const [first = '', ...rest] = splitParams(value);
  for (const p of rest) {
    const eq = p.indexOf('=');
    if (eq <= 0) continue;
    const v = p.slice(eq + 1).trim();
    params[p.slice(0, eq).trim().toLowerCase()] = v.startsWith('"') ? v.slice(1, -1).replace(/\\(.)/g, '$1') : v;
  }
  const type = first.trim().toLowerCase();
  return { type: type.includes('/') ? type : 'text/plain', params };
}

// Splits on `;` outside quoted strings.
function splitParams(value: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < value.length; i++) {
    const ch = value.charAt(i);
    if (ch === '\\' && quoted) {
      cur += ch + value.charAt(++i);
      continue;
    }
    if (ch === '"') quoted = !quoted;
    if (ch === ';' && !quoted) {
      out.push(cur);
      cur = '';
    } else cur += ch;
  }
  out.push(cur);
  return out;
}

// RFC 2046 §5.1.1: a delimiter line is `--boundary`, optionally followed by whitespace; the
// line break before it belongs to the delimiter. Preamble and epilogue are dropped.
function splitMultipart(body: string, boundary: string): string[] {
  const delim = `--${boundary}`;
  const parts: string[] = [];
  let cur: string[] | undefined;
  for (const line of body.split('\n')) {
    if (line.startsWith(delim)) {
      const rest = line.slice(delim.length);
      if (/^--\s*$/.test(rest)) {
        if (cur) parts.push(cur.join('\n'));
        return parts;
      }
      if (/^\s*$/.test(rest)) {
        if (cur) parts.push(cur.join('\n'));
        cur = [];
        continue;
      }
    }
    cur?.push(line);
  }
  // A missing close delimiter (truncated report) still yields the parts seen so far.
  if (cur) parts.push(cur.join('\n'));
  return parts;
}

function decodeTransfer(body: string, cte: string): string {
  if (cte === 'base64') return Buffer.from(body.replace(/[^A-Za-z0-9+/=]/g, ''), 'base64').toString('latin1');
  if (cte === 'quoted-printable') return decodeQp(body);
  return body;
}

// RFC 2045 §6.7: trailing whitespace is dropped, `=` at line end is a soft break, `=XX` a byte.
function decodeQp(body: string): string {
  return body
    .replace(/[ \t]+$/gm, '')
    .replace(/=\n/g, '')
    .replace(/=([0-9A-Fa-f]{2})/g, (_m, h: string) => String.fromCharCode(parseInt(h, 16)));
}

function decodeBytes(bytes: Buffer, charset: string): string {
  try {
    return new TextDecoder(charset.trim().toLowerCase() || 'utf-8').decode(bytes);
  } catch {
    // An unknown charset label: UTF-8 is the best guess for anything written this century.
    return bytes.toString('utf8');
  }
}

/** A leaf part's body as text, decoded with its charset (UTF-8 when none is given). */
export function partText(part: MimePart): string {
  return decodeBytes(Buffer.from(part.body, 'latin1'), part.params['charset'] ?? 'utf-8');
}

// RFC 2047 §6.2: whitespace between adjacent encoded words is not part of the text.
function decodeWords(value: string): string {
  return value
    .replace(/(\?=)\s+(?==\?)/g, '$1')
    .replace(/=\?([^?]+)\?([BbQq])\?([^?]*)\?=/g, (_m, cs: string, enc: string, data: string) => {
      const charset = cs.split('*')[0] ?? 'utf-8';
      const bytes =
        enc.toUpperCase() === 'B'
          ? Buffer.from(data, 'base64')
          : Buffer.from(data.replace(/_/g, ' ').replace(/=([0-9A-Fa-f]{2})/g, (_x, h: string) => String.fromCharCode(parseInt(h, 16))), 'latin1');
      return decodeBytes(bytes, charset);
    });
}

/** Every part, depth first, the root included. message/rfc822 bodies are not entered. */
export function* walk(part: MimePart): Generator<MimePart> {
  yield part;
  for (const p of part.parts) yield* walk(p);
}

const ORIGINAL_TYPES = new Set(['message/rfc822', 'message/global', 'text/rfc822-headers', 'message/global-headers']);

/** The headers of an attached original message (RFC 3462 §3 / RFC 6522 text/rfc822-headers). */
export function attachedHeaders(part: MimePart): Header[] | undefined {
  if (!ORIGINAL_TYPES.has(part.type)) return undefined;
  return parseHeaders(splitHead(part.body).head);
}

export function originalHeaders(headers: readonly Header[]): OriginalHeaders {
  const txmail: Record<string, string> = {};
  for (const h of headers) if (h.name.startsWith('x-txmail-') && !(h.name in txmail)) txmail[h.name] = headerText([h], h.name) ?? '';
  return compact({
    messageId: headerText(headers, 'message-id'),
    from: headerText(headers, 'from'),
    to: headerText(headers, 'to'),
    subject: headerText(headers, 'subject'),
    date: headerText(headers, 'date'),
    txmail,
  });
}

/** `rfc822; <jane@example.org>` → `jane@example.org` (RFC 3464 §2.3.2 address-type). */
export function typedAddress(v: string | undefined): string | undefined {
  const a = afterType(v)?.replace(/^<(.*)>$/, '$1').trim();
  return a || undefined;
}

/** `dns; mx.example.org. (192.0.2.1)` → `mx.example.org` (RFC 3464 §2.2.2; comments per RFC 5322 §3.2.2). */
export function typedMta(v: string | undefined): string | undefined {
  const m = afterType(v)?.replace(/\s*\(.*\)\s*$/, '').replace(/\.$/, '').trim();
  return m || undefined;
}

function afterType(v: string | undefined): string | undefined {
  if (!v) return undefined;
  const semi = v.indexOf(';');
  return (semi >= 0 ? v.slice(semi + 1) : v).trim() || undefined;
}

type Compact<T> = { [K in keyof T as undefined extends T[K] ? never : K]: T[K] } & {
  [K in keyof T as undefined extends T[K] ? K : never]?: Exclude<T[K], undefined>;
};

/** Drops undefined values, so results satisfy `exactOptionalPropertyTypes`. */
export function compact<T extends object>(o: T): Compact<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Compact<T>;
}
