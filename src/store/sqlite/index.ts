// The SQLite adapter of the Store: the embedded default, one file, WAL, synchronous=FULL.
import type { Store } from '../store.js';
import { acceptMessages, purgeIdempotency } from './accept.js';
import { SqliteDb } from './db.js';
import * as q from './queue.js';
import * as r from './read.js';
import { purgeMessages } from './retention.js';
import * as sl from './slots.js';
import * as sup from './suppressions.js';
import * as t from './tenants.js';

export function openSqliteStore(path: string): Store {
  const s = new SqliteDb(path);
  return {
    kind: 'sqlite',
    migrate: async () => s.migrate(),
    close: () => s.close(),
    createTenant: (x) => t.createTenant(s, x),
    createFirstTenant: (x, k) => t.createFirstTenant(s, x, k),
    getTenant: (id) => t.getTenant(s, id),
    listTenants: () => t.listTenants(s),
    updateTenantSettings: (id, patch) => t.updateTenantSettings(s, id, patch),
    getOrCreateSecret: (name, create) => t.getOrCreateSecret(s, name, create),
    createApiKey: (k) => t.createApiKey(s, k),
    getApiKey: (id) => t.getApiKey(s, id),
    listApiKeys: (tid) => t.listApiKeys(s, tid),
    revokeApiKey: (tid, id, now) => t.revokeApiKey(s, tid, id, now),
    acceptMessages: (req) => acceptMessages(s, req),
    purgeIdempotency: (now) => purgeIdempotency(s, now),
    claimDue: (req) => q.claimDue(s, req),
    loadMessages: (ids) => q.loadMessages(s, ids),
    loadDeliveryRaw: (id) => q.loadDeliveryRaw(s, id),
    renewLeases: (owner, leases, until) => q.renewLeases(s, owner, leases, until),
    releaseLeases: (owner, leases, now) => q.releaseLeases(s, owner, leases, now),
    recordOutcomes: (o) => q.recordOutcomes(s, o),
    nextDueAt: () => q.nextDueAt(s),
    getDestination: (d) => q.getDestination(s, d),
    putDestination: (d) => q.putDestination(s, d),
    queueStats: (now) => q.queueStats(s, now),
    acquireSlot: (req) => sl.acquireSlot(s, req),
    renewSlots: (owner, slots, until) => sl.renewSlots(s, owner, slots, until),
    releaseSlots: (owner, slots) => sl.releaseSlots(s, owner, slots),
    purgeMessages: (req) => purgeMessages(s, req),
    suppress: (x) => sup.suppress(s, x),
    unsuppress: (tid, a) => sup.unsuppress(s, tid, a),
    getSuppression: (tid, a) => sup.getSuppression(s, tid, a),
    getMessage: (tid, id) => r.getMessage(s, tid, id),
    listEvents: (tid, after, limit) => r.listEvents(s, tid, after, limit),
    appendEvents: (tid, ev) => r.appendEvents(s, tid, ev),
  };
}
