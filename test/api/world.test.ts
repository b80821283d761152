import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { defaultVSwitches, op, opOk } from '../helpers/operator.js';
import { rejects, startTestServer } from '../helpers/server.js';

const run = promisify(execFile);
const R = 'cn-hangzhou';
type Body = Record<string, unknown>;

const WORLD = {
  Vpcs: [
    {
      VpcId: 'vpc-worldfile01',
      RegionId: R,
      CidrBlock: '127.80.0.0/16',
      VpcName: 'from-file',
      VSwitches: [
        { VSwitchId: 'vsw-worldfile01', ZoneId: 'cn-hangzhou-h', CidrBlock: '127.80.1.0/24' },
        { VSwitchId: 'vsw-worldfile02', ZoneId: 'cn-hangzhou-i', CidrBlock: '127.80.2.0/24' },
      ],
    },
    { VpcId: 'vpc-worldfile02', RegionId: 'cn-shanghai', CidrBlock: '127.81.0.0/16', Status: 'Creating', VSwitches: [{ VSwitchId: 'vsw-worldfile03', ZoneId: 'cn-shanghai-b', CidrBlock: '127.81.0.0/24' }] },
  ],
  Instances: [
    { InstanceId: 'i-worldweb01', RegionId: R, PrivateIpAddress: '127.80.1.10', VpcId: 'vpc-worldfile01', VSwitchId: 'vsw-worldfile01' },
    { InstanceId: 'i-worldweb02', RegionId: R, PrivateIpAddress: '127.80.2.10', VSwitchId: 'vsw-worldfile02', Status: 'Stopped' },
    { InstanceId: 'i-classic01', RegionId: R, PrivateIpAddress: '127.0.0.1' },
  ],
  ResourceGroups: [{ Name: 'team-a' }],
  Quotas: { LoadBalancersPerRegion: 100 },
  Stock: [{ RegionId: R, ZoneId: 'cn-hangzhou-k', Spec: '*', Available: 0 }],
};

