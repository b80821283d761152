// Every action, every parameter filled with hostile values (empty, white space, huge numbers,
// broken JSON, NUL, long multi-byte strings): the answer is always a catalog error or a success,
// never InternalError, a 5xx without a code, or a dropped connection.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rejects, startTestServer } from '../helpers/server.js';
import { SPECS } from '../../src/products/slb/specs.js';

const JUNK = ['', ' ', '-1', '99999999999999999999', '1e400', 'NaN', "[{'a':", '{"x":[', 'null', 'true', "'; DROP TABLE", '\u0000', '中文'.repeat(300), '[]', '[{}]', '[null]', '{}', 'on', 'lb-doesnotexist', 'x'.repeat(5000)];

test('junk in every parameter of every action answers a catalog error, never InternalError', { timeout: 600_000 }, async () => {
  const s = await startTestServer();
  try {
    const bad: string[] = [];
    for (const [action, spec] of Object.entries(SPECS)) {
      for (let i = 0; i < JUNK.length; i++) {
        const params: Record<string, string> = { RegionId: 'cn-hangzhou' };
        spec.params.forEach((p, k) => {
          if (p.name === 'RegionId') return;
          const v = JUNK[(i + k) % JUNK.length]!;
          if (p.type === 'RepeatList') params[`${p.name}.1${p.repeat?.elementFields?.length ? `.${p.repeat.elementFields[0]!.name}` : ''}`] = v;
          else params[p.name] = v;
        });
        try {
          await s.call(action, params, { method: 'POST' });
        } catch (e) {
          const code = (e as { code?: string }).code;
          if (!code || code === 'InternalError') bad.push(`${action} #${i}: ${String(e).slice(0, 160)}`);
        }
      }
    }
    assert.deepEqual(bad, []);
  } finally {
    await s.stop();
  }
});

test('a required JSON-string parameter holding only white space is missing', async () => {
  const s = await startTestServer();
  try {
    const e = await rejects(() => s.call('DeleteRules', { RegionId: 'cn-hangzhou', RuleIds: '  ' }));
    assert.equal(e.code, 'MissingParameter');
    assert.equal(e.data['Message'], 'The input parameter "RuleIds" that is mandatory for processing this request is not supplied.');
  } finally {
    await s.stop();
  }
});
