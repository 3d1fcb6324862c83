import assert from 'node:assert/strict';
import { test } from 'node:test';
import { inlineCss } from './inline-css.js';

test('style rules go into style attributes; media queries stay in a style block; text and links unchanged', () => {
  const out = inlineCss(
    '<html><head><style>p.note{color:red} @media (max-width:600px){p{color:blue}}</style></head><body><p class="note">Grüße &amp; ✓ <a href="https://x.test/?a=1&amp;b=2">l</a></p></body></html>',
  );
  assert.match(out, /<p class="note" style="color: red;">Grüße &amp; ✓ <a href="https:\/\/x\.test\/\?a=1&amp;b=2">l<\/a><\/p>/);
  assert.match(out, /@media \(max-width:600px\)/);
  assert.doesNotMatch(out, /p\.note\{/);
});

test('HTML without a style block is returned as it was', () => {
  const html = '<p>{{unchanged}} <b>x</b></p>';
  assert.equal(inlineCss(html), html);
});
