// The account's default resource group. Every account has one; resources created without a
// ResourceGroupId belong to it. It is the group the world creates on the account's first touch
// (src/world/world.ts, listed by the operator API and used by CreateLoadBalancer), so load
// balancers, ACLs and certificates of one account report the same default group id.
export { defaultResourceGroupId } from './world.js';
