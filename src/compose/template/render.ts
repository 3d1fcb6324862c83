// Template rendering: Handlebars, as SendGrid's dynamic templates (and SES templates) use it.
// HTML is escaped by default ({{x}}), {{{x}}} inserts raw; subject and text are not HTML, so
// they are rendered without escaping. A missing variable renders empty, unless strict mode is
// asked for: then the render fails naming the variable and where it is used.
import Handlebars from 'handlebars';
import { convert } from 'html-to-text';
import { decodeEncodedWords } from '../../domain/address/encoded-words.js';
import { TxError } from '../../domain/errors.js';
import { BudgetExceeded, meteredData, meteredHelper, RenderBudget, tooLarge, withBudget, type RenderLimits } from './budget.js';
import { SENDGRID_HELPERS } from './helpers.js';

export { RenderBudget, type RenderLimits } from './budget.js';

/** templates.max_output_chars and templates.max_work_chars by default. */
export const DEFAULT_RENDER_LIMITS: RenderLimits = { maxOutputChars: 5 * 1024 * 1024, maxWorkChars: 32 * 1024 * 1024 };
/** Per part; a real template has hundreds (a tag like {{formatDate at "YYYY"}} counts 4). */
export const MAX_TEMPLATE_TAGS = 10_000;

export interface TemplateSources {
  readonly subject: string;
  readonly html: string | null;
  readonly text: string | null;
}

export interface Rendered {
  readonly subject: string;
  readonly html?: string;
  readonly text?: string;
}

type Part = 'subject' | 'html' | 'text';
type RenderFn = (data: unknown) => string;

// An environment of our own: helpers registered here cannot leak into (or be replaced by)
// another Handlebars user in the process, and partials cannot be registered by anyone.
const hb = Handlebars.create();
for (const [name, fn] of Object.entries(SENDGRID_HELPERS)) hb.registerHelper(name, fn);
// Every helper, Handlebars' own block helpers (each, if, with...) included, charges its block
// bodies to the budget of the rendering under way.
for (const [name, fn] of Object.entries(hb.helpers)) hb.registerHelper(name, meteredHelper(fn));

const HTML_TO_TEXT = {
  wordwrap: 78,
  // The walk recurses per element: HTML nested some 10,000 deep overflowed the stack. Mail is
  // never nested this deep; what lies deeper becomes "...".
  limits: { maxDepth: 200, ellipsis: '...' },
  selectors: [
    { selector: 'a', options: { hideLinkHrefIfSameAsText: true } },
    { selector: 'img', format: 'skip' },
  ],
};

/** Plain text for an HTML body: what a text-only client shows instead. */
export function htmlToText(html: string): string {
  return convert(html, HTML_TO_TEXT);
}

/**
 * A template compiled once and rendered many times. Compilation checks the syntax of every part
 * up front (so a broken template is refused when it is saved, not when it is first sent); the
 * per-mode render functions are built on first use.
 */
export class CompiledTemplate {
  private readonly fns = new Map<string, RenderFn>();

  constructor(private readonly sources: TemplateSources) {
    for (const part of ['subject', 'html', 'text'] as const) {
      const src = sources[part];
      if (src === null) continue;
      let ast: hbs.AST.Program;
      try {
        ast = hb.parse(src);
      } catch (e) {
        throw new TxError('TX_ERR_TEMPLATE_INVALID', `The ${part} template does not compile: ${firstLine(e)}`, [{ path: part, message: firstLine(e) }]);
      }
      // Compiling costs some 100 µs per tag: 70,000 tags in 512 KB took seconds of CPU.
      const tags = countTags(ast);
      if (tags > MAX_TEMPLATE_TAGS) throw tooLarge(part, `has ${tags} Handlebars expressions (tags, paths, parameters); at most ${MAX_TEMPLATE_TAGS} are allowed`);
    }
  }

