// The VPC and EIP actions the ECS 2014-05-26 API also carries (CreateVpc, DescribeVSwitches,
// AllocateEipAddress…), which older SDKs such as aliyungo's `ecs` package call on the ECS endpoint.
// The real service answers them from the same VPC backend: here they run the VPC product's
// handlers on the same documents, with ECS's (narrower) parameter specs and response trees.
import { VPC } from '../vpc/index.js';
import { actions } from './common.js';

export const VPC_ACTIONS_ON_ECS = [
  'CreateVpc',
  'DeleteVpc',
  'DescribeVpcs',
  'ModifyVpcAttribute',
  'CreateVSwitch',
  'DeleteVSwitch',
  'DescribeVSwitches',
  'ModifyVSwitchAttribute',
  'AllocateEipAddress',
  'AssociateEipAddress',
  'UnassociateEipAddress',
  'ReleaseEipAddress',
  'DescribeEipAddresses',
] as const;

for (const name of VPC_ACTIONS_ON_ECS) {
  const vpcAction = VPC.action(name);
  if (!vpcAction) throw new Error(`the VPC product has no ${name}`);
  actions.define({ name, ...(vpcAction.errors ? { errors: vpcAction.errors } : {}), handler: (ctx, p) => vpcAction.handler(ctx, p) });
}
