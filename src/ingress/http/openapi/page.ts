// The OpenAPI document as one static HTML page: operations by tag, parameters, bodies and
// answers with their schemas. Rendered on the server from the document itself, so the page says
// exactly what /v1/openapi.json says; no script runs, nothing is fetched from elsewhere.
import type { OpenApiDocument, Operation } from './document.js';

const esc = (s: string): string => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const json = (v: unknown): string => `<pre>${esc(JSON.stringify(v, null, 2))}</pre>`;

function schemaOf(content: unknown): unknown {
  const c = content as Record<string, { schema?: unknown }> | undefined;
  return c ? Object.fromEntries(Object.entries(c).map(([type, v]) => [type, v.schema])) : undefined;
}

function renderOperation(method: string, path: string, op: Operation): string {
  const params = (op.parameters ?? []) as Array<{ name: string; in: string; description?: string; schema: unknown }>;
  const body = op.requestBody as { content?: unknown; required?: boolean } | undefined;
  const responses = Object.entries(op.responses) as Array<[string, { description: string; content?: unknown }]>;
  return `<section id="${esc(op.operationId)}">
<h3><span class="m ${esc(method)}">${esc(method.toUpperCase())}</span> <code>${esc(path)}</code></h3>
<p>${esc(op.summary)}${op['x-required-scope'] ? ` <small>scope: <b>${esc(op['x-required-scope'])}</b></small>` : ' <small>no key needed</small>'}</p>
${op.description ? `<p>${esc(op.description)}</p>` : ''}
${params.length ? `<table><tr><th>Parameter</th><th>In</th><th>Schema</th><th>About</th></tr>${params.map((p) => `<tr><td><code>${esc(p.name)}</code></td><td>${esc(p.in)}</td><td><code>${esc(JSON.stringify(p.schema))}</code></td><td>${esc(p.description ?? '')}</td></tr>`).join('')}</table>` : ''}
${body ? `<details><summary>Request body${body.required ? '' : ' (optional)'}</summary>${json(schemaOf(body.content))}</details>` : ''}
<details><summary>Responses: ${responses.map(([s]) => esc(s)).join(', ')}</summary>${responses.map(([s, r]) => `<p><b>${esc(s)}</b> ${esc(r.description)}</p>${r.content ? json(schemaOf(r.content)) : ''}`).join('')}</details>
</section>`;
}

export function renderReference(doc: OpenApiDocument): string {
  const byTag = new Map<string, string[]>();
  for (const [path, ops] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(ops)) (byTag.get(op.tags[0]!) ?? byTag.set(op.tags[0]!, []).get(op.tags[0]!)!).push(renderOperation(method, path, op));
  }
  const tags = [...byTag.keys()].sort();
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(doc.info.title)}: API reference</title>
<style>
body{font:15px/1.5 system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#1b1b1b}
h2{border-bottom:1px solid #ccc;margin-top:2.5rem}section{margin:1.5rem 0}h3{margin-bottom:.2rem}
code,pre{font:13px ui-monospace,monospace}pre{background:#f4f4f4;padding:.6rem;overflow:auto}
table{border-collapse:collapse}td,th{border:1px solid #ddd;padding:.2rem .5rem;text-align:left;vertical-align:top}
.m{display:inline-block;min-width:4.2rem;font:bold 13px ui-monospace,monospace;color:#fff;background:#555;padding:.1rem .3rem;border-radius:3px;text-align:center}
.get{background:#1f6f43}.post{background:#1d4f91}.put,.patch{background:#8a5a00}.delete{background:#a12622}
</style></head><body>
<h1>${esc(doc.info.title)} <small>${esc(doc.info.version)}</small></h1>
<p>${esc(doc.info.description)}</p>
<p>Machine-readable: <a href="openapi.json">openapi.json</a> (OpenAPI ${esc(doc.openapi)}).</p>
<nav><ul>${tags.map((t) => `<li><a href="#tag-${esc(t)}">${esc(t)}</a></li>`).join('')}</ul></nav>
${tags.map((t) => `<h2 id="tag-${esc(t)}">${esc(t)}</h2>\n${byTag.get(t)!.join('\n')}`).join('\n')}
<h2>Schemas</h2>
${Object.entries((doc.components['schemas'] ?? {}) as Record<string, unknown>).map(([name, s]) => `<details id="schema-${esc(name)}"><summary><code>${esc(name)}</code></summary>${json(s)}</details>`).join('\n')}
</body></html>
`;
}
