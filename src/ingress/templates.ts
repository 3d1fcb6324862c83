// Templates at send time, for every ingress: find the template (by id or name), compile it
// once per version (versions never change, so the compiled form is cached for good), and turn
// a request's template reference and data into ordinary parts content before SendService.send.
// Requests without a template never come here.
import { CompiledTemplate, DEFAULT_RENDER_LIMITS, RenderBudget, type RenderLimits, type Rendered } from '../compose/template/render.js';
import { TxError } from '../domain/errors.js';
import type { PartsContent, SendRequest } from '../domain/message/types.js';
import type { TemplateContent, TemplateUse } from '../domain/templates/types.js';
import type { Store, TemplateRecord, TemplateVersion } from '../store/store.js';

export interface ResolvedTemplate {
  readonly template: TemplateRecord;
  readonly version: TemplateVersion;
  readonly compiled: CompiledTemplate;
}

const MAX_COMPILED = 1000;

export class TemplateService {
  // Insertion-ordered: the oldest entry goes first when full (a cheap LRU: hits re-insert).
  private readonly compiled = new Map<string, CompiledTemplate>();

  constructor(
    private readonly store: Store,
    /** templates.strict: strict mode when a request does not say. */
    readonly strictDefault: boolean,
    /** templates.max_output_chars and max_work_chars. */
    private readonly limits: RenderLimits = DEFAULT_RENDER_LIMITS,
  ) {}

  /** Compiles sources, throwing TX_ERR_TEMPLATE_INVALID with the part at fault (checks before saving). */
  compile(content: TemplateContent): CompiledTemplate {
    return new CompiledTemplate(content);
  }

  /** The template's active (or given) version, compiled. Throws TX_ERR_TEMPLATE_NOT_FOUND. */
  async resolve(tenantId: string, ref: string, version?: number, path = 'template_id'): Promise<ResolvedTemplate> {
    const found = await this.store.getTemplateVersion(tenantId, ref, version);
    if (!found) {
      const what = version === undefined ? `No template "${ref}"` : `No version ${version} of template "${ref}"`;
      throw new TxError('TX_ERR_TEMPLATE_NOT_FOUND', `${what} for this tenant.`, [{ path, message: 'no such template' }]);
    }
    const key = `${found.template.id}:${found.version.version}`;
    let compiled = this.compiled.get(key);
    if (compiled) this.compiled.delete(key);
    else compiled = new CompiledTemplate(found.version);
    this.compiled.set(key, compiled);
    if (this.compiled.size > MAX_COMPILED) this.compiled.delete(this.compiled.keys().next().value!);
    return { ...found, compiled };
  }

  /** A budget for the renderings of one request (templates.max_work_chars in all). */
  budget(): RenderBudget {
    return new RenderBudget(this.limits);
  }

  /** One rendering, with a budget of its own unless the request's is given. */
  render(compiled: CompiledTemplate, data: unknown, strict = this.strictDefault, budget = this.budget()): Rendered {
    return compiled.render(data, strict, budget);
  }

  /**
   * A native request that names a template, with its content rendered: the shared content from
   * the message-wide data, and a content of their own for recipients with per-recipient data.
   */
  async apply(tenantId: string, req: SendRequest, use: TemplateUse): Promise<SendRequest> {
    if (req.content.kind !== 'parts') throw new TxError('TX_ERR_BAD_REQUEST', 'A template cannot be combined with a raw message.');
    const { compiled } = await this.resolve(tenantId, use.ref, use.version);
    const strict = use.strict ?? this.strictDefault;
    const base = req.content;
    const own = new Map<string, PartsContent>();
    // One budget for every rendering of the request: per-recipient data must not multiply it.
    const budget = this.budget();
    for (const [address, data] of use.recipientData) own.set(address, withRendered(base, compiled.render({ ...use.data, ...data }, strict, budget)));
    // When every recipient has data of their own, the shared rendering reaches nobody (it is
    // only what the message record shows), so strict mode does not apply to it.
    const everyoneOwn = [...req.to, ...req.cc, ...req.bcc].every((a) => own.has(a.address.toLowerCase()));
    const content = withRendered(base, compiled.render(use.data, strict && !everyoneOwn, budget));
    return { ...req, content, ...(own.size > 0 ? { recipientContents: own } : {}) };
  }
}

/** `base` (headers, attachments, reply-to) with the rendered subject and body. */
export function withRendered(base: PartsContent, r: Rendered): PartsContent {
  return {
    kind: 'parts',
    subject: r.subject,
    headers: base.headers,
    attachments: base.attachments,
    replyTo: base.replyTo,
    ...(r.text === undefined ? {} : { text: r.text }),
    ...(r.html === undefined ? {} : { html: r.html }),
  };
}

/** Parts content with nothing rendered yet: the base that withRendered() fills. */
export function emptyParts(extra: Partial<Pick<PartsContent, 'headers' | 'attachments' | 'replyTo'>> = {}): PartsContent {
  return { kind: 'parts', subject: '', headers: extra.headers ?? [], attachments: extra.attachments ?? [], replyTo: extra.replyTo ?? [] };
}
