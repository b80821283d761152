// DescribeRegions, DescribeZones, DescribeAvailableResource: the region/zone catalogue.
import { fail } from '../../../errors/catalog.js';
import { findRegion, langOf, REGIONS, zonePairs, type RegionInfo } from '../../../world/regions.js';
import { getSettings } from '../../../world/world.js';
import { defineAction } from '../registry.js';

/** The region a call names; unknown ids answer the real 404. */
export function requireRegion(id: string | undefined): RegionInfo {
  const r = findRegion(id);
  if (!r) fail('InvalidRegionId.NotFound');
  return r;
}

defineAction({
  name: 'DescribeRegions',
  async handler(ctx) {
    const lang = langOf(ctx.language);
    return {
      Regions: {
        Region: REGIONS.filter((r) => r.slbSupported).map((r) => ({ RegionId: r.RegionId, LocalName: r[lang], RegionEndpoint: r.endpoint })),
      },
    };
  },
});

defineAction({
  name: 'DescribeZones',
  async handler(ctx, p) {
    const r = requireRegion(p.RegionId);
    const lang = langOf(p.AcceptLanguage ?? ctx.language);
    return {
      Zones: {
        Zone: r.zones.map((z) => ({
          ZoneId: z.ZoneId,
          LocalName: z[lang],
          SlaveZones: { SlaveZone: r.zones.filter((s) => s !== z).map((s) => ({ ZoneId: s.ZoneId, LocalName: s[lang] })) },
        })),
      },
    };
  },
});

const RESOURCES: { AddressType: string; AddressIPVersion: string }[] = [
  { AddressType: 'vpc', AddressIPVersion: 'ipv4' },
  { AddressType: 'classic-internet', AddressIPVersion: 'ipv4' },
  { AddressType: 'classic-intranet', AddressIPVersion: 'ipv4' },
  { AddressType: 'classic-internet', AddressIPVersion: 'ipv6' },
];

defineAction({
  name: 'DescribeAvailableResource',
  async handler(ctx, p) {
    const r = requireRegion(p.RegionId);
    // Zones the world closed (UnavailableZones) or left without any stock ('*' at 0) offer nothing,
    // as CreateLoadBalancer would refuse them (PRODUCT.NOT_AVAILABLE_IZ / InsufficientCapacity).
    const settings = await ctx.store.read((tx) => getSettings(tx));
    const open = (zone: string) =>
      !settings.UnavailableZones.includes(zone) && !settings.Stock.some((e) => e.RegionId === r.RegionId && e.ZoneId === zone && e.Spec === '*' && e.Available <= 0);
    const support = RESOURCES.filter(
      (x) => (!p.AddressType || x.AddressType === p.AddressType) && (!p.AddressIPVersion || x.AddressIPVersion === p.AddressIPVersion),
    );
    return {
      AvailableResources: {
        AvailableResource: support.length
          ? zonePairs(r)
              .filter((pair) => open(pair.master.ZoneId) && (!pair.slave || open(pair.slave.ZoneId)))
              .map((pair) => ({
              MasterZoneId: pair.master.ZoneId,
              SlaveZoneId: pair.slave?.ZoneId ?? '',
              SupportResources: { SupportResource: support },
            }))
          : [],
      },
    };
  },
});
