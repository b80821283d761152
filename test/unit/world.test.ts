import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteStore } from '../../src/state/sqlite-store.js';
import { cidrOverlaps, formatIp, parseAnyIp, parseCidr, parseIp } from '../../src/world/ipv4.js';
import {
  allocateFromPools,
  allocateInVSwitch,
  checkStock,
  createVpc,
  DEFAULT_SETTINGS,
  defaultVpcId,
  deleteInstance,
  deleteVpc,
  ensureRegion,
  lease,
  releaseLease,
  moveStock,
  putInstance,
  vswitchAvailableIps,
  WorldError,
  type VSwitchDoc,
} from '../../src/world/world.js';

test('ipv4 helpers', () => {
  assert.equal(parseIp('127.1.2.3'), 0x7f010203);
  assert.equal(parseIp('127.1.2'), undefined);
  assert.equal(parseIp('256.0.0.1'), undefined);
  assert.equal(parseIp('01.2.3.4'), undefined);
  assert.equal(formatIp(0x7f010203), '127.1.2.3');
  assert.deepEqual(parseCidr('10.0.0.0/8'), { base: 0x0a000000, prefix: 8, first: 0x0a000000, last: 0x0affffff });
  assert.equal(parseCidr('10.0.0.1/8'), undefined, 'host bits set');
  assert.equal(parseCidr('10.0.0.0/33'), undefined);
  assert.ok(cidrOverlaps(parseCidr('10.0.0.0/16')!, parseCidr('10.0.255.0/24')!));
  assert.ok(!cidrOverlaps(parseCidr('10.0.0.0/24')!, parseCidr('10.0.1.0/24')!));
  assert.deepEqual(parseAnyIp('::FFFF:127.3.0.1'), { ip: 0x7f030001, v6: true });
  assert.equal(parseAnyIp('2001:db8::1'), undefined);
});

test('stock verdicts and moves', () => {
  const s = structuredClone(DEFAULT_SETTINGS);
  s.Stock = [
    { RegionId: 'r', ZoneId: 'z', Spec: '*', Available: 1 },
    { RegionId: 'r', ZoneId: 'z', Spec: 'slb.s2.small', Available: 0 },
  ];
  assert.equal(checkStock(s, 'r', 'z', 'slb.s1.small'), 'ok');
  assert.equal(checkStock(s, 'r', 'z', 'slb.s2.small'), 'spec');
  assert.equal(checkStock(s, 'r', 'other', 'slb.s2.small'), 'ok');
  moveStock(s, 'r', 'z', 'slb.s1.small', -1);
  assert.equal(checkStock(s, 'r', 'z', 'slb.s1.small'), 'zone');
  moveStock(s, 'r', 'z', 'slb.s1.small', +1);
  assert.equal(s.Stock[0]!.Available, 1);
  moveStock(s, 'r', 'z', 'slb.s2.small', -1);
  assert.equal(s.Stock[1]!.Available, 0, 'never below zero');
});

