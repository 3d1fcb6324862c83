// The PostgreSQL adapter of the Store: the shared store and queue when txmail runs as many
// processes on many hosts. Same verbs and behaviour as the SQLite adapter (the conformance
// suite holds both); acceptance is group-committed, claims use FOR UPDATE SKIP LOCKED.
//
// openPostgresStore('postgres://user@host:5432/db?schema=txmail') keeps txmail's tables in the
// schema `txmail` (created by migrate()); `options.schema` does the same and wins over the URL.
// Other options: poolSize (default 8) and feedWaitMs (default 500, see read.ts). Nothing touches
// the database until the first call: migrate() is the caller's to run.
import type { Store } from '../store.js';
import { createAccepter, purgeIdempotency } from './accept.js';
import { PgDb, type PostgresStoreOptions } from './pool.js';
import * as q from './queue.js';
import * as r from './read.js';
import { purgeMessages } from './retention.js';
import * as sl from './slots.js';
import * as sup from './suppressions.js';
import * as t from './tenants.js';

export type { PostgresStoreOptions } from './pool.js';

export function openPostgresStore(url: string, options: PostgresStoreOptions = {}): Promise<Store> {
  let db: PgDb;
  try {
    db = new PgDb(url, options);
  } catch (e) {
    return Promise.reject(e);
  }
  const accepter = createAccepter(db);
  const recorder = q.createRecorder(db);
  const store: Store = {
    kind: 'postgres',
    migrate: () => db.migrate(),
    close: async () => {
      await accepter.close();
      await recorder.close();
      await db.close();
    },
    createTenant: (x) => t.createTenant(db, x),
    createFirstTenant: (x, k) => t.createFirstTenant(db, x, k),
    getTenant: (id) => t.getTenant(db, id),
    listTenants: () => t.listTenants(db),
    updateTenantSettings: (id, patch) => t.updateTenantSettings(db, id, patch),
    getOrCreateSecret: (name, create) => t.getOrCreateSecret(db, name, create),
    createApiKey: (k) => t.createApiKey(db, k),
    getApiKey: (id) => t.getApiKey(db, id),
    listApiKeys: (tid) => t.listApiKeys(db, tid),
    revokeApiKey: (tid, id, now) => t.revokeApiKey(db, tid, id, now),
    acceptMessages: (req) => accepter.submit(req),
    purgeIdempotency: (now) => purgeIdempotency(db, now),
    claimDue: (req) => q.claimDue(db, req),
    loadMessages: (ids) => q.loadMessages(db, ids),
    loadDeliveryRaw: (id) => q.loadDeliveryRaw(db, id),
    renewLeases: (owner, leases, until) => q.renewLeases(db, owner, leases, until),
    releaseLeases: (owner, leases, now) => q.releaseLeases(db, owner, leases, now),
    recordOutcomes: (o) => q.recordOutcomes(recorder, o),
    nextDueAt: () => q.nextDueAt(db),
    getDestination: (d) => q.getDestination(db, d),
    putDestination: (d) => q.putDestination(db, d),
    queueStats: (now) => q.queueStats(db, now),
    acquireSlot: (req) => sl.acquireSlot(db, req),
    renewSlots: (owner, slots, until) => sl.renewSlots(db, owner, slots, until),
    releaseSlots: (owner, slots) => sl.releaseSlots(db, owner, slots),
    purgeMessages: (req) => purgeMessages(db, req),
    suppress: (x) => sup.suppress(db, x),
    unsuppress: (tid, a) => sup.unsuppress(db, tid, a),
    getSuppression: (tid, a) => sup.getSuppression(db, tid, a),
    getMessage: (tid, id) => r.getMessage(db, tid, id),
    listEvents: (tid, after, limit) => r.listEvents(db, tid, after, limit),
    appendEvents: (tid, ev) => r.appendEvents(db, tid, ev),
  };
  return Promise.resolve(store);
}
