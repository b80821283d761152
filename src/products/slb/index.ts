// SLB 2014-05-15: the 93 actions of src/products/slb/actions, the specs of src/products/slb/slb-api.data.json and
// the catalog of src/errors (the seed table, the gateway's codes and the per-action codes).
import './actions/index.js';
import { getAction } from './registry.js';
import { SPECS } from './specs.js';
import { CATALOG, type CatalogRecord } from '../../errors/catalog.js';
import { registerProduct, type ProductAction } from '../product.js';

export const SLB = registerProduct({
  code: 'slb',
  version: '2014-05-15',
  specs: SPECS,
  action: (name) => getAction(name) as unknown as ProductAction | undefined,
  catalog: CATALOG as readonly CatalogRecord[],
});
