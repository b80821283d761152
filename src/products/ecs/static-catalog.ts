// The small static catalogs ECS answers from (docs/products.md "ECS 2014-05-26"): regions and zones
// from src/world/regions.ts, a handful of public images and instance types. RunInstances and
// CreateInstance accept exactly these images and types (InvalidImageId.NotFound /
// InvalidInstanceType.ValueNotSupported otherwise).
import { REGIONS, langOf, type RegionInfo } from '../../world/regions.js';

export interface ImageInfo {
  ImageId: string;
  ImageName: string;
  ImageFamily: string;
  ImageVersion: string;
  OSName: string;
  OSNameEn: string;
  OSType: 'linux' | 'windows';
  Platform: string;
  Architecture: 'x86_64' | 'arm64';
  /** GiB */
  Size: number;
  Description: string;
}

const img = (ImageId: string, OSNameEn: string, Platform: string, ImageFamily: string, ImageVersion: string, Architecture: ImageInfo['Architecture'] = 'x86_64'): ImageInfo => ({
  ImageId,
  ImageName: ImageId,
  ImageFamily,
  ImageVersion,
  OSName: OSNameEn,
  OSNameEn,
  OSType: 'linux',
  Platform,
  Architecture,
  Size: 20,
  Description: `${OSNameEn} public image (OpenSLB static catalog)`,
});

export const IMAGES: readonly ImageInfo[] = [
  img('aliyun_3_x64_20G_alibase_20240819.vhd', 'Alibaba Cloud Linux  3.2104 LTS 64 bit', 'Aliyun', 'acs:alibaba_cloud_linux_3_2104_lts_x64', '3.2104'),
  img('ubuntu_22_04_x64_20G_alibase_20240710.vhd', 'Ubuntu  22.04 64 bit', 'Ubuntu', 'acs:ubuntu_22_04_x64', '22.04'),
  img('ubuntu_24_04_x64_20G_alibase_20240812.vhd', 'Ubuntu  24.04 64 bit', 'Ubuntu', 'acs:ubuntu_24_04_x64', '24.04'),
  img('debian_12_6_x64_20G_alibase_20240823.vhd', 'Debian  12.6 64 bit', 'Debian', 'acs:debian_12_x64', '12.6'),
  img('centos_7_9_x64_20G_alibase_20240628.vhd', 'CentOS  7.9 64 bit', 'CentOS', 'acs:centos_7_9_x64', '7.9'),
  img('aliyun_3_arm64_20G_alibase_20240819.vhd', 'Alibaba Cloud Linux  3.2104 LTS 64 bit ARM', 'Aliyun', 'acs:alibaba_cloud_linux_3_2104_lts_arm64', '3.2104', 'arm64'),
];

export const findImage = (id: string | undefined) => IMAGES.find((i) => i.ImageId === id);

export interface InstanceTypeInfo {
  InstanceTypeId: string;
  InstanceTypeFamily: string;
  CpuCoreCount: number;
  /** GiB */
  MemorySize: number;
  EniQuantity: number;
  EniPrivateIpAddressQuantity: number;
  InstanceFamilyLevel: 'EntryLevel' | 'EnterpriseLevel' | 'CreditEntryLevel';
  CpuArchitecture: 'X86' | 'ARM';
  InstanceBandwidthRx: number;
  InstanceBandwidthTx: number;
}

const t = (id: string, cpu: number, mem: number, eni: number, ips: number, level: InstanceTypeInfo['InstanceFamilyLevel'] = 'EnterpriseLevel', arch: InstanceTypeInfo['CpuArchitecture'] = 'X86'): InstanceTypeInfo => ({
  InstanceTypeId: id,
  InstanceTypeFamily: id.replace(/\.[^.]+$/, ''),
  CpuCoreCount: cpu,
  MemorySize: mem,
  EniQuantity: eni,
  EniPrivateIpAddressQuantity: ips,
  InstanceFamilyLevel: level,
  CpuArchitecture: arch,
  InstanceBandwidthRx: cpu * 512_000,
  InstanceBandwidthTx: cpu * 512_000,
});

export const INSTANCE_TYPES: readonly InstanceTypeInfo[] = [
  t('ecs.t6-c1m1.large', 2, 2, 2, 2, 'CreditEntryLevel'),
  t('ecs.t6-c1m2.large', 2, 4, 2, 2, 'CreditEntryLevel'),
  t('ecs.g6.large', 2, 8, 2, 6),
  t('ecs.g6.xlarge', 4, 16, 3, 10),
  t('ecs.c6.large', 2, 4, 2, 6),
  t('ecs.r6.large', 2, 16, 2, 6),
  t('ecs.g7.large', 2, 8, 3, 6),
  t('ecs.g8y.large', 2, 8, 3, 6, 'EnterpriseLevel', 'ARM'),
];

