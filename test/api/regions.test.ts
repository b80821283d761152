import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rejects, startTestServer } from '../helpers/server.js';
import { opOk } from '../helpers/operator.js';

test('regions, zones and available resources through pop-core and openapi-client', async (t) => {
  const s = await startTestServer();
  t.after(() => s.stop());

  await t.test('DescribeRegions honours AcceptLanguage', async () => {
    const zh = (await s.call('DescribeRegions', {})) as { Regions: { Region: { RegionId: string; LocalName: string; RegionEndpoint: string }[] } };
    const hz = zh.Regions.Region.find((r) => r.RegionId === 'cn-hangzhou');
    assert.deepEqual({ ...hz }, { RegionId: 'cn-hangzhou', LocalName: '华东1（杭州）', RegionEndpoint: 'slb.aliyuncs.com' });
    const en = (await s.call('DescribeRegions', { AcceptLanguage: 'en-US' }, { method: 'POST' })) as typeof zh;
    assert.equal(en.Regions.Region.find((r) => r.RegionId === 'cn-hangzhou')?.LocalName, 'China (Hangzhou)');
    const ja = await s.v3('DescribeRegions', { AcceptLanguage: 'ja' });
    assert.equal((ja.body as typeof zh).Regions.Region.find((r) => r.RegionId === 'ap-northeast-1')?.LocalName, '日本 (東京)');
  });

  await t.test('DescribeZones lists slave zones; unknown region is a 404', async () => {
    const r = (await s.v3('DescribeZones', { RegionId: 'cn-shanghai', AcceptLanguage: 'en-US' })).body as { Zones: { Zone: { ZoneId: string; LocalName: string; SlaveZones: { SlaveZone: { ZoneId: string }[] } }[] } };
    const a = r.Zones.Zone.find((z) => z.ZoneId === 'cn-shanghai-a')!;
    assert.equal(a.LocalName, 'Shanghai Zone A');
    assert.ok(a.SlaveZones.SlaveZone.some((z) => z.ZoneId === 'cn-shanghai-b'));
    assert.ok(!a.SlaveZones.SlaveZone.some((z) => z.ZoneId === 'cn-shanghai-a'));
    const e = await rejects(() => s.v3('DescribeZones', { RegionId: 'mars-north-1' }));
    assert.equal(e.code, 'InvalidRegionId.NotFound');
    assert.equal(e.statusCode, 404);
    const m = await rejects(() => s.call('DescribeZones', {}));
    assert.equal(m.code, 'MissingParameter');
  });

  await t.test('DescribeAvailableResource filters by address type and IP version', async () => {
    const r = (await s.call('DescribeAvailableResource', { RegionId: 'cn-hangzhou', AddressType: 'vpc' })) as {
      AvailableResources: { AvailableResource: { MasterZoneId: string; SlaveZoneId: string; SupportResources: { SupportResource: { AddressType: string }[] } }[] };
    };
    assert.ok(r.AvailableResources.AvailableResource.length > 0);
    for (const x of r.AvailableResources.AvailableResource) {
      assert.notEqual(x.MasterZoneId, x.SlaveZoneId);
      assert.deepEqual(x.SupportResources.SupportResource.map((y) => y.AddressType), ['vpc']);
    }
    // closed zones and zones without stock offer nothing, as CreateLoadBalancer would refuse them
    await opOk(s, 'PUT', '/world/settings', { UnavailableZones: ['cn-hangzhou-k'] });
    await opOk(s, 'PUT', '/world/stock', { Stock: [{ RegionId: 'cn-hangzhou', ZoneId: 'cn-hangzhou-j', Spec: '*', Available: 0 }] });
    const narrowed = (await s.call('DescribeAvailableResource', { RegionId: 'cn-hangzhou', AddressType: 'vpc' })) as typeof r;
    const zones = narrowed.AvailableResources.AvailableResource.flatMap((x) => [x.MasterZoneId, x.SlaveZoneId]);
    assert.ok(zones.length > 0 && !zones.includes('cn-hangzhou-k') && !zones.includes('cn-hangzhou-j'));
    assert.ok(zones.includes('cn-hangzhou-b'));
    const none = (await s.call('DescribeAvailableResource', { RegionId: 'cn-hangzhou', AddressType: 'vpc', AddressIPVersion: 'ipv6' })) as typeof r;
    assert.deepEqual(none.AvailableResources.AvailableResource, []);
  });
});
