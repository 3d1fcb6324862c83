import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import { describeDeliverability } from '../conformance/deliverability.js';
import { describeStore } from '../conformance/suite.js';
import { describeTemplates } from '../conformance/templates.js';
import { openSqliteStore } from './index.js';

const dir = mkdtempSync(join(tmpdir(), 'txmail-sqlite-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;

describeStore('sqlite', { open: async () => openSqliteStore(join(dir, `t${++n}.db`)) });
describeDeliverability('sqlite', { open: async () => openSqliteStore(join(dir, `t${++n}.db`)) });
describeTemplates('sqlite', { open: async () => openSqliteStore(join(dir, `t${++n}.db`)) });
