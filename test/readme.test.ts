// The README's configuration reference is generated from the schema and must match it.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { configReference } from '../src/config/load.js';

test('the README configuration reference matches the schema (npm run docs regenerates it)', () => {
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
  assert.ok(readme.includes(`<!-- config-reference:start -->\n${configReference()}\n<!-- config-reference:end -->`));
});
