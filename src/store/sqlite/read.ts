// Reading back: a message with its deliveries and timeline, and the tenant's event feed.
import type { EventType, NewEvent, StoredEvent } from '../../domain/events/types.js';
import type { EventPage, MessageView } from '../store.js';
import { DELIVERY_VIEW_COLUMNS, MESSAGE_VIEW_COLUMNS, toDeliveryView, toMessageView, type DeliveryRow, type MessageRow } from '../rows.js';
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
    const m = s.stmt(`SELECT ${MESSAGE_VIEW_COLUMNS} FROM messages WHERE id = ? AND tenant_id = ?`).get(id, tenantId) as MessageRow | undefined;
    if (!m) return undefined;
    const deliveries = s.stmt(`SELECT ${DELIVERY_VIEW_COLUMNS} FROM deliveries WHERE message_id = ? ORDER BY id`).all(id) as DeliveryRow[];
    const events = s.stmt('SELECT * FROM events WHERE message_id = ? ORDER BY seq').all(id) as EventRow[];
    return toMessageView(m, deliveries.map(toDeliveryView), events.map(toEvent));
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