export const findInstanceType = (id: string | undefined) => INSTANCE_TYPES.find((x) => x.InstanceTypeId === id);

export const DISK_CATEGORIES = ['cloud_efficiency', 'cloud_ssd', 'cloud_essd'];

/** The ECS endpoint a region names (the real pattern; clients reach this server through Location). */
export const ecsEndpoint = (r: RegionInfo) => (['cn-qingdao', 'cn-beijing', 'cn-hangzhou', 'cn-shanghai', 'cn-shenzhen', 'cn-hongkong', 'ap-southeast-1', 'us-west-1', 'us-east-1'].includes(r.RegionId) ? 'ecs.aliyuncs.com' : `ecs.${r.RegionId}.aliyuncs.com`);

export function regionsView(acceptLanguage: string | undefined) {
  const lang = langOf(acceptLanguage);
  return REGIONS.map((r) => ({ RegionId: r.RegionId, LocalName: r[lang], RegionEndpoint: ecsEndpoint(r), Status: 'available' }));
}

export function zonesView(r: RegionInfo, acceptLanguage: string | undefined, verbose: boolean) {
  const lang = langOf(acceptLanguage);
  const types = INSTANCE_TYPES.map((x) => x.InstanceTypeId);
  return r.zones.map((z) => ({
    ZoneId: z.ZoneId,
    LocalName: z[lang],
    ZoneType: 'AvailabilityZone',
    AvailableResourceCreation: ['VSwitch', 'IoOptimized', 'Instance', 'Disk'],
    AvailableDiskCategories: DISK_CATEGORIES,
    AvailableVolumeCategories: DISK_CATEGORIES,
    AvailableInstanceTypes: verbose ? types : [],
    AvailableDedicatedHostTypes: [],
    DedicatedHostGenerations: [],
    AvailableResources: verbose
      ? [
          {
            IoOptimized: true,
            InstanceTypes: types,
            InstanceTypeFamilies: [...new Set(INSTANCE_TYPES.map((x) => x.InstanceTypeFamily))],
            InstanceGenerations: ['ecs-4', 'ecs-5'],
            NetworkTypes: ['vpc'],
            SystemDiskCategories: DISK_CATEGORIES,
            DataDiskCategories: DISK_CATEGORIES,
          },
        ]
      : [],
  }));
}

export function imageView(i: ImageInfo) {
  return {
    ImageId: i.ImageId,
    ImageName: i.ImageName,
    ImageFamily: i.ImageFamily,
    ImageVersion: i.ImageVersion,
    ImageOwnerAlias: 'system',
    ImageOwnerId: 0,
    Description: i.Description,
    OSName: i.OSName,
    OSNameEn: i.OSNameEn,
    OSType: i.OSType,
    Platform: i.Platform,
    Architecture: i.Architecture,
    Size: i.Size,
    Status: 'Available',
    Progress: '100%',
    Usage: 'instance',
    IsPublic: true,
    IsCopied: false,
    IsSubscribed: false,
    IsSelfShared: '',
    IsSupportIoOptimized: true,
    IsSupportCloudinit: true,
    LoginAsNonRootSupported: false,
    BootMode: 'BIOS',
    CreationTime: '2024-08-19T00:00:00Z',
    ProductCode: '',
    SupplierName: '',
    ResourceGroupId: '',
    // DiskImageSize left out: v1 says Integer, aliyungo string (reference/products-notes.md §4.4); Size is a string here
    DiskDeviceMappings: [{ Device: '/dev/xvda', Size: String(i.Size), Type: 'system', Format: '', SnapshotId: '', ImportOSSBucket: '', ImportOSSObject: '', Progress: '100%', RemainTime: 0, Encrypted: false }],
    Tags: [],
  };
}

export function instanceTypeView(x: InstanceTypeInfo) {
  return {
    InstanceTypeId: x.InstanceTypeId,
    InstanceTypeFamily: x.InstanceTypeFamily,
    CpuCoreCount: x.CpuCoreCount,
    MemorySize: x.MemorySize,
    EniQuantity: x.EniQuantity,
    EniTotalQuantity: x.EniQuantity,
    EniPrivateIpAddressQuantity: x.EniPrivateIpAddressQuantity,
    EniTrunkSupported: false,
    InstanceFamilyLevel: x.InstanceFamilyLevel,
    CpuArchitecture: x.CpuArchitecture,
    InstanceBandwidthRx: x.InstanceBandwidthRx,
    InstanceBandwidthTx: x.InstanceBandwidthTx,
    LocalStorageAmount: 0,
    GPUAmount: 0,
    GPUSpec: '',
    DiskQuantity: 17,
  };
}
