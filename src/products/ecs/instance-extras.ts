// What RunInstances/CreateInstance keep on the instance document for the actions Terraform's
// alicloud_instance read calls (terraform-reads.ts): the system disk, the user data, the instance
// RAM role, the private pool match mode and the release protection. Defaults are the documented
// ones (reference/openapi-meta-ecs/RunInstances.json): SystemDisk.Category cloud_efficiency,
// SystemDisk.Size 40 or the image size, whichever is greater, PerformanceLevel PL1 for an ESSD,
// PrivatePoolOptions.MatchCriteria None.
import type { InstanceDoc, SystemDiskDoc } from '../slb/services/model.js';
import { stableId } from '../../world/world.js';
import { E } from './catalog.js';
import { str, type Params } from './common.js';
import { findImage } from './static-catalog.js';

/** 32 KB before Base64 encoding (RunInstances UserData) */
export const USER_DATA_MAX = 32 * 1024;

const minSize = (imageId: string | undefined) => Math.max(40, findImage(imageId ?? '')?.Size ?? 0);
const levelOf = (category: string, asked?: string) => (category === 'cloud_essd' ? (asked ?? 'PL1') : '');

/** Checks a Base64 user data value; undefined when absent. */
export function userDataOf(p: Params): string | undefined {
  const v = str(p, 'UserData');
  if (v === undefined) return undefined;
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(v) || v.length % 4 !== 0) throw E.error('InvalidParameter', 'The specified parameter is not valid.');
  if (Buffer.from(v, 'base64').length > USER_DATA_MAX) throw E.error('InvalidUserData.SizeExceeded');
  return v;
}

/**
 * The fields a create call adds to the new instance (the disk id comes from the server's id
 * source). SystemDisk.Category and .PerformanceLevel are checked against their enums by the
 * parameter parser; the size here: an integer, at least 20 and the image size, at most 2048.
 */
export function creationExtras(p: Params, imageId: string, diskId: string): Pick<InstanceDoc, 'SystemDisk' | 'UserData' | 'RamRoleName' | 'PrivatePoolMatchCriteria' | 'DeletionProtection' | 'AutoRenew'> {
  const category = str(p, 'SystemDisk.Category') ?? 'cloud_efficiency';
  const raw = p['SystemDisk.Size'];
  const size = typeof raw === 'number' ? raw : typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : undefined;
  const image = findImage(imageId)?.Size ?? 0;
  if (size !== undefined) {
    if (!Number.isInteger(size) || size > 2048) throw E.error('InvalidDisk.SystemDiskSize');
    if (size < 20) throw E.error('InvalidSystemDiskSize.LessThanMinSize');
    if (size < image) throw E.error('InvalidSystemDiskSize.LessThanImageSize');
  }
  const userData = userDataOf(p);
  const role = str(p, 'RamRoleName');
  return {
    SystemDisk: {
      DiskId: diskId,
      Category: category,
      Size: size ?? minSize(imageId),
      PerformanceLevel: levelOf(category, str(p, 'SystemDisk.PerformanceLevel')),
      DiskName: str(p, 'SystemDisk.DiskName') ?? '',
      Description: str(p, 'SystemDisk.Description') ?? '',
    },
    ...(userData !== undefined ? { UserData: userData } : {}),
    ...(role !== undefined ? { RamRoleName: role } : {}),
    ...(str(p, 'PrivatePoolOptions.MatchCriteria') === 'Open' ? { PrivatePoolMatchCriteria: 'Open' } : {}),
    ...(p['DeletionProtection'] === true ? { DeletionProtection: true } : {}),
    ...(str(p, 'InstanceChargeType') === 'PrePaid' && p['AutoRenew'] === true ? { AutoRenew: { Duration: typeof p['AutoRenewPeriod'] === 'number' ? p['AutoRenewPeriod'] : 1, PeriodUnit: str(p, 'PeriodUnit') ?? 'Month' } } : {}),
  };
}

/**
 * The system disk of an instance: the stored one, or (instances made before the disk was stored,
 * or by the world file) the documented defaults under a stable id.
 */
export function systemDiskOf(d: InstanceDoc): SystemDiskDoc {
  if (d.SystemDisk) return d.SystemDisk;
  return { DiskId: stableId('d-', 'system', d.RegionId, d.InstanceId), Category: 'cloud_efficiency', Size: minSize(d.ImageId), PerformanceLevel: '', DiskName: '', Description: '' };
}
