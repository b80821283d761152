// The error-table pieces that need no server: how unexpected failures map to catalog entries
// (src/errors/unexpected.ts), and that docs/error-conditions.json names only catalog entries.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { CATALOG } from '../../src/errors/catalog.js';
import { isStoreBusy, isStoreUnavailable, unexpectedError } from '../../src/errors/unexpected.js';

const coded = (code: string, message = 'x') => Object.assign(new Error(message), { code });

test('unexpected failures: store busy → OperationBusy, store unreachable → backend exception, else unknown error', () => {
  for (const e of [coded('40001'), coded('40P01'), coded('55P03'), coded('SQLITE_BUSY'), coded('SQLITE_BUSY_SNAPSHOT'), coded('SQLITE_LOCKED'), new Error('wrapped', { cause: coded('40001') })]) {
    assert.ok(isStoreBusy(e), String((e as { code?: string }).code ?? e.message));
    assert.deepEqual([unexpectedError(e).code, unexpectedError(e).text], ['OperationBusy', 'A previous operation is pending.']);
  }
  for (const e of [coded('ECONNREFUSED'), coded('ECONNRESET'), coded('08006'), coded('08001'), coded('53300'), coded('57P01'), new Error('Connection terminated unexpectedly')]) {
    assert.ok(isStoreUnavailable(e), String((e as { code?: string }).code ?? e.message));
    const err = unexpectedError(e);
    assert.deepEqual([err.code, err.http, err.text], ['InternalError', 500, 'The request processing has failed due to backend service exception.']);
  }
  for (const e of [new TypeError('x'), coded('23505'), coded('ERR_SOMETHING'), 'a string', undefined, null, { code: 40001 }]) {
    const err = unexpectedError(e);
    assert.deepEqual([err.code, err.text], ['InternalError', 'The request processing has failed due to some unknown error.']);
  }
});

test('docs/error-conditions.json names seed rows and catalog entries that exist', () => {
  const data = JSON.parse(readFileSync(new URL('../../docs/error-conditions.json', import.meta.url), 'utf8')) as {
    seed: Record<string, { condition?: string; notEmitted?: string }>;
    other: Record<string, { condition?: string }>;
  };
  const rows = new Set(CATALOG.filter((e) => e.source === 'seed').map((e) => String((e as { row?: number }).row)));
  for (const k of Object.keys(data.seed)) assert.ok(rows.has(k), `seed row ${k}`);
  const others = new Set(CATALOG.filter((e) => e.source !== 'seed').map((e) => `${e.code} ${e.message}`));
  for (const k of Object.keys(data.other)) assert.ok(others.has(k), `catalog entry "${k}"`);
  for (const [k, v] of Object.entries(data.seed)) assert.ok(v.condition || v.notEmitted, `row ${k} says something`);
});
