// acceptMessages: message rows, one delivery per recipient, the `queued` (or `dropped`)
// events and the idempotency record, in one savepoint of the group commit.
import type { AcceptedMessage, AcceptOutcome, AcceptRequest } from '../store.js';
import type { SqliteDb } from './db.js';
import { suppressionKey } from '../../domain/suppression/key.js';

export function acceptMessages(s: SqliteDb, req: AcceptRequest): Promise<AcceptOutcome> {
  return s.write((): AcceptOutcome => {
    if (req.idempotency) {
      const prior = s
        .stmt('SELECT request_hash, result FROM idempotency WHERE tenant_id = ? AND key = ? AND expires_at > ?')
        .get(req.tenantId, req.idempotency.key, req.now) as { request_hash: string; result: string } | undefined;
      if (prior) {
        if (prior.request_hash !== req.idempotency.requestHash) return { kind: 'idempotency_conflict' };
        return { kind: 'replayed', messages: JSON.parse(prior.result) as AcceptedMessage[] };
      }
    }
    const insertMessage = s.stmt(
      `INSERT INTO messages (id, tenant_id, message_id_header, envelope_from, header_from, subject, raw, size, tags, metadata, created_at, send_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    const insertDelivery = s.stmt(
      `INSERT INTO deliveries (id, message_id, tenant_id, recipient, domain, smtputf8, raw, state, next_attempt_at, reason, accepted_at, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    const insertEvent = s.stmt(
      'INSERT INTO events (tenant_id, type, message_id, delivery_id, recipient, at, data) VALUES (?, ?, ?, ?, ?, ?, ?)',
    );
    const suppressed = s.stmt('SELECT reason FROM suppressions WHERE tenant_id = ? AND address = ?');

    const accepted: AcceptedMessage[] = [];
    for (const m of req.messages) {
      insertMessage.run(
        m.id, m.tenantId, m.messageIdHeader, m.envelopeFrom, m.headerFrom, m.subject, m.raw, m.raw.length,
        JSON.stringify(m.tags), JSON.stringify(m.metadata), m.createdAt, m.sendAt,
      );
      const recipients = m.recipients.map((r) => {
        const sup = suppressed.get(req.tenantId, suppressionKey(r.address)) as { reason: string } | undefined;
        if (sup) {
          const reason = `suppressed:${sup.reason}`;
          insertDelivery.run(r.deliveryId, m.id, m.tenantId, r.address, r.domain, r.smtputf8 ? 1 : 0, null, 'dropped', null, reason, m.createdAt, m.createdAt);
          insertEvent.run(m.tenantId, 'dropped', m.id, r.deliveryId, r.address, m.createdAt, JSON.stringify({ reason }));
          return { address: r.address, deliveryId: r.deliveryId, status: 'dropped' as const, reason };
        }
        insertDelivery.run(r.deliveryId, m.id, m.tenantId, r.address, r.domain, r.smtputf8 ? 1 : 0, r.raw ?? null, 'queued', m.sendAt, null, m.createdAt, m.createdAt);
        const scheduled = m.sendAt > m.createdAt;
        insertEvent.run(m.tenantId, 'queued', m.id, r.deliveryId, r.address, m.createdAt, scheduled ? JSON.stringify({ send_at: m.sendAt }) : '{}');
        return { address: r.address, deliveryId: r.deliveryId, status: scheduled ? ('scheduled' as const) : ('queued' as const) };
      });
      accepted.push({ messageId: m.id, recipients });
    }
    if (req.idempotency) {
      // An expired record under the same key is replaced: the 24 h window has passed.
      s.stmt('INSERT OR REPLACE INTO idempotency (tenant_id, key, request_hash, result, expires_at) VALUES (?, ?, ?, ?, ?)').run(
        req.tenantId, req.idempotency.key, req.idempotency.requestHash, JSON.stringify(accepted), req.idempotency.expiresAt,
      );
    }
    return { kind: 'accepted', messages: accepted };
  });
}

export function purgeIdempotency(s: SqliteDb, now: number): Promise<number> {
  return s.write(() => s.stmt('DELETE FROM idempotency WHERE expires_at <= ?').run(now).changes);
}