test('defaults, allocation and accounting over a real store', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'openslb-world-unit-'));
  const store = new SqliteStore(join(dir, 'db.sqlite'));
  t.after(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const scope = { account: '1000000000000001', region: 'cn-qingdao' };
  let n = 0;
  const newId = (p: string) => `${p}unit${++n}`;

  await t.test('first touch creates the default VPC once, with deterministic ids', async () => {
    await store.write((tx) => ensureRegion(tx, scope, '2026-01-01T00:00:00Z'));
    await store.write((tx) => ensureRegion(tx, scope, '2026-01-02T00:00:00Z'));
    const vpcs = await store.read((tx) => tx.list<{ VpcId: string; CreationTime: string }>('vpc', scope));
    assert.deepEqual(vpcs.map((v) => [v.VpcId, v.CreationTime]), [[defaultVpcId(scope), '2026-01-01T00:00:00Z']]);
    assert.equal(defaultVpcId(scope), defaultVpcId({ ...scope }));
    assert.notEqual(defaultVpcId(scope), defaultVpcId({ ...scope, region: 'cn-beijing' }));
  });

  await t.test('first-fit inside a vSwitch skips reserved addresses, instances and leases', async () => {
    await store.write((tx) => createVpc(tx, scope.account, { RegionId: scope.region, CidrBlock: '10.1.0.0/16', VpcId: 'vpc-u', VSwitches: [{ VSwitchId: 'vsw-u', ZoneId: 'cn-qingdao-b', CidrBlock: '10.1.0.0/28' }] }, 'now', newId));
    await store.write((tx) => putInstance(tx, scope.account, { RegionId: scope.region, PrivateIpAddress: '10.1.0.1', VSwitchId: 'vsw-u' }, 'now', newId));
    await store.write((tx) => lease(tx, { Address: '10.1.0.2', AccountId: scope.account, RegionId: scope.region, LoadBalancerId: 'lb-x' }));
    const vsw = (await store.read((tx) => tx.get<VSwitchDoc>('vswitch', scope, 'vsw-u')))!;
    assert.deepEqual(await store.write((tx) => allocateInVSwitch(tx, scope, vsw)), { ok: true, address: '10.1.0.3' });
    assert.deepEqual(await store.write((tx) => allocateInVSwitch(tx, scope, vsw, '10.1.0.0')), { ok: false, reason: 'outside' });
    assert.deepEqual(await store.write((tx) => allocateInVSwitch(tx, scope, vsw, '10.1.0.13')), { ok: false, reason: 'outside' });
    assert.deepEqual(await store.write((tx) => allocateInVSwitch(tx, scope, vsw, '10.1.0.12')), { ok: true, address: '10.1.0.12' });
    assert.deepEqual(await store.write((tx) => allocateInVSwitch(tx, scope, vsw, '10.1.0.2')), { ok: false, reason: 'taken' });
    // /28 = 16 addresses − 4 reserved − 1 instance − 1 lease
    assert.equal(await store.read((tx) => vswitchAvailableIps(tx, scope, vsw)), 10);
  });

  await t.test('first-fit stays first-fit with the stored hint: released leases, deleted instances, another account on the same block', async () => {
    const other = { account: '1000000000000002', region: scope.region };
    await store.write(async (tx) => {
      await createVpc(tx, scope.account, { RegionId: scope.region, CidrBlock: '10.9.0.0/16', VpcId: 'vpc-h', VSwitches: [{ VSwitchId: 'vsw-h', ZoneId: 'cn-qingdao-b', CidrBlock: '10.9.0.0/24' }] }, 'now', newId);
      await createVpc(tx, other.account, { RegionId: other.region, CidrBlock: '10.9.0.0/16', VpcId: 'vpc-h2', VSwitches: [{ VSwitchId: 'vsw-h2', ZoneId: 'cn-qingdao-b', CidrBlock: '10.9.0.0/24' }] }, 'now', newId);
    });
    const [vsw, vsw2] = await store.read(async (tx) => [(await tx.get<VSwitchDoc>('vswitch', scope, 'vsw-h'))!, (await tx.get<VSwitchDoc>('vswitch', other, 'vsw-h2'))!]);
    // what createLoadBalancer does: allocate and lease in one write
    const take = (s: typeof scope, v: VSwitchDoc, lb: string) =>
      store.write(async (tx) => {
        const a = await allocateInVSwitch(tx, s, v);
        assert.ok(a.ok);
        await lease(tx, { Address: a.address, AccountId: s.account, RegionId: s.region, LoadBalancerId: lb, VSwitchId: v.VSwitchId });
        return a.address;
      });
    assert.deepEqual([await take(scope, vsw!, 'lb-1'), await take(scope, vsw!, 'lb-2'), await take(scope, vsw!, 'lb-3')], ['10.9.0.1', '10.9.0.2', '10.9.0.3']);
    // an address found but not leased (the write went on without it) is found again
    assert.deepEqual(await store.write((tx) => allocateInVSwitch(tx, scope, vsw!)), { ok: true, address: '10.9.0.4' });
    assert.equal(await take(scope, vsw!, 'lb-4'), '10.9.0.4');
    // a released lease below the hint is handed out first again, in every allocation range that holds it
    await store.write((tx) => releaseLease(tx, '10.9.0.2', 'lb-2'));
    assert.equal(await take(other, vsw2!, 'lb-o1'), '10.9.0.2');
    assert.equal(await take(scope, vsw!, 'lb-5'), '10.9.0.5');
    // an instance's address is taken in its own account's VPC only; deleting it frees the address
    await store.write((tx) => putInstance(tx, scope.account, { RegionId: scope.region, PrivateIpAddress: '10.9.0.6', VSwitchId: 'vsw-h', InstanceId: 'i-hint' }, 'now', newId));
    assert.equal(await take(scope, vsw!, 'lb-6'), '10.9.0.7');
    assert.equal(await take(other, vsw2!, 'lb-o2'), '10.9.0.6');
    await store.write((tx) => releaseLease(tx, '10.9.0.6', 'lb-o2'));
    await store.write((tx) => deleteInstance(tx, scope, 'i-hint'));
    assert.equal(await take(scope, vsw!, 'lb-7'), '10.9.0.6');
  });

  await t.test('pools: region-bound first, IPv4-mapped IPv6, requested addresses', async () => {
    assert.deepEqual(await store.write((tx) => allocateFromPools(tx, 'internet-ipv6', 'cn-qingdao')), { ok: true, address: '::ffff:127.3.0.1' });
    assert.deepEqual(await store.write((tx) => allocateFromPools(tx, 'internet', 'cn-qingdao', '127.1.9.9')), { ok: true, address: '127.1.9.9' });
    assert.deepEqual(await store.write((tx) => allocateFromPools(tx, 'internet', 'cn-qingdao', '127.1.0.0')), { ok: false, reason: 'outside' });
    assert.deepEqual(await store.write((tx) => allocateFromPools(tx, 'internet', 'cn-qingdao', '::ffff:127.1.9.9')), { ok: false, reason: 'outside' });
  });

  await t.test('a VPC in use cannot be deleted; otherwise it stays as Deleted', async () => {
    await assert.rejects(
      () => store.write((tx) => deleteVpc(tx, scope.account, scope.region, 'vpc-u', false)),
      (e: unknown) => e instanceof WorldError && e.status === 409,
    );
    await store.write(async (tx) => {
      for (const i of await tx.list<{ InstanceId: string }>('instance', scope)) await tx.delete('instance', scope, i.InstanceId);
    });
    await store.write((tx) => deleteVpc(tx, scope.account, scope.region, 'vpc-u', false));
    assert.equal((await store.read((tx) => tx.get<{ Status: string }>('vpc', scope, 'vpc-u')))?.Status, 'Deleted');
    await store.write((tx) => deleteVpc(tx, scope.account, scope.region, 'vpc-u', true));
    assert.equal(await store.read((tx) => tx.get('vpc', scope, 'vpc-u')), undefined);
    assert.equal(await store.read((tx) => tx.get('vswitch', scope, 'vsw-u')), undefined);
  });
});