test('the world: operator API, world file, CLI', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'openslb-world-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'world.json');
  writeFileSync(file, JSON.stringify(WORLD));
  const s = await startTestServer({ world: file });
  t.after(() => s.stop());
  const call = async (action: string, params: Body = {}) => JSON.parse(JSON.stringify(await s.call(action, params))) as Body;

  await t.test('the operator API needs the operator token', async () => {
    assert.match(s.operatorToken, /^osop_/);
    assert.equal(readFileSync(join(s.dataDir, 'operator-token'), 'utf8').trim(), s.operatorToken);
    const none = await op(s, 'GET', '/world/vpcs', undefined, '');
    assert.equal(none.status, 401);
    assert.equal(none.body['Code'], 'Unauthorized');
    const wrong = await op(s, 'GET', '/world/vpcs', undefined, 'osop_wrong');
    assert.equal(wrong.status, 401);
    const unknown = await op(s, 'GET', '/world/nothing-here');
    assert.equal(unknown.status, 404);
    const bad = await op(s, 'POST', '/world/vpcs', '{not json');
    assert.deepEqual([bad.status, bad.body['Code']], [400, 'MalformedJson']);
    // the RPC path is unaffected by the operator prefix, and the operator token is no AccessKey
    const rpc = await rejects(() => s.pop({ accessKeyId: s.operatorToken, accessKeySecret: 'x' }).request('DescribeRegions', {}));
    assert.equal(rpc.code, 'InvalidAccessKeyId.NotFound');
  });

  await t.test('--world FILE loaded VPCs, vSwitches, instances, resource groups, quotas and stock', async () => {
    const w = await opOk(s, 'GET', `/world?RegionId=${R}`);
    const vpcs = w['Vpcs'] as { VpcId: string; Status: string; VSwitches: { VSwitchId: string }[] }[];
    const fromFile = vpcs.find((v) => v.VpcId === 'vpc-worldfile01')!;
    assert.deepEqual(fromFile.VSwitches.map((v) => v.VSwitchId), ['vsw-worldfile01', 'vsw-worldfile02']);
    const insts = w['Instances'] as { InstanceId: string; NetworkType: string; Status: string; VpcId?: string; ZoneId?: string }[];
    assert.deepEqual(
      insts.map((i) => [i.InstanceId, i.NetworkType, i.Status, i.VpcId ?? '']),
      [
        ['i-worldweb01', 'vpc', 'Running', 'vpc-worldfile01'],
        ['i-worldweb02', 'vpc', 'Stopped', 'vpc-worldfile01'],
        ['i-classic01', 'classic', 'Running', ''],
      ],
    );
    assert.equal(insts[0]!.ZoneId, 'cn-hangzhou-h');
    assert.ok((w['ResourceGroups'] as { Name: string }[]).some((g) => g.Name === 'team-a'));
    assert.equal((w['Quotas'] as { LoadBalancersPerRegion: number }).LoadBalancersPerRegion, 100);
    // a load balancer in the file's vSwitch, avoiding the instance's address
    const lb = await call('CreateLoadBalancer', { RegionId: R, AddressType: 'intranet', VSwitchId: 'vsw-worldfile01', Address: '127.80.1.10' }).catch((e: { data: Body }) => e.data);
    assert.equal(lb['Message'], 'The vpc Ip is exist.');
    const ok = await call('CreateLoadBalancer', { RegionId: R, AddressType: 'intranet', VSwitchId: 'vsw-worldfile01' });
    assert.equal(ok['Address'], '127.80.1.1');
    assert.equal(ok['VpcId'], 'vpc-worldfile01');
    const sh = await rejects(() => s.call('CreateLoadBalancer', { RegionId: 'cn-shanghai', AddressType: 'intranet', VSwitchId: 'vsw-worldfile03' }));
    assert.equal(sh.code, 'VpcStatusError');
    const stock = await rejects(() => s.call('CreateLoadBalancer', { RegionId: R, MasterZoneId: 'cn-hangzhou-k' }));
    assert.equal(stock.code, 'InsufficientCapacity');
    // the world's instances are what later families use as backend servers
    const all = await opOk(s, 'GET', '/world/instances');
    assert.equal((all['Instances'] as unknown[]).length, 3);
  });

  await t.test('loading the same file again changes nothing; a bad file changes nothing at all', async () => {
    const before = await opOk(s, 'GET', '/world');
    const again = await opOk(s, 'POST', '/world/load', WORLD);
    assert.deepEqual([again['Vpcs'], again['VSwitches'], again['Instances']], [2, 3, 3]);
    const after = await opOk(s, 'GET', '/world');
    assert.deepEqual(after['Vpcs'], before['Vpcs']);
    assert.deepEqual(after['Instances'], before['Instances']);
    const broken = await op(s, 'POST', '/world/load', {
      Vpcs: [{ VpcId: 'vpc-partial', RegionId: R, CidrBlock: '127.90.0.0/16', VSwitches: [{ VSwitchId: 'vsw-outside', ZoneId: 'cn-hangzhou-b', CidrBlock: '127.91.0.0/24' }] }],
    });
    assert.equal(broken.status, 400);
    assert.match(String(broken.body['Message']), /not inside the VPC block/);
    const vpcs = (await opOk(s, 'GET', `/world/vpcs?RegionId=${R}`))['Vpcs'] as { VpcId: string }[];
    assert.ok(!vpcs.some((v) => v.VpcId === 'vpc-partial'));
    const unknownField = await op(s, 'POST', '/world/load', { Vpc: [] });
    assert.deepEqual([unknownField.status, unknownField.body['Code']], [400, 'InvalidWorld']);
  });

  await t.test('VPC, vSwitch and instance validation', async () => {
    const cases: [string, string, unknown, number, string][] = [
      ['POST', '/world/vpcs', { RegionId: 'mars-1', CidrBlock: '10.0.0.0/16' }, 400, 'InvalidRegionId'],
      ['POST', '/world/vpcs', { RegionId: R, CidrBlock: '10.0.0.1/16' }, 400, 'InvalidCidrBlock'],
      ['POST', '/world/vpcs', { RegionId: R, CidrBlock: '10.0.0.0/16', VpcId: 'vpc-worldfile01' }, 409, 'VpcExists'],
      ['POST', '/world/vswitches', { RegionId: R, VpcId: 'vpc-worldfile01', ZoneId: 'cn-hangzhou-b', CidrBlock: '127.80.1.128/25' }, 409, 'CidrConflict'],
      ['POST', '/world/vswitches', { RegionId: R, VpcId: 'vpc-worldfile01', ZoneId: 'cn-shanghai-b', CidrBlock: '127.80.9.0/24' }, 400, 'InvalidZoneId'],
      ['POST', '/world/vswitches', { RegionId: R, VpcId: 'vpc-nope', ZoneId: 'cn-hangzhou-b', CidrBlock: '127.80.9.0/24' }, 404, 'VpcNotFound'],
      ['POST', '/world/instances', { RegionId: R, PrivateIpAddress: '127.80.3.1', VSwitchId: 'vsw-worldfile01' }, 400, 'InvalidPrivateIpAddress'],
      ['POST', '/world/instances', { RegionId: R, PrivateIpAddress: '127.80.1.10', VSwitchId: 'vsw-worldfile01' }, 409, 'IpInUse'],
      ['POST', '/world/instances', { RegionId: R, PrivateIpAddress: '127.80.1.1', VSwitchId: 'vsw-worldfile01' }, 409, 'IpInUse'],
      ['POST', '/world/instances', { RegionId: R, PrivateIpAddress: 'not-an-ip' }, 400, 'InvalidPrivateIpAddress'],
      ['POST', '/world/instances', { RegionId: R, PrivateIpAddress: '127.0.0.2', Status: 'Exploded' }, 400, 'InvalidStatus'],
      ['PUT', '/world/stock', { Stock: [{ RegionId: R, ZoneId: 'cn-hangzhou-b', Spec: 'slb.s9', Available: 1 }] }, 400, 'InvalidSpec'],
      ['PUT', '/world/quotas', { Quotas: { LoadBalancersPerRegion: -1 } }, 400, 'InvalidQuota'],
      ['PUT', '/world/pools', { Pools: [{ Name: 'x', Kind: 'public', CidrBlock: '127.5.0.0/24' }] }, 400, 'InvalidPool'],
      ['PUT', '/world/settings', { Nope: true }, 400, 'UnknownField'],
      ['PUT', '/load-balancers/lb-none/lock', { Locked: true }, 404, 'LoadBalancerNotFound'],
    ];
    for (const [method, path, body, status, code] of cases) {
      const r = await op(s, method, path, body);
      assert.deepEqual([path, r.status, r.body['Code']], [path, status, code], JSON.stringify(r.body));
    }
    const inst = await opOk(s, 'POST', '/world/instances', { RegionId: R, PrivateIpAddress: '127.80.2.20', VSwitchId: 'vsw-worldfile02' });
    assert.match(String(inst['InstanceId']), /^i-[a-z0-9]{20}$/);
    const stopped = await opOk(s, 'PATCH', `/world/instances/${R}/${String(inst['InstanceId'])}`, { Status: 'Stopped' });
    assert.equal(stopped['Status'], 'Stopped');
    await opOk(s, 'DELETE', `/world/instances/${R}/${String(inst['InstanceId'])}`);
    assert.equal((await op(s, 'DELETE', `/world/instances/${R}/${String(inst['InstanceId'])}`)).status, 404);
  });

  await t.test('default VPC per region on first touch, loopback, with one /16 vSwitch per zone', async () => {
    const vsws = await defaultVSwitches(s, 'cn-qingdao');
    const vpcs = (await opOk(s, 'GET', '/world/vpcs?RegionId=cn-qingdao'))['Vpcs'] as { VpcId: string; CidrBlock: string; IsDefault: boolean }[];
    assert.deepEqual(vpcs.map((v) => [v.CidrBlock, v.IsDefault]), [['127.16.0.0/12', true]]);
    assert.deepEqual(vsws.map((v) => [v.ZoneId, v.CidrBlock, v.AvailableIpAddressCount]), [
      ['cn-qingdao-b', '127.16.0.0/16', 65532],
      ['cn-qingdao-c', '127.17.0.0/16', 65532],
    ]);
    // same ids on every call (deterministic), and distinct addresses across regions sharing the block
    assert.deepEqual((await defaultVSwitches(s, 'cn-qingdao')).map((v) => v.VSwitchId), vsws.map((v) => v.VSwitchId));
    const hz = (await defaultVSwitches(s, R))[0]!;
    const a = await call('CreateLoadBalancer', { RegionId: 'cn-qingdao', AddressType: 'intranet', VSwitchId: vsws[0]!.VSwitchId });
    const b = await call('CreateLoadBalancer', { RegionId: R, AddressType: 'intranet', VSwitchId: hz.VSwitchId });
    assert.notEqual(a['Address'], b['Address']);
    const leases = (await opOk(s, 'GET', '/world/leases'))['Leases'] as { Address: string }[];
    assert.ok(leases.some((l) => l.Address === a['Address']));
  });

  await t.test('CLI: world vpc list / create, load FILE, lb lock through the operator API', async () => {
    const cli = (...args: string[]) => run(process.execPath, ['bin/openslb.mjs', ...args, '--url', s.url, '--token', s.operatorToken], { cwd: process.cwd() });
    const created = JSON.parse((await cli('world', 'vpc', 'create', '--region', 'cn-beijing', '--cidr', '127.100.0.0/16', '--id', 'vpc-clitest')).stdout) as Body;
    assert.equal(created['VpcId'], 'vpc-clitest');
    await cli('world', 'vswitch', 'create', '--region', 'cn-beijing', '--vpc', 'vpc-clitest', '--zone', 'cn-beijing-a', '--cidr', '127.100.1.0/24', '--id', 'vsw-clitest');
    const listed = JSON.parse((await cli('world', 'vpc', 'list', '--region', 'cn-beijing')).stdout) as { Vpcs: { VpcId: string; VSwitchIds: string[] }[] };
    assert.deepEqual(listed.Vpcs.find((v) => v.VpcId === 'vpc-clitest')?.VSwitchIds, ['vsw-clitest']);
    const f = join(dir, 'more.json');
    writeFileSync(f, JSON.stringify({ Instances: [{ InstanceId: 'i-fromcli01', RegionId: 'cn-beijing', PrivateIpAddress: '127.100.1.50', VSwitchId: 'vsw-clitest' }] }));
    const loaded = JSON.parse((await cli('world', 'load', f)).stdout) as Body;
    assert.equal(loaded['Instances'], 1);
    const lb = await call('CreateLoadBalancer', { RegionId: 'cn-beijing', AddressType: 'intranet', VSwitchId: 'vsw-clitest' });
    await cli('lb', 'lock', String(lb['LoadBalancerId']), '--reason', 'security');
    const e = await rejects(() => s.call('SetLoadBalancerName', { LoadBalancerId: lb['LoadBalancerId'], LoadBalancerName: 'x' }));
    assert.equal(e.data['Message'], 'Locked for any Operate Reason.');
    await cli('lb', 'unlock', String(lb['LoadBalancerId']));
    await cli('world', 'set', 'quotas', '{"Quotas":{"MaxBandwidth":4000}}');
    const q = JSON.parse((await cli('world', 'get', 'quotas')).stdout) as { Quotas: { MaxBandwidth: number } };
    assert.equal(q.Quotas.MaxBandwidth, 4000);
    const failed = await rejects(() => cli('world', 'vpc', 'status', 'cn-beijing', 'vpc-missing', 'Deleted'));
    assert.match(String((failed as unknown as { stderr: string }).stderr), /HTTP 404 VpcNotFound/);
    const noToken = await rejects(() => run(process.execPath, ['bin/openslb.mjs', 'world', 'vpc', 'list', '--url', s.url, '--data-dir', join(dir, 'empty')], { env: { ...process.env, OPENSLB_OPERATOR_TOKEN: '' } }));
    assert.match(String((noToken as unknown as { stderr: string }).stderr), /no operator token/);
  });
});

