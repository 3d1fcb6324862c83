// Loading the configuration: defaults < file (JSON or YAML) < environment (TXMAIL_<KEY>).
// The only module that reads process.env. Unknown or invalid keys stop the start with a
// message naming the key and what is allowed.
import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import YAML from 'yaml';
import { schema, type Config } from './schema.js';
import type { KeySpec } from './spec.js';

export interface KeyEntry {
  readonly path: string;
  readonly env: string;
  readonly spec: KeySpec<unknown>;
}

function isSpec(v: unknown): v is KeySpec<unknown> {
  return typeof v === 'object' && v !== null && 'parse' in v && 'description' in v;
}

function flatten(node: object, prefix: string, out: KeyEntry[]): KeyEntry[] {
  for (const [k, v] of Object.entries(node)) {
    const path = prefix ? `${prefix}.${k}` : k;
    if (isSpec(v)) out.push({ path, env: `TXMAIL_${path.replace(/\./g, '_').toUpperCase()}`, spec: v });
    else flatten(v as object, path, out);
  }
  return out;
}

export const KEYS: readonly KeyEntry[] = flatten(schema, '', []);

/**
 * Variables txmail documents for its clients (the README's examples, a CLI talking to a running
 * server): they share the TXMAIL_ prefix but are not configuration, so the server and the CLI
 * leave them alone instead of refusing to start. No config key may take these names.
 */
export const CLIENT_ENV: readonly string[] = ['TXMAIL_KEY', 'TXMAIL_URL'];

/** Edit distance (insert, delete, substitute, swap of neighbours), for "did you mean". */
function distance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i]![j] = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i]![j] = Math.min(d[i]![j]!, d[i - 2]![j - 2]! + 1);
    }
  }
  return d[a.length]![b.length]!;
}

/** The configuration variable nearest to a misspelt one, when it is near enough to be meant. */
export function nearestEnv(name: string): string | undefined {
  let best: { env: string; d: number } | undefined;
  for (const k of KEYS) {
    const d = distance(name, k.env);
    if (!best || d < best.d) best = { env: k.env, d };
  }
  // Up to a third of the part after TXMAIL_ may differ: typos, not different words.
  return best && best.d <= Math.max(2, Math.floor((name.length - 7) / 3)) ? best.env : undefined;
}

export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

function readFile(file: string): Record<string, unknown> {
  const text = readFileSync(file, 'utf8');
  const ext = extname(file).toLowerCase();
  let parsed: unknown;
  try {
    parsed = ext === '.json' ? JSON.parse(text) : YAML.parse(text);
  } catch (e) {
    throw new ConfigError([`${file}: not valid ${ext === '.json' ? 'JSON' : 'YAML'}: ${(e as Error).message.split('\n')[0]}`]);
  }
  if (parsed === null || parsed === undefined) return {};
  if (typeof parsed !== 'object' || Array.isArray(parsed)) throw new ConfigError([`${file}: the top level must be a mapping of keys`]);
  return parsed as Record<string, unknown>;
}

/** Flattens a file's nested mapping to dotted keys, reporting any key the schema lacks. */
function flattenFile(node: Record<string, unknown>, prefix: string, known: Map<string, KeyEntry>, out: Map<string, unknown>, problems: string[]): void {
  for (const [k, v] of Object.entries(node)) {
    const path = prefix ? `${prefix}.${k}` : k;
    if (known.has(path)) {
      out.set(path, v);
      continue;
    }
    const isGroup = [...known.keys()].some((p) => p.startsWith(`${path}.`));
    if (isGroup && typeof v === 'object' && v !== null && !Array.isArray(v)) {
      flattenFile(v as Record<string, unknown>, path, known, out, problems);
      continue;
    }
    const siblings = [...known.keys()].filter((p) => p.startsWith(prefix ? `${prefix}.` : '')).map((p) => p.slice(prefix ? prefix.length + 1 : 0).split('.')[0]);
    problems.push(
      isGroup ? `${path}: is a group of keys, not a value` : `${path}: unknown key (allowed here: ${[...new Set(siblings)].join(', ')})`,
    );
  }
}

export interface LoadOptions {
  readonly file?: string;
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Values that win over file and environment (tests, CLI flags). */
  readonly overrides?: Readonly<Record<string, unknown>>;
}

