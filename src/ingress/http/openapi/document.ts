// The OpenAPI 3.1 document of the native API, built from the routes fastify registered under
// /v1 (collected by an onRoute hook, so none can be missing) and what routes.ts says of each.
import { COMPONENTS, type Schema } from './schemas.js';
import type { RouteDoc } from './routes.js';

export interface RegisteredRoute {
  readonly method: string;
  readonly url: string;
}

export interface OpenApiDocument {
  readonly openapi: '3.1.0';
  readonly info: { readonly title: string; readonly version: string; readonly description: string };
  readonly paths: Record<string, Record<string, Operation>>;
  readonly components: Record<string, unknown>;
  readonly tags: ReadonlyArray<{ name: string }>;
}

export interface Operation {
  readonly operationId: string;
  readonly summary: string;
  readonly description?: string;
  readonly tags: readonly string[];
  readonly security?: ReadonlyArray<Record<string, readonly string[]>>;
  readonly parameters?: readonly Schema[];
  readonly requestBody?: Schema;
  readonly responses: Record<string, Schema>;
  readonly 'x-required-scope'?: string;
  readonly 'x-undocumented'?: true;
}

const error = (description: string): Schema => ({ description, content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } });
const toOpenApiPath = (url: string): string => url.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
const operationId = (method: string, url: string): string =>
  method.toLowerCase() + url.replace(/^\/v1/, '').split(/[/.]/).filter(Boolean).map((p) => (p.startsWith(':') ? `By${cap(p.slice(1))}` : cap(p))).join('');
const cap = (s: string): string => s.charAt(0).toUpperCase() + s.slice(1).replace(/[-_](\w)/g, (_, c: string) => c.toUpperCase());

function operation(method: string, url: string, doc: RouteDoc | undefined): Operation {
  const params = [...url.matchAll(/:([A-Za-z0-9_]+)/g)].map((m) => ({ name: m[1]!, in: 'path', required: true, schema: { type: 'string' } }));
  if (!doc) return { operationId: operationId(method, url), summary: 'Undocumented route', tags: ['Undocumented'], responses: { default: error('Any answer') }, 'x-undocumented': true, ...(params.length ? { parameters: params } : {}) };
  const query = Object.entries(doc.query ?? {}).map(([name, q]) => ({ name, in: 'query', required: false, description: q.description, schema: q.schema }));
  const [status, body, contentType] = doc.ok;
  const responses: Record<string, Schema> = {
    [String(status)]: body === undefined ? { description: 'Done; no body.' } : { description: 'Success.', content: { [contentType ?? 'application/json']: { schema: body } } },
  };
  if (doc.scope !== 'public') {
    responses['401'] = error('TX_ERR_UNAUTHENTICATED: no API key, or a revoked one.');
    if (doc.scope !== 'any') responses['403'] = error(`TX_ERR_FORBIDDEN: the key lacks the ${doc.scope} scope.`);
  }
  if (params.length > 0) responses['404'] = error('TX_ERR_NOT_FOUND: no such resource for this tenant.');
  if (doc.body || query.length > 0) {
    responses['400'] = error('TX_ERR_BAD_REQUEST: the body is not well-formed.');
    responses['422'] = error('TX_ERR_VALIDATION: `fields` names each invalid field and why.');
  }
  responses['default'] = error('Any other error from the registry (README, Errors).');
  return {
    operationId: operationId(method, url),
    summary: doc.summary,
    ...(doc.description ? { description: doc.description } : {}),
    tags: [doc.tag],
    ...(doc.scope === 'public' ? { security: [] } : { 'x-required-scope': doc.scope }),
    ...(params.length + query.length > 0 ? { parameters: [...params, ...query] } : {}),
    ...(doc.body ? { requestBody: { required: doc.bodyOptional !== true, content: { [doc.bodyType ?? 'application/json']: { schema: doc.body } } } } : {}),
    responses,
  };
}

/** The document; `undocumented` lists registered routes routes.ts says nothing about. */
export function buildOpenApi(routes: readonly RegisteredRoute[], docs: Readonly<Record<string, RouteDoc>>, version: string): { document: OpenApiDocument; undocumented: string[] } {
  const paths: Record<string, Record<string, Operation>> = {};
  const undocumented: string[] = [];
  const tags = new Set<string>();
  for (const r of [...routes].sort((a, b) => a.url.localeCompare(b.url) || a.method.localeCompare(b.method))) {
    const key = `${r.method} ${r.url}`;
    const doc = docs[key];
    if (!doc) undocumented.push(key);
    const op = operation(r.method, r.url, doc);
    tags.add(op.tags[0]!);
    (paths[toOpenApiPath(r.url)] ??= {})[r.method.toLowerCase()] = op;
  }
  return {
    document: {
      openapi: '3.1.0',
      info: {
        title: 'txmail native API',
        version,
        description: 'Every /v1 route of this txmail. Authenticate with `Authorization: Bearer <API key>`; each operation names the scope it needs (`x-required-scope`). Errors are `{error: {code, message, fields}}`.',
      },
      tags: [...tags].sort().map((name) => ({ name })),
      paths,
      components: { schemas: COMPONENTS, securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'An API key.' } } },
      ...{ security: [{ bearer: [] }] },
    },
    undocumented,
  };
}