  /**
   * Throws TX_ERR_TEMPLATE_MISSING_VARIABLE (strict), TX_ERR_TEMPLATE_INVALID (helper errors) or
   * TX_ERR_TEMPLATE_TOO_LARGE (over the budget, which the renderings of one request share).
   */
  render(data: unknown, strict: boolean, budget = new RenderBudget(DEFAULT_RENDER_LIMITS)): Rendered {
    let size = 0;
    const sized = (part: Part, s: string | undefined): string | undefined => {
      size += s?.length ?? 0;
      if (size > budget.limits.maxOutputChars) throw tooLarge(part, `renders to more than ${budget.limits.maxOutputChars} characters (templates.max_output_chars)`);
      return s;
    };
    const subject = oneLine(sized('subject', this.part('subject', data, strict, budget)) ?? '');
    const html = sized('html', this.part('html', data, strict, budget));
    const text = sized('text', this.part('text', data, strict, budget) ?? (html === undefined ? undefined : htmlToText(html)));
    return { subject, ...(html === undefined ? {} : { html }), ...(text === undefined ? {} : { text }) };
  }

  private part(part: Part, data: unknown, strict: boolean, budget: RenderBudget): string | undefined {
    const src = this.sources[part];
    if (src === null) return undefined;
    const key = `${part}:${strict ? 's' : 'l'}`;
    let fn = this.fns.get(key);
    if (!fn) {
      fn = hb.compile(src, { strict, noEscape: part !== 'html' }) as RenderFn;
      this.fns.set(key, fn);
    }
    try {
      return withBudget(budget, () => fn!(meteredData(data ?? {}, budget)));
    } catch (e) {
      if (e instanceof BudgetExceeded) {
        throw tooLarge(part, `takes more than ${budget.limits.maxWorkChars} characters of work to render: data read and block output, counted as rendered (templates.max_work_chars)`);
      }
      throw renderError(part, src, e);
    }
  }
}

/** Syntax nodes of a parsed template other than plain text: tags, paths, params, subexpressions. */
function countTags(program: hbs.AST.Program): number {
  let n = 0;
  const stack: unknown[] = [program];
  for (let v = stack.pop(); v !== undefined; v = stack.pop()) {
    if (Array.isArray(v)) stack.push(...(v as unknown[]));
    else if (typeof v === 'object' && v !== null && 'type' in v) {
      const type = (v as { type: unknown }).type;
      if (type !== 'ContentStatement' && type !== 'Program') n++;
      for (const [k, child] of Object.entries(v)) if (k !== 'loc' && typeof child === 'object' && child !== null) stack.push(child);
    }
  }
  return n;
}

/** Handlebars' strict-mode message names only the last path segment; we name the expression. */
function renderError(part: Part, src: string, e: unknown): TxError {
  const err = e as { message?: string; lineNumber?: number; column?: number };
  const missing = /^"([^"]*)" not defined in /.exec(err.message ?? '');
  if (missing && err.lineNumber !== undefined && err.column !== undefined) {
    const line = src.split('\n')[err.lineNumber - 1] ?? '';
    const expr = /^[^\s}()]+/.exec(line.slice(err.column))?.[0] ?? missing[1]!;
    const where = `${part} line ${err.lineNumber}, column ${err.column + 1}`;
    return new TxError('TX_ERR_TEMPLATE_MISSING_VARIABLE', `The template uses "${expr}" (${where}) but the data has no value for it (strict mode).`, [
      { path: `template_data.${expr}`, message: `is used by the ${part} template (line ${err.lineNumber}) but missing (strict mode)` },
    ]);
  }
  return new TxError('TX_ERR_TEMPLATE_INVALID', `The ${part} template failed to render: ${firstLine(e)}`, [{ path: part, message: firstLine(e) }]);
}

function firstLine(e: unknown): string {
  return String((e as Error).message ?? e).split('\n')[0]!.trim();
}

// A subject is one header line: data may not break out of it (header injection), neither as
// written nor as an encoded word (RFC 2047) that a mail client would decode to a line break.
function oneLine(s: string): string {
  const decoded = decodeEncodedWords(s);
  return ('text' in decoded ? decoded.text : s).replace(/[\x00-\x08\x0a-\x1f\x7f-\x9f]+/g, ' ').trim();
}