export function loadConfig(opts: LoadOptions = {}): Config {
  const env = opts.env ?? process.env;
  const known = new Map(KEYS.map((k) => [k.path, k]));
  const byEnv = new Map(KEYS.map((k) => [k.env, k]));
  const problems: string[] = [];
  const values = new Map<string, unknown>();
  for (const k of KEYS) values.set(k.path, k.spec.default);

  const raw = new Map<string, { value: unknown; fromEnv: boolean; source: string }>();
  if (opts.file) {
    const fileValues = new Map<string, unknown>();
    flattenFile(readFile(opts.file), '', known, fileValues, problems);
    for (const [p, v] of fileValues) raw.set(p, { value: v, fromEnv: false, source: `${opts.file}: ${p}` });
  }
  if (env.DATABASE_URL !== undefined && env.TXMAIL_DATABASE_URL === undefined) {
    raw.set('database_url', { value: env.DATABASE_URL, fromEnv: true, source: 'DATABASE_URL' });
  }
  for (const [name, value] of Object.entries(env)) {
    if (!name.startsWith('TXMAIL_') || value === undefined) continue;
    const entry = byEnv.get(name);
    if (!entry) {
      if (CLIENT_ENV.includes(name)) continue;
      const near = nearestEnv(name);
      problems.push(
        `${name}: unknown environment variable (${near ? `did you mean ${near}? ` : ''}TXMAIL_ variables name config keys, e.g. TXMAIL_HTTP_PORT for http.port; ${CLIENT_ENV.join(' and ')} are for clients and ignored here)`,
      );
      continue;
    }
    raw.set(entry.path, { value, fromEnv: true, source: name });
  }
  for (const [p, v] of Object.entries(opts.overrides ?? {})) {
    if (!known.has(p)) problems.push(`${p}: unknown key`);
    else raw.set(p, { value: v, fromEnv: false, source: p });
  }
  for (const [p, { value, fromEnv, source }] of raw) {
    const r = known.get(p)!.spec.parse(value, fromEnv);
    if (r.ok) values.set(p, r.value);
    else problems.push(`${source}: ${JSON.stringify(value)} is not allowed; expected ${r.allowed}`);
  }
  const metricsProblem = problems.length === 0 ? metricsExposure(values.get('metrics.enabled') === true, String(values.get('metrics.token')), String(values.get('metrics.host')), String(values.get('role'))) : undefined;
  if (metricsProblem) problems.push(metricsProblem);
  if (problems.length > 0) throw new ConfigError(problems);

  const cfg: Record<string, unknown> = {};
  for (const [p, v] of values) {
    const parts = p.split('.');
    let node = cfg;
    for (const part of parts.slice(0, -1)) node = (node[part] ??= {}) as Record<string, unknown>;
    node[parts[parts.length - 1]!] = v;
  }
  return cfg as unknown as Config;
}

/** The configuration reference as a Markdown table, generated from the schema. */
export function configReference(): string {
  const cell = (t: string): string => t.replace(/\|/g, '\\|');
  const rows = KEYS.map((k) => {
    const def = k.spec.defaultText ?? (k.spec.secret && k.spec.default ? '(set)' : JSON.stringify(k.spec.default));
    return `| \`${k.path}\` | \`${k.env}\` | ${cell(k.spec.type)} | ${def === '""' ? '(empty)' : def.startsWith('"') || def.startsWith('[') || /^[\d.]+$|^true$|^false$/.test(def) ? `\`${def}\`` : def} | ${cell(k.spec.description)} |`;
  });
  return ['| key | environment | type | default | description |', '|---|---|---|---|---|', ...rows].join('\n');
}

/** /metrics is never open to the world: on the main listener it needs a token; a worker-only process has no main listener. */
export function metricsExposure(enabled: boolean, token: string, host: string, role: string): string | undefined {
  if (!enabled) return undefined;
  if (host === '' && role === 'worker') return 'metrics.enabled: a worker-only process has no HTTP listener; set metrics.host (and metrics.port) for a metrics listener of its own';
  if (host === '' && token === '') return 'metrics.enabled: set metrics.token (a bearer token) to serve /metrics on the main HTTP listener, or metrics.host for a listener of its own (an admin address)';
  return undefined;
}
