// Reading back: a message with its deliveries and timeline, and the tenant's event feed.
//
// The feed must never skip an event. Event ids come from a sequence when the row is inserted,
// not when its transaction commits, so id order is not commit order: a reader that has passed
// id 6 would miss id 5 committing later. Instead each event carries the id of the transaction
// that wrote it (txid), and the feed only shows events whose txid is below the xmin of the
// current snapshot: every transaction below xmin has ended, and any transaction that commits
// later has a txid >= xmin. Ordered by (txid, id), an event that becomes visible later therefore
// sorts after every cursor already handed out. The cursor is `<txid>.<id>`, opaque to callers.
// The price: the feed lags behind the oldest running transaction of the whole cluster (all
// databases), so a long-open transaction holds newer events back; it never loses them.
import type { EventType, NewEvent, StoredEvent } from '../../domain/events/types.js';
import type { EventPage, MessageView } from '../store.js';
import { DELIVERY_VIEW_COLUMNS, MESSAGE_VIEW_COLUMNS, toDeliveryView, toMessageView, type DeliveryRow, type MessageRow } from '../rows.js';
import type { PgDb } from './pool.js';

interface EventRow {
  id: number;
  txid: string;
  tenant_id: string;
  type: EventType;
  message_id: string;
  delivery_id: string | null;
  recipient: string | null;
  at: number;
  data: Record<string, unknown>;
}

const EVENT_COLUMNS = 'id, txid::text AS txid, tenant_id, type, message_id, delivery_id, recipient, at, data';

function toEvent(r: EventRow): StoredEvent {
  // The row's type and data were written together from one NewEvent, so they match.
  return {
    id: String(r.id),
    cursor: `${r.txid}.${r.id}`,
    tenantId: r.tenant_id,
    type: r.type,
    messageId: r.message_id,
    ...(r.delivery_id !== null ? { deliveryId: r.delivery_id } : {}),
    ...(r.recipient !== null ? { recipient: r.recipient } : {}),
    at: r.at,
    data: r.data,
  } as StoredEvent;
}

const START = '0.0';
const CURSOR = /^(\d{1,20})\.(\d{1,19})$/;

/** Parses `<txid>.<id>`; an empty, missing or malformed cursor reads from the start, as in SQLite. */
function parseCursor(after: string | undefined): { cursor: string; txid: string; id: string } {
  const m = after === undefined ? null : CURSOR.exec(after);
  return m ? { cursor: after!, txid: m[1]!, id: m[2]! } : { cursor: START, txid: '0', id: '0' };
}

export async function listEvents(db: PgDb, tenantId: string, after: string | undefined, limit: number, until?: string): Promise<EventPage> {
  const from = parseCursor(after);
  // An upper bound (a replay's end) that does not parse bounds nothing, like a bad `after`.
  const upTo = until === undefined ? undefined : CURSOR.exec(until);
  const deadline = Date.now() + db.feedWaitMs;
  for (let pause = 2; ; pause = Math.min(pause * 2, 50)) {
    // Rows come in (txid, id) order, so the rows below the horizon are a prefix of the result;
    // a row past it is an event already committed but not yet safe to hand out.
    const rows = await db.query<EventRow & { safe: boolean }>(
      `SELECT ${EVENT_COLUMNS}, txid < pg_snapshot_xmin(pg_current_snapshot()) AS safe FROM events
        WHERE tenant_id = $1 AND (txid, id) > ($2::xid8, $3::bigint)${upTo ? ' AND (txid, id) <= ($5::xid8, $6::bigint)' : ''}
        ORDER BY txid, id LIMIT $4`,
      upTo ? [tenantId, from.txid, from.id, limit, upTo[1], upTo[2]] : [tenantId, from.txid, from.id, limit],
    );
    const unsafe = rows.findIndex((r) => !r.safe);
    const safe = unsafe === -1 ? rows : rows.slice(0, unsafe);
    // Read-your-writes: when committed events wait behind an older transaction that is still
    // running, wait briefly for it to end rather than answer short. Bounded: a long-open
    // transaction delays these events to a later call, it never loses them.
    if (safe.length === rows.length || Date.now() + pause > deadline) {
      const events = safe.map(toEvent);
      return { events, cursor: events[events.length - 1]?.cursor ?? from.cursor };
    }
    await new Promise((r) => setTimeout(r, pause));
  }
}

export async function appendEvents(db: PgDb, tenantId: string, events: readonly NewEvent[]): Promise<void> {
  if (events.length === 0) return;
  await db.query(
    `INSERT INTO events (tenant_id, type, message_id, delivery_id, recipient, at, data)
     SELECT $1, ty, mid, did, rcpt, at, data::jsonb
       FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::int8[], $7::text[]) WITH ORDINALITY AS u(ty, mid, did, rcpt, at, data, ord)
      ORDER BY ord`,
    [
      tenantId,
      events.map((e) => e.type),
      events.map((e) => e.messageId),
      events.map((e) => e.deliveryId ?? null),
      events.map((e) => e.recipient ?? null),
      events.map((e) => e.at),
      events.map((e) => JSON.stringify(e.data)),
    ],
  );
}

export async function getMessage(db: PgDb, tenantId: string, id: string): Promise<MessageView | undefined> {
  const [m] = await db.query<MessageRow>(`SELECT ${MESSAGE_VIEW_COLUMNS} FROM messages WHERE id = $1 AND tenant_id = $2`, [id, tenantId]);
  if (!m) return undefined;
  // Deliveries before events: the later read sees at least the events of every state shown.
  // The timeline is read whole, including events still below the feed's horizon.
  const deliveries = await db.query<DeliveryRow>(`SELECT ${DELIVERY_VIEW_COLUMNS} FROM deliveries WHERE message_id = $1 ORDER BY id`, [id]);
  const events = await db.query<EventRow>(`SELECT ${EVENT_COLUMNS} FROM events WHERE message_id = $1 ORDER BY txid, id`, [id]);
  return toMessageView(m, deliveries.map(toDeliveryView), events.map(toEvent));
}
