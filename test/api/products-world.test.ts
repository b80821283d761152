// One world across products: what ECS creates in a VPC keeps the VPC API from deleting it, as in
// the real cloud (DependencyViolation.SecurityGroup), through pop-core on both versions.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import RPCClient from '@alicloud/pop-core';
import { AK, rejects, startTestServer } from '../helpers/server.js';

test('DeleteVpc is refused while an ECS security group lives in the VPC', async (t) => {
  const s = await startTestServer();
  t.after(() => s.stop());
  const client = (apiVersion: string) => new RPCClient({ accessKeyId: AK.id, accessKeySecret: AK.secret, endpoint: s.url, apiVersion, opts: { timeout: 30_000 } });
  const vpc = client('2016-04-28');
  const ecs = client('2014-05-26');
  const R = { RegionId: 'cn-hangzhou' };
  const { VpcId } = (await vpc.request('CreateVpc', { ...R, CidrBlock: '10.30.0.0/16' }, { method: 'POST' })) as { VpcId: string };
  for (let i = 0; ((await vpc.request('DescribeVpcAttribute', { ...R, VpcId }, { method: 'POST' })) as { Status: string }).Status !== 'Available'; i++) {
    assert.ok(i < 200, 'the VPC never became Available');
    await new Promise((r) => setTimeout(r, 50));
  }
  const { SecurityGroupId } = (await ecs.request('CreateSecurityGroup', { ...R, VpcId }, { method: 'POST' })) as { SecurityGroupId: string };
  const e = await rejects(() => vpc.request('DeleteVpc', { ...R, VpcId }, { method: 'POST' }));
  assert.equal(e.code, 'DependencyViolation.SecurityGroup');
  assert.equal(e.data['Message'], 'Specified object has dependent resources SecurityGroup.');
  await ecs.request('DeleteSecurityGroup', { ...R, SecurityGroupId }, { method: 'POST' });
  await vpc.request('DeleteVpc', { ...R, VpcId }, { method: 'POST' });
});
