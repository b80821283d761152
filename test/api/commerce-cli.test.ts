// `openslb serve --commerce off` and `openslb commerce …` against a spawned server: the operator
// puts the root account into a condition from the command line and a real client sees its row.
import { spawnServe, stopServe } from '../helpers/serve-process.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import RPCClient from '@alicloud/pop-core';

const root = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const bin = join(root, 'bin', 'openslb.mjs');
const KEY = { id: 'LTAIcommerceCliKey01', secret: 'commerceCliSecret01' };

test('openslb serve --commerce off, then openslb commerce on/set/reset/status from the CLI', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'openslb-commerce-cli-'));
  const env: NodeJS.ProcessEnv = { ...process.env, OPENSLB_ACCESS_KEY_ID: KEY.id, OPENSLB_ACCESS_KEY_SECRET: KEY.secret };
  delete env['OPENSLB_COMMERCE'];
  const { child, url } = await spawnServe(['--data-dir', dir, '--commerce', 'off'], env);
  t.after(async () => {
    await stopServe(child);
    rmSync(dir, { recursive: true, force: true });
  });
  const cli = async (...args: string[]) => {
    const { stdout } = await promisify(execFile)(process.execPath, [bin, 'commerce', ...args, '--url', url, '--data-dir', dir], { cwd: root, env });
    return JSON.parse(stdout) as Record<string, unknown>;
  };
  const slb = new RPCClient({ accessKeyId: KEY.id, accessKeySecret: KEY.secret, endpoint: url, apiVersion: '2014-05-15' });
  const prePay = { RegionId: 'cn-hangzhou', PayType: 'PrePay', PricingCycle: 'month', Duration: 1, AutoPay: true, InternetChargeType: 'paybybandwidth', Bandwidth: 2 };

  assert.equal((await cli('status'))['Enabled'], false);
  // commerce off: a subscription is free even for an account in arrears
  await cli('set', 'Arrears=10');
  assert.equal(typeof ((await slb.request('CreateLoadBalancer', prePay)) as { OrderId: unknown }).OrderId, 'number');
  await cli('on');
  await assert.rejects(slb.request('CreateLoadBalancer', prePay), (e: { code?: string }) => e.code === 'ORDER.ARREARAGE');
  const a = await cli('set', 'Arrears=0', 'RealNameAuthenticated=false', 'Faults=[]');
  assert.deepEqual([a['Arrears'], a['RealNameAuthenticated']], [0, false]);
  await assert.rejects(slb.request('CreateLoadBalancer', prePay), (e: { code?: string; data?: { Message?: string } }) => e.code === 'ORDER.NO_REAL_NAME_AUTHENTICATION' && e.data?.Message === 'The account is not real name authentication.');
  await cli('fault', 'PAY.PAY_ORDER_FAILED');
  await cli('set', 'RealNameAuthenticated=true');
  await assert.rejects(slb.request('CreateLoadBalancer', prePay), (e: { code?: string }) => e.code === 'PAY.PAY_ORDER_FAILED');
  assert.equal((await cli('reset'))['RealNameAuthenticated'], true);
  const bought = (await slb.request('CreateLoadBalancer', prePay)) as { OrderId: number };
  const orders = (await cli('orders'))['Orders'] as { OrderId: number; Status: string }[];
  assert.equal(orders.find((o) => o.OrderId === bought.OrderId)?.Status, 'Paid');
  assert.equal((await cli('advance', '1'))['TimeOffsetMs'], 3_600_000);
});
