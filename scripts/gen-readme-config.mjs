#!/usr/bin/env node
// Rewrites the configuration reference in README.md from the schema (run after `npm run build`).
import { readFileSync, writeFileSync } from 'node:fs';
import { configReference } from '../dist/src/config/load.js';

const START = '<!-- config-reference:start -->';
const END = '<!-- config-reference:end -->';
const readme = readFileSync('README.md', 'utf8');
const a = readme.indexOf(START);
const b = readme.indexOf(END);
if (a < 0 || b < a) throw new Error('README.md lacks the config-reference markers');
writeFileSync('README.md', `${readme.slice(0, a + START.length)}\n${configReference()}\n${readme.slice(b)}`);
