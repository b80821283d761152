// Issue 13's "done when": examples/cloud-flow.ts builds VPC → vSwitch → security group → two ECS
// instances → an SLB load balancer in the vSwitch with the instances as backends → an EIP bound to
// it, entirely through the official SDKs (@alicloud/vpc20160428, @alicloud/ecs20140526, pop-core),
// and HTTP requests sent to the EIP reach both backend processes.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runCloudFlow } from '../../examples/cloud-flow.js';
import { AK, startTestServer } from '../helpers/server.js';

test('VPC, vSwitch, security group, two instances, an SLB in the vSwitch and an EIP: traffic to the EIP reaches both backends', { timeout: 120_000 }, async (t) => {
  const s = await startTestServer({ dataPlane: true });
  t.after(() => s.stop());
  const r = await runCloudFlow({ url: s.url, accessKeyId: AK.id, accessKeySecret: AK.secret, operatorToken: s.operatorToken });
  t.after(() => r.close());
  assert.match(r.loadBalancerAddress, /^10\.7\.1\.\d+$/, 'the load balancer has a private address of the vSwitch');
  assert.deepEqual([...new Set(r.answers)].sort(), ['backend-1', 'backend-2']);
  // the SLB sees its EIP as the VPC API recorded it
  const attr = (await s.call('DescribeLoadBalancerAttribute', { RegionId: 'cn-hangzhou', LoadBalancerId: r.loadBalancerId })) as { VSwitchId: string; VpcId: string };
  assert.deepEqual([attr.VpcId, attr.VSwitchId], [r.vpcId, r.vSwitchId]);
});
