// ECS 2014-05-26 (docs/products.md "ECS 2014-05-26"): instances, ENIs and security groups over the
// world's documents, so SLB load-balances to what RunInstances made; regions, zones, images and
// instance types from small static catalogs. The 13 VPC/EIP actions this version also carries
// (CreateVpc, DescribeVSwitches, AllocateEipAddress…) run the VPC product's handlers (vpc-actions.ts).
import { apiError } from '../../errors/catalog.js';
import { registerProduct } from '../product.js';
import { ECS_CATALOG } from './catalog.js';
import { actions } from './common.js';
import { ECS_SPECS } from './specs.js';
import './instances.js';
import './security-groups.js';
import './network-interfaces.js';
import './catalogs.js';
import './vpc-actions.js';
import './terraform-reads.js';

export const ECS = registerProduct({
  code: 'ecs',
  version: '2014-05-26',
  specs: ECS_SPECS,
  action: (n) => actions.get(n),
  catalog: ECS_CATALOG,
  // the `ecs` dependency down (docs/faults.md): the POP gateway's 503 for an unavailable backend
  unavailable: () => apiError('ServiceUnavailable', 'The request has failed due to a temporary failure of the server.'),
});
