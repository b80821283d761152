// The ECS 2014-05-26 error catalog: the published per-action errors (catalog.data.json, generated
// from reference/ecs-api.json) plus the entries OpenSLB defines where a published code comes only
// with the placeholder message "%s" (the service fills in a text nobody published) or where a
// condition OpenSLB answers has no published entry. docs/products.md lists each with its test.
import { readFileSync } from 'node:fs';
import { ApiError, type CatalogRecord } from '../../errors/catalog.js';
import { ProductCatalog, withOwn } from '../catalog.js';

const published = JSON.parse(readFileSync(new URL('./catalog.data.json', import.meta.url), 'utf8')) as CatalogRecord[];

const PLACEHOLDER = 'published with the message "%s" (a text the service fills in); OpenSLB says what the condition is';
const ownEntry = (code: string, http: number, message: string, note: string): CatalogRecord => ({ code, http, message, descriptionZh: '', source: 'openslb', note });

export const OWN: CatalogRecord[] = [
  ownEntry('InvalidEniId.NotFound', 404, 'The specified NetworkInterfaceId does not exist.', PLACEHOLDER),
  ownEntry('InvalidOperation.InvalidEniState', 400, 'The current status of the network interface does not support this operation.', PLACEHOLDER),
  ownEntry('InvalidOperation.InvalidEcsState', 400, 'The current status of the instance does not support this operation.', PLACEHOLDER),
  ownEntry('InvalidOperation.VpcMismatch', 403, 'The network interface, the instance and the security group must be in the same VPC.', PLACEHOLDER),
  ownEntry('InvalidOperation.AvailabilityZoneMismatch', 403, 'The network interface and the instance must be in the same zone.', PLACEHOLDER),
  ownEntry('InvalidOperation.DetachPrimaryEniNotAllowed', 400, 'The primary network interface of an instance cannot be detached or deleted.', PLACEHOLDER),
  ownEntry('InvalidVSwitchId.IpNotEnough', 400, 'The specified vSwitch does not have enough private IP addresses.', PLACEHOLDER),
  ownEntry('InvalidParameter', 400, 'The specified parameter "NextToken" is not valid.', 'no published entry for a NextToken this server did not issue; the published InvalidParameter rows name other parameters'),
  ownEntry('InvalidOperation.DeletionProtection', 403, 'The instance has release protection enabled (DeletionProtection); disable it with ModifyInstanceAttribute first.', PLACEHOLDER),
  ownEntry('UnsupportedParameter', 400, 'The specified parameter is not supported by this server: {name}.', PLACEHOLDER),
  ownEntry('DryRunOperation', 400, 'Request validation has been passed with DryRun flag set.', 'what the service answers to DryRun=true when the call would succeed; no published per-action table lists it'),
];

export const ECS_CATALOG: readonly CatalogRecord[] = withOwn(published, OWN);
export const E = new ProductCatalog(ECS_CATALOG);

/** The error of an entry OpenSLB defines (for codes whose only published message is "%s"). */
export function ownError(code: string): ApiError {
  const e = OWN.find((x) => x.code === code);
  if (!e) throw new Error(`no OpenSLB entry ${code}`);
  return new ApiError(e);
}
