// Both dictionaries of the console carry the same keys and, per key, the same {placeholders}.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { en, zh } from '../../console/src/messages.ts';

const placeholders = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

test('English and Chinese have the same keys', () => {
  assert.deepEqual(Object.keys(zh).sort(), Object.keys(en).sort());
});

test('every message is translated and keeps its placeholders', () => {
  for (const k of Object.keys(en) as (keyof typeof en)[]) {
    assert.ok(zh[k].trim(), k);
    assert.deepEqual(placeholders(zh[k]), placeholders(en[k]), k);
  }
});
