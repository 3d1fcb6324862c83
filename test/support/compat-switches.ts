// Shared by the compat-switches tests: a txmail whose tenant tracks opens and clicks by default
// (so a message that turns tracking off must win over it) and enforces sending domains (so a
// sandbox has a sender check to run), a sink, and readers of what arrived there.
import assert from 'node:assert/strict';
import type { ParsedMail } from 'mailparser';
import { freePort } from './process.js';
import { startSink, type ReceivedMessage, type Sink } from './sink.js';
import { sinkRoute, startTxmail, type Harness } from './harness.js';
import { proveOwnership } from './domains.js';

export const RESET = 'https://shop.test/reset?token=abc123&u=42';
export const HTML = `<html><body><p>Reset your password:</p><a href="${RESET.replace(/&/g, '&amp;')}">reset</a></body></html>`;
export const TEXT = `Reset your password: ${RESET}`;
export const FROM = 'shop@shop.test';

export interface SwitchesEnv {
  readonly sink: Sink;
  readonly tx: Harness;
  readonly publicUrl: string;
  arrived(rcpt: string): Promise<{ m: ReceivedMessage; mail: ParsedMail }>;
  hasPixel(html: string): boolean;
  tracked(url: string): boolean;
  queued(): Promise<number>;
  close(): Promise<void>;
}

export async function startSwitchesEnv(): Promise<SwitchesEnv> {
  const sink = await startSink({ tls: 'none' });
  const port = await freePort();
  const publicUrl = `http://127.0.0.1:${port}`;
  const tx = await startTxmail({ 'http.port': port, public_url: publicUrl, 'delivery.routes': [sinkRoute(sink.port, '*', 'none')], 'domains.allow_unverified_senders': false });
  assert.equal((await tx.post('/v1/domains', { name: 'shop.test' })).status, 201);
  // Only an owned (verified) domain sends; verification itself is tested in tenant-domains.
  await proveOwnership(tx.app.store, tx.tenantId, 'shop.test');
  const on = await tx.call('PUT', '/v1/settings/tracking', { opens: true, clicks: true });
  assert.equal(on.status, 200, JSON.stringify(on.body));
  return {
    sink,
    tx,
    publicUrl,
    async arrived(rcpt) {
      const [m] = await sink.waitFor(1, 15_000, (x) => x.to.includes(rcpt));
      return { m: m!, mail: await m!.parse() };
    },
    hasPixel: (html) => html.includes(`<img src="${publicUrl}/t/o/`),
    tracked: (url) => url.startsWith(`${publicUrl}/t/c/`),
    queued: async () => ((await tx.get('/v1/events?limit=1000')).body.events as Array<{ type: string }>).filter((e) => e.type === 'queued').length,
    async close() {
      await tx.close();
      await sink.close();
    },
  };
}

export const hrefs = (html: string): string[] => [...html.matchAll(/href="([^"]*)"/g)].map((x) => x[1]!.replace(/&amp;/g, '&'));
