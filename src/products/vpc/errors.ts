// The VPC 2016-04-28 error catalog: the published per-action errors (catalog.data.json, generated
// from reference/vpc-api.json) and the entries OpenSLB adds where the tables lack a condition it
// answers (docs/products.md, "VPC 2016-04-28"). Where a published entry of another VPC action fits a
// condition (e.g. InvalidVSwitchId.NotFound for DescribeVSwitchAttributes, whose table is empty),
// that entry is answered as published.
import { readFileSync } from 'node:fs';
import type { CatalogRecord } from '../../errors/catalog.js';
import { ProductCatalog, withOwn } from '../catalog.js';

const published = JSON.parse(readFileSync(new URL('./catalog.data.json', import.meta.url), 'utf8')) as CatalogRecord[];

// Conditions OpenSLB answers that no published VPC entry covers (source 'openslb', with a note).
const OWN: CatalogRecord[] = [
  {
    code: 'DryRunOperation',
    http: 400,
    message: 'Request validation has been passed with DryRun flag set.',
    descriptionZh: '请求检查通过（DryRun）。',
    source: 'openslb',
    actions: ['CreateVpc', 'DeleteVpc', 'DeleteVSwitch', 'DescribeVpcs', 'DescribeVpcAttribute', 'DescribeVSwitches', 'DescribeVSwitchAttributes', 'DescribeEipAddresses'],
    note: 'the answer to DryRun=true once every check passed (nothing is changed); the legacy tables predate DryRun, Terraform lists the code (reference/products-notes.md §3)',
  },
];

export const CATALOG_ENTRIES: CatalogRecord[] = withOwn(published, OWN);
export const VPC_ERRORS = new ProductCatalog(CATALOG_ENTRIES);

/** Raises the catalog entry (code, message); message may be left out when the code has one entry. */
export function vfail(code: string, message?: string): never {
  throw VPC_ERRORS.error(code, message);
}
