// `txmail queue summary|list|show|hold|release|retry|bounce|delete` over the admin API.
import { age, clip, Remote, table, UsageError } from './remote.js';

export interface QueueArgs {
  readonly action: string | undefined;
  readonly id: string | undefined;
  readonly filter: Readonly<Record<string, string | undefined>>;
  readonly reason: string | undefined;
  readonly for: string | undefined;
  readonly until: string | undefined;
  readonly limit: string | undefined;
  readonly cursor: string | undefined;
}

type Obj = Record<string, unknown>;
const ACTIONS = ['hold', 'release', 'retry', 'bounce', 'delete'];

export async function queueCommand(remote: Remote, a: QueueArgs): Promise<number> {
  const filter = Object.fromEntries(Object.entries(a.filter).filter(([, v]) => v !== undefined)) as Record<string, string>;
  switch (a.action) {
    case 'summary':
      return remote.finish(await remote.call('GET', '/v1/queue/summary'), summaryText);
    case 'list': {
      const q = new URLSearchParams({ ...filter, ...(a.limit ? { limit: a.limit } : {}), ...(a.cursor ? { cursor: a.cursor } : {}) });
      return remote.finish(await remote.call('GET', `/v1/queue/deliveries${q.size > 0 ? `?${q}` : ''}`), listText);
    }
    case 'show':
      if (!a.id) throw new UsageError('queue show needs a message id');
      return remote.finish(await remote.call('GET', `/v1/queue/messages/${encodeURIComponent(a.id)}`), showText);
    default:
      break;
  }
  if (!a.action || !ACTIONS.includes(a.action)) throw new UsageError(`unknown queue command ${a.action ?? ''}`);
  const body: Obj = { ...targetOf(a.id, filter), ...(a.reason ? { reason: a.reason } : {}), ...(a.for ? { for: a.for } : {}), ...(a.until ? { until: a.until } : {}) };
  return remote.finish(await remote.call('POST', `/v1/queue/${a.action}`, body), (b) => actionText(a.action!, b));
}

/** A message id; a destination or tenant alone (a standing hold for hold/release); else a filter. */
function targetOf(id: string | undefined, filter: Record<string, string>): Obj {
  const keys = Object.keys(filter);
  if (id !== undefined) {
    if (keys.length > 0) throw new UsageError('give a message id or filters, not both');
    return { message_id: id };
  }
  if (keys.length === 0) throw new UsageError('name what to act on: a message id, --destination, --tenant or filters (--state, --tag, ...)');
  if (keys.length === 1 && keys[0] === 'destination') return { destination: filter['destination'] };
  if (keys.length === 1 && keys[0] === 'tenant') return { tenant: filter['tenant'] };
  return { filter };
}

function summaryText(b: Obj): string {
  const ds = (b.destinations ?? []) as Obj[];
  const rows = ds.map((d) => {
    const c = d.counts as Record<string, number>;
    const holds = (d.holds as Obj[]).map((h) => `held: ${String(h.reason)}`);
    const off = d.backed_off ? [`backed off until ${String(d.backed_off_until)}`] : [];
    return [
      String(d.destination), String(c.queued), String(c.in_flight), String(c.deferred), String(c.scheduled), String(c.held),
      age(Number(d.oldest_age_s)), clip([...holds, ...off, ...(d.last_error ? [String(d.last_error)] : [])].join('; ') || '-', 90),
    ];
  });
  const holds = ((b.holds ?? []) as Obj[]).map((h) => [String(h.id), String(h.destination ?? '(whole tenant)'), String(h.tenant ?? '(all tenants)'), String(h.expires_at ?? 'until released'), clip(h.reason, 40)]);
  return (
    table(['DESTINATION', 'QUEUED', 'IN FLIGHT', 'DEFERRED', 'SCHEDULED', 'HELD', 'OLDEST', 'LAST ERROR / STATUS'], rows) +
    (holds.length > 0 ? '\nHolds:\n' + table(['ID', 'DESTINATION', 'TENANT', 'UNTIL', 'REASON'], holds) : '')
  );
}

function listText(b: Obj): string {
  const rows = ((b.deliveries ?? []) as Obj[]).map((d) => [
    String(d.delivery_id), String(d.state), String(d.recipient), String(d.attempts), String(d.next_attempt_at ?? '-'),
    clip(d.hold ? `held: ${String((d.hold as Obj).reason)}` : d.last_reply, 50),
  ]);
  return table(['DELIVERY', 'STATE', 'RECIPIENT', 'TRIES', 'NEXT ATTEMPT', 'LAST REPLY'], rows) + (b.next_cursor ? `more: --cursor ${String(b.next_cursor)}\n` : '');
}

function showText(b: Obj): string {
  const env = b.envelope as { from: string; to: string[] };
  const out = [
    `Message   ${String(b.id)}  (tenant ${String(b.tenant)})`,
    `Subject   ${String(b.subject)}`,
    `From      ${String(b.from)}  (envelope ${env.from})`,
    `Created   ${String(b.created_at)}  size ${String(b.size)} B  tags ${(b.tags as string[]).join(',') || '-'}`,
    '',
    'Recipients:',
    table(['EMAIL', 'STATE', 'TRIES', 'NEXT ATTEMPT', 'LAST REPLY'], (b.recipients as Obj[]).map((r) => [String(r.email), String(r.state), String(r.attempts), String(r.next_attempt_at ?? '-'), clip(r.last_reply, 60)])),
    'Attempts:',
    table(['AT', 'RECIPIENT', 'OUTCOME', 'MX', 'TLS', 'REPLY'], (b.attempts as Obj[]).map((t) => [String(t.at), String(t.recipient), String(t.outcome), String(t.mx ?? '-'), t.tls === null ? '-' : String(t.tls), clip(t.reply, 60)])),
    'Events:',
    table(['AT', 'TYPE', 'RECIPIENT'], (b.events as Obj[]).map((e) => [String(e.at), String(e.type), String(e.recipient ?? '-')])),
    'Headers:',
    ...(b.headers as Array<{ name: string; value: string }>).map((h) => `  ${h.name}: ${clip(h.value, 100)}`),
  ];
  return out.join('\n') + '\n';
}

function actionText(action: string, b: Obj): string {
  const skipped = Object.entries((b.skipped ?? {}) as Record<string, number>).map(([k, v]) => `${v} ${k.replace('_', ' ')}`);
  const hold = b.hold as Obj | undefined;
  return (
    `${action}: ${String(b.touched)} of ${String(b.matched)} deliveries changed` +
    (skipped.length > 0 ? ` (skipped: ${skipped.join(', ')})` : '') +
    (hold ? `\nhold ${String(hold.id)} on ${String(hold.destination ?? `tenant ${String(hold.tenant)}`)} until ${String(hold.expires_at ?? 'released')}` : '') +
    (b.released_holds !== undefined ? `\nreleased ${String(b.released_holds)} hold(s)` : '') +
    (b.more ? '\nmore deliveries match: run the same command again to continue' : '') +
    '\n'
  );
}
