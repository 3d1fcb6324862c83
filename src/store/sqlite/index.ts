// The SQLite adapter of the Store: the embedded default, one file, WAL, synchronous=FULL.
import type { Store } from '../store.js';
import { acceptMessages, purgeIdempotency } from './accept.js';
import { SqliteDb } from './db.js';
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
import { setTenantStatus } from './tenant-status.js';

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
    metricsSnapshot: (now, max, cap) => metricsSnapshot(s, now, max, cap),
    acquireSlot: (req) => sl.acquireSlot(s, req),
    renewSlots: (owner, slots, until) => sl.renewSlots(s, owner, slots, until),
    releaseSlots: (owner, slots) => sl.releaseSlots(s, owner, slots),
    heartbeat: (owner, now) => live.heartbeat(s, owner, now),
    takeOverStaleLeases: (now, staleBefore) => live.takeOverStaleLeases(s, now, staleBefore),
    takeOverAllLeases: (keep, now) => live.takeOverAllLeases(s, keep, now),
    purgeMessages: (req) => purgeMessages(s, req),
    suppress: (x) => sup.suppress(s, x),
    unsuppress: (tid, a) => sup.unsuppress(s, tid, a),
    getSuppression: (tid, a) => sup.getSuppression(s, tid, a),
    listSuppressions: (tid, q) => sup.listSuppressions(s, tid, q),
    suppressMany: (list) => sup.suppressMany(s, list),
    createDomain: (d) => dom.createDomain(s, d),
    domainClaims: (names) => dom.domainClaims(s, names),
    getDomain: (tid, name) => dom.getDomain(s, tid, name),
    listDomains: (tid) => dom.listDomains(s, tid),
    deleteDomain: (tid, name) => dom.deleteDomain(s, tid, name),
    addDkimKeys: (tid, name, keys) => dom.addDkimKeys(s, tid, name, keys),
    switchDkimKeys: (tid, name, sw, now) => dom.switchDkimKeys(s, tid, name, sw, now),
    recordDomainCheck: (tid, name, check) => dom.recordDomainCheck(s, tid, name, check),
    getDeliveryRef: (id) => fb.getDeliveryRef(s, id),
    recordFeedback: (f) => fb.recordFeedback(s, f),
    getMessage: (tid, id) => r.getMessage(s, tid, id),
    listEvents: (tid, after, limit, until) => r.listEvents(s, tid, after, limit, until),
    appendEvents: (tid, ev) => r.appendEvents(s, tid, ev),
    createTemplate: (x) => tpl.createTemplate(s, x),
    getTemplate: (tid, ref) => tpl.getTemplate(s, tid, ref),
    listTemplates: (tid) => tpl.listTemplates(s, tid),
    renameTemplate: (tid, id, name, now) => tpl.renameTemplate(s, tid, id, name, now),
    deleteTemplate: (tid, id) => tpl.deleteTemplate(s, tid, id),
    addTemplateVersion: (tid, id, c, activate, now) => tpl.addTemplateVersion(s, tid, id, c, activate, now),
    activateTemplateVersion: (tid, id, v, now) => tpl.activateTemplateVersion(s, tid, id, v, now),
    getTemplateVersion: (tid, ref, v) => tpl.getTemplateVersion(s, tid, ref, v),
    listTemplateVersions: (tid, id) => tpl.listTemplateVersions(s, tid, id),
    feedCursorAt: (tid, at) => feed.feedCursorAt(s, tid, at),
    loadMessageMeta: (ids) => feed.loadMessageMeta(s, ids),
    createWebhook: (w) => wh.createWebhook(s, w),
    getWebhook: (tid, id) => wh.getWebhook(s, tid, id),
    listWebhooks: (tid) => wh.listWebhooks(s, tid),
    updateWebhook: (tid, id, u) => wh.updateWebhook(s, tid, id, u),
    deleteWebhook: (tid, id) => wh.deleteWebhook(s, tid, id),
    claimWebhooks: (req) => wd.claimWebhooks(s, req),
    renewWebhookLease: (id, token, until) => wd.renewWebhookLease(s, id, token, until),
    releaseWebhook: (id, token, next) => wd.releaseWebhook(s, id, token, next),
    recordWebhookProgress: (p) => wd.recordWebhookProgress(s, p),
    listWebhookAttempts: (tid, id, limit) => wh.listWebhookAttempts(s, tid, id, limit),
    createWebhookReplay: (x) => wh.createWebhookReplay(s, x),
    listWebhookReplays: (tid, id) => wh.listWebhookReplays(s, tid, id),
    recordEngagement: (e) => eng.recordEngagement(s, e),
    getStatsCursor: (tid) => stats.getStatsCursor(s, tid),
    applyStats: (b) => stats.applyStats(s, b),
    queryStats: (x) => stats.queryStats(s, x),
    rankStatsKeys: (x, limit) => stats.rankStatsKeys(s, x, limit),
    queueCounts: (scope, now) => qc.queueCounts(s, scope, now),
    listQueue: (q) => qc.listQueue(s, q),
    actOnQueue: (req) => qc.actOnQueue(s, req),
    listHolds: (scope, now) => qc.listHolds(s, scope, now),
    listAudit: (scope, limit) => qc.listAudit(s, scope, limit),
    setTenantStatus: (id, patch) => setTenantStatus(s, id, patch),
  };
}
