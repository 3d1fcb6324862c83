// The HTTP client of the remote commands (`txmail queue`, `txmail tenants`): they talk to a
// running txmail (any process of a cluster, from any machine) through the admin API.
// Exit codes: 0 ok, 1 failure or not found, 2 usage (bad arguments, refused as invalid).

export const DEFAULT_URL = 'http://127.0.0.1:7080';

export interface RemoteOptions {
  readonly url: string | undefined;
  readonly json: boolean;
  /** TXMAIL_KEY and TXMAIL_URL are read from here (the process environment). */
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly out: NodeJS.WritableStream;
  readonly err: NodeJS.WritableStream;
}

export class UsageError extends Error {}

export interface Reply {
  readonly status: number;
  readonly body: Record<string, unknown>;
}

export class Remote {
  readonly base: string;
  private readonly key: string;

  constructor(readonly opts: RemoteOptions) {
    const key = opts.env['TXMAIL_KEY'];
    if (!key) throw new UsageError('set TXMAIL_KEY to an admin API key of the txmail you talk to');
    this.key = key;
    this.base = (opts.url ?? opts.env['TXMAIL_URL'] ?? DEFAULT_URL).replace(/\/+$/, '');
    if (!/^https?:\/\/[^/]+$/.test(this.base)) throw new UsageError(`--url: must be http(s)://host[:port], not ${this.base}`);
  }

  async call(method: string, path: string, body?: unknown): Promise<Reply> {
    let res: Response;
    try {
      res = await fetch(this.base + path, {
        method,
        headers: { authorization: `Bearer ${this.key}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      });
    } catch (e) {
      throw new Error(`cannot reach txmail at ${this.base}: ${((e as Error).cause as Error | undefined)?.message ?? (e as Error).message}`);
    }
    const text = await res.text();
    let parsed: Record<string, unknown> = {};
    try {
      parsed = text ? (JSON.parse(text) as Record<string, unknown>) : {};
    } catch {
      parsed = { error: { code: 'TX_ERR_INTERNAL', message: text.slice(0, 200) } };
    }
    return { status: res.status, body: parsed };
  }

  /** Prints the reply (JSON with --json, else through `human`) and returns the exit code. */
  finish(r: Reply, human: (body: Record<string, unknown>) => string): number {
    if (r.status >= 200 && r.status < 300) {
      this.opts.out.write(this.opts.json ? JSON.stringify(r.body, null, 2) + '\n' : human(r.body));
      return 0;
    }
    const e = (r.body.error ?? {}) as { code?: string; message?: string; fields?: Array<{ path: string; message: string }> };
    if (this.opts.json) this.opts.out.write(JSON.stringify(r.body, null, 2) + '\n');
    else {
      this.opts.err.write(`txmail: ${e.message ?? `HTTP ${r.status}`}${e.code ? ` (${e.code})` : ''}\n`);
      for (const f of e.fields ?? []) this.opts.err.write(`  ${f.path}: ${f.message}\n`);
    }
    return r.status === 400 || r.status === 422 ? 2 : 1;
  }
}

/** A plain text table: a header row, columns padded to their widest cell. */
export function table(head: readonly string[], rows: ReadonlyArray<readonly string[]>): string {
  if (rows.length === 0) return '(none)\n';
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (r: readonly string[]): string => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(w[i]!))).join('  ').trimEnd();
  return [line(head), ...rows.map(line)].join('\n') + '\n';
}

/** `3h 12m`, `45s`: an age for humans. */
export function age(seconds: number): string {
  if (seconds < 60) return `${seconds}s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m ${seconds % 60}s`;
  if (seconds < 86400) return `${Math.floor(seconds / 3600)}h ${Math.floor((seconds % 3600) / 60)}m`;
  return `${Math.floor(seconds / 86400)}d ${Math.floor((seconds % 86400) / 3600)}h`;
}

export const clip = (s: unknown, n = 60): string => {
  const v = s === null || s === undefined ? '-' : String(s);
  return v.length > n ? v.slice(0, n - 1) + '…' : v;
};
