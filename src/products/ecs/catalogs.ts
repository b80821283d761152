// DescribeRegions, DescribeZones, DescribeImages, DescribeInstanceTypes from the static catalogs
// (static-catalog.ts; regions and zones are those of src/world/regions.ts).
import { E } from './catalog.js';
import { define, list, paginate, requireRegion, str } from './common.js';
import { IMAGES, imageView, INSTANCE_TYPES, instanceTypeView, regionsView, zonesView } from './static-catalog.js';

const LANGS = ['zh-CN', 'en-US', 'ja'];
function language(p: Record<string, unknown>): string | undefined {
  const l = str(p, 'AcceptLanguage');
  if (l !== undefined && !LANGS.includes(l)) throw E.error('InvalidAcceptLanguage.NotFound');
  return l;
}

define({
  name: 'DescribeRegions',
  async handler(_ctx, p) {
    return { Regions: regionsView(language(p)) };
  },
});

define({
  name: 'DescribeZones',
  async handler(_ctx, p) {
    const lang = language(p);
    const r = requireRegion(str(p, 'RegionId'));
    // Verbose defaults to true, as in the service
    return { Zones: zonesView(r, lang, p['Verbose'] !== false) };
  },
});

define({
  name: 'DescribeImages',
  async handler(_ctx, p) {
    requireRegion(str(p, 'RegionId'));
    const ids = (str(p, 'ImageId') ?? '').split(',').map((x) => x.trim()).filter(Boolean);
    const alias = str(p, 'ImageOwnerAlias');
    const all = IMAGES.filter(
      (i) =>
        (!ids.length || ids.includes(i.ImageId)) &&
        (!str(p, 'ImageName') || i.ImageName === str(p, 'ImageName')) &&
        (!str(p, 'ImageFamily') || i.ImageFamily === str(p, 'ImageFamily')) &&
        (!str(p, 'OSType') || i.OSType === str(p, 'OSType')) &&
        (!str(p, 'Architecture') || i.Architecture === (str(p, 'Architecture') === 'i386' ? 'i386' : str(p, 'Architecture'))) &&
        (!str(p, 'Status') || str(p, 'Status')!.split(',').includes('Available')) &&
        // every catalog image is a public system image
        (!alias || alias === 'system') &&
        (p['IsPublic'] !== false),
    );
    const { items, fields } = paginate(all, { PageNumber: p['PageNumber'], PageSize: p['PageSize'] }, { defaultSize: 10, maxSize: 100 });
    return { ...fields, RegionId: str(p, 'RegionId'), Images: items.map(imageView) };
  },
});

define({
  name: 'DescribeInstanceTypes',
  async handler(_ctx, p) {
    const wanted = list(p, 'InstanceTypes');
    const families = list(p, 'InstanceTypeFamilies');
    const all = INSTANCE_TYPES.filter(
      (x) =>
        (!wanted.length || wanted.includes(x.InstanceTypeId)) &&
        (!families.length || families.includes(x.InstanceTypeFamily)) &&
        (!str(p, 'InstanceTypeFamily') || x.InstanceTypeFamily === str(p, 'InstanceTypeFamily')) &&
        (!str(p, 'CpuArchitecture') || x.CpuArchitecture === str(p, 'CpuArchitecture')) &&
        (!str(p, 'InstanceFamilyLevel') || x.InstanceFamilyLevel === str(p, 'InstanceFamilyLevel')),
    );
    const { items, fields } = paginate(all, { NextToken: p['NextToken'], MaxResults: p['MaxResults'] ?? 1600 }, { defaultSize: 1600, maxSize: 1600 });
    return { NextToken: fields['NextToken'], InstanceTypes: items.map(instanceTypeView) };
  },
});

