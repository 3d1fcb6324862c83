// An in-process txmail for end-to-end tests: a temp data dir, HTTP on 127.0.0.1:0, fast
// timers, and delivery pointed at test sinks (through routes or a test DNS server).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApp, type App, type AppOptions } from '../../src/app.js';
import { ensureDefaultTenant } from '../../src/bootstrap.js';
import { loadConfig } from '../../src/config/load.js';
import { createLogger } from '../../src/lib/logger.js';
import type { MessageView } from '../../src/store/store.js';

export interface Harness {
  readonly app: App;
  readonly url: string;
  /** An admin key of the default tenant. */
  readonly key: string;
  readonly tenantId: string;
  readonly dir: string;
  post(path: string, body: unknown, headers?: Record<string, string>): Promise<{ status: number; body: Record<string, unknown> }>;
  get(path: string, headers?: Record<string, string>): Promise<{ status: number; body: Record<string, unknown> }>;
  /** Any method (PATCH, PUT, DELETE...), with an optional JSON body. */
  call(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<{ status: number; body: Record<string, unknown> }>;
  /** Polls the store until every delivery of the message is in one of `states`. */
  waitForStates(messageId: string, states: readonly string[], timeoutMs?: number): Promise<MessageView>;
  /** Stops the app; with `keepData` the data dir stays for a restart. */
  close(opts?: { keepData?: boolean }): Promise<void>;
}

/** Config defaults for tests; a test passes dotted keys to override. */
export const TEST_DEFAULTS: Readonly<Record<string, unknown>> = {
  hostname: 'txmail.test',
  'http.port': 0,
  'log.level': process.env.TEST_LOG ?? 'silent',
  'delivery.allow_private_targets': true,
  'delivery.idle_connection_s': 0.2,
  'delivery.retry.first_delay_s': 1,
  'delivery.retry.max_delay_s': 2,
  'delivery.dead_destination_backoff_s': 1,
  'delivery.timeouts.connect_s': 2,
  'delivery.timeouts.greeting_s': 5,
  'delivery.timeouts.command_s': 5,
  'delivery.timeouts.data_block_s': 5,
  'delivery.timeouts.data_end_s': 5,
  'worker.poll_ms': 50,
  'worker.lease_s': 5,
};

export function sinkRoute(port: number, match = '*', tls: 'none' | 'opportunistic' | 'required' = 'opportunistic'): { match: string; host: string; port: number; tls: string } {
  return { match, host: '127.0.0.1', port, tls };
}

export async function startTxmail(
  overrides: Record<string, unknown> = {},
  opts: Omit<AppOptions, 'config'> & { dir?: string } = {},
): Promise<Harness> {
  const dir = opts.dir ?? mkdtempSync(join(tmpdir(), 'txmail-e2e-'));
  const config = loadConfig({ env: {}, overrides: { ...TEST_DEFAULTS, data_dir: join(dir, 'data'), ...overrides } });
  const app = await createApp({ ...opts, config, log: opts.log ?? createLogger(config.log.level) });
  const now = Date.now();
  const { tenant } = await ensureDefaultTenant(app.store, now);
  const { mintApiKey } = await import('../../src/ingress/auth.js');
  const { key, record } = mintApiKey(tenant.id, 'test admin', ['admin', 'send', 'read'], now);
  await app.store.createApiKey(record);
  await app.start();
  const url = app.httpUrl();
  const call = async (method: string, path: string, body: unknown, headers: Record<string, string>): Promise<{ status: number; body: Record<string, unknown> }> => {
    const res = await fetch(url + path, {
      method,
      headers: { authorization: `Bearer ${key}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
      ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
    });
    const text = await res.text();
    return { status: res.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
  };
  return {
    app,
    url,
    key,
    tenantId: tenant.id,
    dir,
    post: (path, body, headers = {}) => call('POST', path, body, headers),
    get: (path, headers = {}) => call('GET', path, undefined, headers),
    call: (method, path, body, headers = {}) => call(method, path, body, headers),
    async waitForStates(messageId, states, timeoutMs = 15_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const m = await app.store.getMessage(tenant.id, messageId);
        if (m && m.deliveries.length > 0 && m.deliveries.every((d) => states.includes(d.state))) return m;
        if (Date.now() > deadline) {
          throw new Error(`timed out waiting for ${messageId} to reach ${states.join('|')}: ${JSON.stringify(m?.deliveries.map((d) => [d.recipient, d.state, d.lastReply]))}`);
        }
        await new Promise((r) => setTimeout(r, 25));
      }
    },
    async close(o = {}) {
      await app.stop();
      if (!o.keepData && !opts.dir) rmSync(dir, { recursive: true, force: true });
    },
  };
}
