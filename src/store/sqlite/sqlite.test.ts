import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import { describeDeliverability } from '../conformance/deliverability.js';
import { describeEngagementStore } from '../conformance/engagement.js';
import { describeStatsScale, describeStatsStore } from '../conformance/stats.js';
import { describeStore } from '../conformance/suite.js';
import { describeTemplates } from '../conformance/templates.js';
import { describeWebhookStore } from '../conformance/webhooks.js';
import { openSqliteStore } from './index.js';

const dir = mkdtempSync(join(tmpdir(), 'txmail-sqlite-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;

const factory = { open: async () => openSqliteStore(join(dir, `t${++n}.db`)) };
describeStore('sqlite', factory);
describeWebhookStore('sqlite', factory);
describeEngagementStore('sqlite', factory);
describeStatsStore('sqlite', factory);
describeStatsScale('sqlite', factory);
describeDeliverability('sqlite', factory);
describeTemplates('sqlite', factory);