test('the operator token survives restarts; a broken world file stops the start', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'openslb-world2-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const generated: string[] = [];
  const a = await startTestServer({ dataDir: join(dir, 'data'), keepDir: true, onOperatorTokenGenerated: (tok) => generated.push(tok) });
  const token = a.operatorToken;
  await a.stop();
  const b = await startTestServer({ dataDir: join(dir, 'data'), keepDir: true, onOperatorTokenGenerated: (tok) => generated.push(tok) });
  assert.equal(b.operatorToken, token);
  assert.deepEqual(generated, [token]);
  await b.stop();
  const bad = join(dir, 'bad.json');
  writeFileSync(bad, JSON.stringify({ Instances: [{ InstanceId: 'i-x', RegionId: 'nowhere-1', PrivateIpAddress: '127.0.0.9' }] }));
  await assert.rejects(() => startTestServer({ dataDir: join(dir, 'data2'), world: bad }), /--world .*unknown region "nowhere-1"/);
  writeFileSync(bad, '{');
  await assert.rejects(() => startTestServer({ dataDir: join(dir, 'data3'), world: bad }), /--world /);
});

test('openslb serve --world FILE prints the operator token once and serves the loaded world', async (t) => {
  const { spawn } = await import('node:child_process');
  const dir = mkdtempSync(join(tmpdir(), 'openslb-world3-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'world.json');
  writeFileSync(file, JSON.stringify({ Vpcs: [WORLD.Vpcs[0]], Instances: [WORLD.Instances[0]] }));
  const start = () => {
    const env: NodeJS.ProcessEnv = { ...process.env, OPENSLB_ACCESS_KEY_ID: 'LTAIworldcli000000001', OPENSLB_ACCESS_KEY_SECRET: 'worldcliSecret0001' };
    delete env['OPENSLB_OPERATOR_TOKEN'];
    const child = spawn(process.execPath, ['bin/openslb.mjs', 'serve', '--listen', '127.0.0.1:0', '--data-dir', join(dir, 'data'), '--world', file], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let isReady = false;
    const ready = new Promise<{ url: string; out: () => string }>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`not ready: ${out}`)), 30_000);
      child.on('exit', (code) => reject(new Error(`exited ${code}: ${out}`)));
      child.stderr.on('data', (c: Buffer) => (out += c.toString()));
      child.stdout.on('data', (c: Buffer) => {
        out += c.toString();
        const m = /OpenSLB API listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
        if (m && !isReady) {
          isReady = true;
          clearTimeout(timer);
          child.removeAllListeners('exit');
          resolve({ url: m[1]!, out: () => out });
        }
      });
    });
    const stop = () =>
      new Promise<void>((resolve, reject) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        const timer = setTimeout(() => reject(new Error(`no exit after SIGTERM: ${out}`)), 15_000);
        child.once('exit', () => {
          clearTimeout(timer);
          resolve();
        });
        child.kill('SIGTERM');
      });
    return { ready, stop };
  };
  const first = start();
  const r1 = await first.ready;
  const m = /Generated the operator API token \(shown once; stored in (.+)\):\n\s+(osop_\S+)/.exec(r1.out());
  assert.ok(m, r1.out());
  assert.equal(readFileSync(m[1]!, 'utf8').trim(), m[2]);
  const res = await fetch(`${r1.url}/_openslb/world/vswitches?RegionId=${R}&VpcId=vpc-worldfile01`, { headers: { authorization: `Bearer ${m[2]}`, connection: 'close' } });
  assert.equal(res.status, 200);
  const body = (await res.json()) as { VSwitches: { VSwitchId: string; AvailableIpAddressCount: number }[] };
  assert.deepEqual(body.VSwitches.map((v) => [v.VSwitchId, v.AvailableIpAddressCount]), [['vsw-worldfile01', 251], ['vsw-worldfile02', 252]]);
  await first.stop();
  // second start: same data dir, same file — the token is not printed again and the load is a no-op
  const second = start();
  const r2 = await second.ready;
  assert.doesNotMatch(r2.out(), /operator API token/);
  await second.stop();
});
