import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseSuppressionCsv, suppressionCsv } from './csv.js';

const NOW = Date.UTC(2024, 0, 15);

test('a CSV round trip keeps every field', () => {
  const rows = [
    { address: 'jane@example.org', reason: 'hard_bounce' as const, sourceMessageId: 'msg_1', createdAt: NOW - 1000 },
    { address: '"joe,smith"@example.org', reason: 'manual' as const, sourceMessageId: null, createdAt: NOW },
  ];
  const csv = suppressionCsv(rows, true);
  assert.match(csv, /^email,reason,source_message_id,created_at\r\n/);
  const back = parseSuppressionCsv(csv, NOW);
  assert.deepEqual(back.errors, []);
  assert.deepEqual(back.rows, rows, 'a quoted local part with a comma survives CSV quoting');
});

test('import normalises addresses, defaults the reason, and the last row for an address wins', () => {
  const r = parseSuppressionCsv('Email,Reason\r\nJane@Example.ORG,\r\njane@example.org,complaint\r\nbob@bücher.example,unsubscribe\r\n', NOW);
  assert.deepEqual(r.errors, []);
  assert.deepEqual(r.rows, [
    { address: 'jane@example.org', reason: 'complaint', sourceMessageId: null, createdAt: NOW },
    { address: 'bob@xn--bcher-kva.example', reason: 'unsubscribe', sourceMessageId: null, createdAt: NOW },
  ]);
});

test('every bad row is reported with its line and column, and nothing is imported', () => {
  const r = parseSuppressionCsv('email,reason,created_at\nok@example.org,manual,\nnot-an-address,manual,\nb@example.org,spam,\nc@example.org,manual,yesterday\n', NOW);
  assert.deepEqual(r.rows, []);
  assert.deepEqual(r.errors.map((e) => e.path), ['csv[3].email', 'csv[4].reason', 'csv[5].created_at']);
  assert.deepEqual(parseSuppressionCsv('address\r\nx@example.org\r\n', NOW).rows.map((x) => x.address), ['x@example.org']);
  assert.match(parseSuppressionCsv('mail\nx@example.org\n', NOW).errors[0]?.message ?? '', /"email" is required/);
  assert.match(parseSuppressionCsv('email,colour\nx@example.org,red\n', NOW).errors[0]?.message ?? '', /unknown column colour/);
  assert.match(parseSuppressionCsv('email\n"unterminated\n', NOW).errors[0]?.message ?? '', /not valid CSV/);
});
