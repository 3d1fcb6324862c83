// Reading back: a message with its deliveries and timeline, and the tenant's event feed.
import type { BounceClass } from '../../domain/bounce/classify.js';
import type { DeliveryState } from '../../domain/delivery/types.js';
import type { EventType, NewEvent, StoredEvent } from '../../domain/events/types.js';
import type { EventPage, MessageView } from '../store.js';
import type { SqliteDb } from './db.js';

interface EventRow {
  seq: number;
  tenant_id: string;
  type: EventType;
  message_id: string;
  delivery_id: string | null;
  recipient: string | null;
  at: number;
  data: string;
}

function toEvent(r: EventRow): StoredEvent {
  return {
    id: String(r.seq),
    cursor: String(r.seq),
    tenantId: r.tenant_id,
    type: r.type,
    messageId: r.message_id,
    ...(r.delivery_id !== null ? { deliveryId: r.delivery_id } : {}),
    ...(r.recipient !== null ? { recipient: r.recipient } : {}),
    at: r.at,
    data: JSON.parse(r.data) as never,
  } as StoredEvent;
}

export function getMessage(s: SqliteDb, tenantId: string, id: string): Promise<MessageView | undefined> {
  return s.read(() => {
    const m = s
      .stmt(
        'SELECT id, tenant_id, message_id_header, envelope_from, header_from, subject, size, tags, metadata, created_at, send_at FROM messages WHERE id = ? AND tenant_id = ?',
      )
      .get(id, tenantId) as
      | {
          id: string;
          tenant_id: string;
          message_id_header: string;
          envelope_from: string;
          header_from: string;
          subject: string;
          size: number;
          tags: string;
          metadata: string;
          created_at: number;
          send_at: number;
        }
      | undefined;
    if (!m) return undefined;
    const deliveries = (
      s
        .stmt(
          `SELECT id, recipient, domain, state, attempts, next_attempt_at, last_reply, last_mx, bounce_class, reason, possible_duplicate, updated_at
             FROM deliveries WHERE message_id = ? ORDER BY id`,
        )
        .all(id) as Array<{
        id: string;
        recipient: string;
        domain: string;
        state: DeliveryState;
        attempts: number;
        next_attempt_at: number | null;
        last_reply: string | null;
        last_mx: string | null;
        bounce_class: BounceClass | null;
        reason: string | null;
        possible_duplicate: number;
        updated_at: number;
      }>
    ).map((d) => ({
      id: d.id,
      recipient: d.recipient,
      domain: d.domain,
      state: d.state,
      attempts: d.attempts,
      nextAttemptAt: d.next_attempt_at,
      lastReply: d.last_reply,
      lastMx: d.last_mx,
      bounceClass: d.bounce_class,
      reason: d.reason,
      possibleDuplicate: d.possible_duplicate === 1,
      updatedAt: d.updated_at,
    }));
    const events = (s.stmt('SELECT * FROM events WHERE message_id = ? ORDER BY seq').all(id) as EventRow[]).map(toEvent);
    return {
      id: m.id,
      tenantId: m.tenant_id,
      messageIdHeader: m.message_id_header,
      envelopeFrom: m.envelope_from,
      headerFrom: m.header_from,
      subject: m.subject,
      size: m.size,
      tags: JSON.parse(m.tags) as string[],
      metadata: JSON.parse(m.metadata) as Record<string, string>,
      createdAt: m.created_at,
      sendAt: m.send_at,
      deliveries,
      events,
    };
  });
}

export function listEvents(s: SqliteDb, tenantId: string, after: string | undefined, limit: number, until?: string): Promise<EventPage> {
  return s.read(() => {
    const from = after === undefined || after === '' ? 0 : Number(after);
    const upTo = until === undefined || until === '' || !Number.isFinite(Number(until)) ? Number.MAX_SAFE_INTEGER : Number(until);
    const rows = s
      .stmt('SELECT * FROM events WHERE tenant_id = ? AND seq > ? AND seq <= ? ORDER BY seq LIMIT ?')
      .all(tenantId, Number.isFinite(from) ? from : 0, upTo, limit) as EventRow[];
    const events = rows.map(toEvent);
    const last = events[events.length - 1];
    return { events, cursor: last ? last.cursor : String(from) };
  });
}

export function appendEvents(s: SqliteDb, tenantId: string, events: readonly NewEvent[]): Promise<void> {
  return s.write(() => {
    const ev = s.stmt('INSERT INTO events (tenant_id, type, message_id, delivery_id, recipient, at, data) VALUES (?, ?, ?, ?, ?, ?, ?)');
    for (const e of events) ev.run(tenantId, e.type, e.messageId, e.deliveryId ?? null, e.recipient ?? null, e.at, JSON.stringify(e.data));
  });
}
