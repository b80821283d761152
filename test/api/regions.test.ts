import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rejects, startTestServer } from '../helpers/server.js';

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
    const none = (await s.call('DescribeAvailableResource', { RegionId: 'cn-hangzhou', AddressType: 'vpc', AddressIPVersion: 'ipv6' })) as typeof r;
    assert.deepEqual(none.AvailableResources.AvailableResource, []);
  });
});
