// The queue-control conformance suite against PostgreSQL, in a file of its own: each store in a
// fresh schema (dropped after the file). Beside postgres.test.ts rather than in it: the feed
// tests there assume no other writer's transaction overlaps theirs (see FEED_WAIT_MS there).
import { randomBytes } from 'node:crypto';
import { after } from 'node:test';
import pg from 'pg';
import { postgresOrSkip } from '../../../test/support/pg.js';
import { describeQueueControl } from '../conformance/queue-control.js';
import { openPostgresStore } from './index.js';

const URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const skip = await postgresOrSkip('queue control on PostgreSQL');
if (skip === undefined) {
  const schemas: string[] = [];
  after(async () => {
    const c = new pg.Client({ connectionString: URL });
    await c.connect();
    for (const s of schemas) await c.query(`DROP SCHEMA IF EXISTS "${s}" CASCADE`);
    await c.end();
  });
  describeQueueControl('postgres', {
    open: () => {
      const schema = `txmail_test_${randomBytes(6).toString('hex')}`;
      schemas.push(schema);
      return openPostgresStore(URL, { schema, poolSize: 4 });
    },
  });
}
