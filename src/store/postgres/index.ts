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
import * as eng from './engagement.js';
import * as feed from './feed.js';
import * as live from './liveness.js';
import * as q from './queue.js';
import { metricsSnapshot } from './metrics.js';
import * as r from './read.js';
import * as stats from './stats.js';
import { purgeMessages } from './retention.js';
import * as sl from './slots.js';
import * as sup from './suppressions.js';
import * as t from './tenants.js';
import * as dom from './domains.js';
import * as fb from './feedback.js';
import * as tpl from './templates.js';
import * as wd from './webhook-dispatch.js';
import * as wh from './webhooks.js';
import * as qc from './queue-control.js';

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
    metricsSnapshot: (now, max, cap) => metricsSnapshot(db, now, max, cap),
    acquireSlot: (req) => sl.acquireSlot(db, req),
    renewSlots: (owner, slots, until) => sl.renewSlots(db, owner, slots, until),
    releaseSlots: (owner, slots) => sl.releaseSlots(db, owner, slots),
    heartbeat: (owner, now) => live.heartbeat(db, owner, now),
    takeOverStaleLeases: (now, staleBefore) => live.takeOverStaleLeases(db, now, staleBefore),
    takeOverAllLeases: (keep, now) => live.takeOverAllLeases(db, keep, now),
    purgeMessages: (req) => purgeMessages(db, req),
    suppress: (x) => sup.suppress(db, x),
    unsuppress: (tid, a) => sup.unsuppress(db, tid, a),
    getSuppression: (tid, a) => sup.getSuppression(db, tid, a),
    listSuppressions: (tid, q) => sup.listSuppressions(db, tid, q),
    suppressMany: (list) => sup.suppressMany(db, list),
    createDomain: (d) => dom.createDomain(db, d),
    domainClaims: (names) => dom.domainClaims(db, names),
    getDomain: (tid, name) => dom.getDomain(db, tid, name),
    listDomains: (tid) => dom.listDomains(db, tid),
    deleteDomain: (tid, name) => dom.deleteDomain(db, tid, name),
    addDkimKeys: (tid, name, keys) => dom.addDkimKeys(db, tid, name, keys),
    switchDkimKeys: (tid, name, sw, now) => dom.switchDkimKeys(db, tid, name, sw, now),
    recordDomainCheck: (tid, name, check) => dom.recordDomainCheck(db, tid, name, check),
    getDeliveryRef: (id) => fb.getDeliveryRef(db, id),
    recordFeedback: (f) => fb.recordFeedback(db, f),
    getMessage: (tid, id) => r.getMessage(db, tid, id),
    listEvents: (tid, after, limit, until) => r.listEvents(db, tid, after, limit, until),
    appendEvents: (tid, ev) => r.appendEvents(db, tid, ev),
    createTemplate: (x) => tpl.createTemplate(db, x),
    getTemplate: (tid, ref) => tpl.getTemplate(db, tid, ref),
    listTemplates: (tid) => tpl.listTemplates(db, tid),
    renameTemplate: (tid, id, name, now) => tpl.renameTemplate(db, tid, id, name, now),
    deleteTemplate: (tid, id) => tpl.deleteTemplate(db, tid, id),
    addTemplateVersion: (tid, id, c, activate, now) => tpl.addTemplateVersion(db, tid, id, c, activate, now),
    activateTemplateVersion: (tid, id, v, now) => tpl.activateTemplateVersion(db, tid, id, v, now),
    getTemplateVersion: (tid, ref, v) => tpl.getTemplateVersion(db, tid, ref, v),
    listTemplateVersions: (tid, id) => tpl.listTemplateVersions(db, tid, id),
    feedCursorAt: (tid, at) => feed.feedCursorAt(db, tid, at),
    loadMessageMeta: (ids) => feed.loadMessageMeta(db, ids),
    createWebhook: (w) => wh.createWebhook(db, w),
    getWebhook: (tid, id) => wh.getWebhook(db, tid, id),
    listWebhooks: (tid) => wh.listWebhooks(db, tid),
    updateWebhook: (tid, id, u) => wh.updateWebhook(db, tid, id, u),
    deleteWebhook: (tid, id) => wh.deleteWebhook(db, tid, id),
    claimWebhooks: (req) => wd.claimWebhooks(db, req),
    renewWebhookLease: (id, token, until) => wd.renewWebhookLease(db, id, token, until),
    releaseWebhook: (id, token, next) => wd.releaseWebhook(db, id, token, next),
    recordWebhookProgress: (p) => wd.recordWebhookProgress(db, p),
    listWebhookAttempts: (tid, id, limit) => wh.listWebhookAttempts(db, tid, id, limit),
    createWebhookReplay: (x) => wh.createWebhookReplay(db, x),
    listWebhookReplays: (tid, id) => wh.listWebhookReplays(db, tid, id),
    recordEngagement: (e) => eng.recordEngagement(db, e),
    getStatsCursor: (tid) => stats.getStatsCursor(db, tid),
    applyStats: (b) => stats.applyStats(db, b),
    queryStats: (x) => stats.queryStats(db, x),
    rankStatsKeys: (x, limit) => stats.rankStatsKeys(db, x, limit),
    queueCounts: (scope, now) => qc.queueCounts(db, scope, now),
    listQueue: (q) => qc.listQueue(db, q),
    actOnQueue: (req) => qc.actOnQueue(db, req),
    listHolds: (scope, now) => qc.listHolds(db, scope, now),
    listAudit: (scope, limit) => qc.listAudit(db, scope, limit),
    setTenantStatus: (id, patch) => qc.setTenantStatus(db, id, patch),
  };
  return Promise.resolve(store);
}
