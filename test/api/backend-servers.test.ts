// The default server group (AddBackendServers, RemoveBackendServers, SetBackendServers) and
// DescribeHealthStatus, through pop-core and openapi-client, replaying Terraform's
// alicloud_slb_backend_server and alicloud_slb_attachment flows.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rejects, startTestServer } from '../helpers/server.js';
import {
  REGION,
  expectError,
  getLoadBalancer,
  patchInstance,
  putInstance,
  putInstances,
  putListener,
  putLoadBalancer,
  putRule,
  tfChunks,
  tfServers,
  plain,
} from '../helpers/fixtures-servers.js';
import { MemoryHealthView, setHealthView } from '../../src/products/slb/services/health-view.js';

type Listed = { LoadBalancerId: string; BackendServers: { BackendServer: Record<string, unknown>[] } };

test('default server group through the real clients', async (t) => {
  const s = await startTestServer();
  t.after(() => s.stop());

  await t.test('Terraform alicloud_slb_backend_server: single-quoted add, weight change, remove', async () => {
    const lb = await putLoadBalancer(s);
    const [a, b] = await putInstances(s, 2);
    const added = (await s.call('AddBackendServers', {
      RegionId: REGION,
      LoadBalancerId: lb.LoadBalancerId,
      BackendServers: tfServers([
        { ServerId: a!.InstanceId, Weight: 100, Type: 'ecs' },
        { ServerId: b!.InstanceId, Weight: 50, Type: 'ecs', ServerIp: b!.PrivateIpAddress },
      ]),
    })) as Listed;
    assert.deepEqual(Object.keys(added).sort(), ['BackendServers', 'LoadBalancerId', 'RequestId']);
    assert.equal(added.LoadBalancerId, lb.LoadBalancerId);
    // Weight is a number on the wire in every action (docs/wire-types.md: aliyungo decodes an int).
    assert.deepEqual(plain(added.BackendServers.BackendServer), [
      { ServerId: a!.InstanceId, Weight: 100, Type: 'ecs' },
      { ServerId: b!.InstanceId, Weight: 50, Type: 'ecs' },
    ]);
    const stored = await getLoadBalancer(s, lb.LoadBalancerId);
    assert.deepEqual(stored!.BackendServers, [
      { ServerId: a!.InstanceId, Weight: 100, Type: 'ecs', ServerIp: a!.PrivateIpAddress },
      { ServerId: b!.InstanceId, Weight: 50, Type: 'ecs', ServerIp: b!.PrivateIpAddress },
    ]);

    const set = (await s.v3('SetBackendServers', {
      RegionId: REGION,
      LoadBalancerId: lb.LoadBalancerId,
      BackendServers: JSON.stringify([{ ServerId: b!.InstanceId, Weight: 0 }]),
    })).body as Listed;
    assert.deepEqual(set.BackendServers.BackendServer.map((x) => [x['ServerId'], x['Weight']]), [
      [a!.InstanceId, 100],
      [b!.InstanceId, 0],
    ]);

    const removed = (await s.call('RemoveBackendServers', {
      RegionId: REGION,
      LoadBalancerId: lb.LoadBalancerId,
      BackendServers: tfServers([{ ServerId: a!.InstanceId, Weight: 100, Type: 'ecs' }]),
    }, { method: 'POST' })) as Listed;
    // The remaining servers, Weight a number as in every action.
    assert.deepEqual(plain(removed.BackendServers.BackendServer), [{ ServerId: b!.InstanceId, Weight: 0, Type: 'ecs' }]);
  });

  await t.test('Terraform alicloud_slb_attachment: 40 servers in chunks of 20, the empty trailing chunk is a no-op', async () => {
    const lb = await putLoadBalancer(s);
    const list = await putInstances(s, 40);
    const chunks = tfChunks(list);
    assert.equal(chunks.length, 3);
    for (const chunk of chunks) {
      const params: Record<string, unknown> = { RegionId: REGION, LoadBalancerId: lb.LoadBalancerId };
      if (chunk.length) params['BackendServers'] = tfServers(chunk.map((i) => ({ ServerId: i.InstanceId, Weight: 100, Type: 'ecs' })));
      const r = (await s.call('AddBackendServers', params)) as Listed;
      assert.equal(r.LoadBalancerId, lb.LoadBalancerId);
    }
    assert.equal((await getLoadBalancer(s, lb.LoadBalancerId))!.BackendServers.length, 40);
    for (const chunk of tfChunks(list)) {
      const params: Record<string, unknown> = { RegionId: REGION, LoadBalancerId: lb.LoadBalancerId };
      if (chunk.length) params['BackendServers'] = tfServers(chunk.map((i) => ({ ServerId: i.InstanceId, Weight: 100, Type: 'ecs' })));
      await s.v3('RemoveBackendServers', params);
    }
    assert.deepEqual((await getLoadBalancer(s, lb.LoadBalancerId))!.BackendServers, []);
  });

  await t.test('RemoveBackendServers takes the legacy list of instance ids (aliyungo, the cloud controller), also mixed with objects', async () => {
    const lb = await putLoadBalancer(s);
    const [a, b, c] = await putInstances(s, 3);
    const all = [a, b, c].map((i) => ({ ServerId: i!.InstanceId, Weight: 100 }));
    await s.call('AddBackendServers', { RegionId: REGION, LoadBalancerId: lb.LoadBalancerId, BackendServers: JSON.stringify(all) });
    const removed = (await s.call('RemoveBackendServers', { RegionId: REGION, LoadBalancerId: lb.LoadBalancerId, BackendServers: JSON.stringify([a!.InstanceId]) })) as Listed;
    assert.deepEqual(removed.BackendServers.BackendServer.map((x) => x['ServerId']), [b!.InstanceId, c!.InstanceId]);
    const mixed = (await s.v3('RemoveBackendServers', { RegionId: REGION, LoadBalancerId: lb.LoadBalancerId, BackendServers: JSON.stringify([b!.InstanceId, { ServerId: c!.InstanceId }]) })).body as Listed;
    assert.deepEqual(mixed.BackendServers.BackendServer, []);
    // an id that is not a member is refused as in the object form, and nothing changes
    await s.call('AddBackendServers', { RegionId: REGION, LoadBalancerId: lb.LoadBalancerId, BackendServers: JSON.stringify(all.slice(0, 1)) });
    const e = await rejects(() => s.call('RemoveBackendServers', { RegionId: REGION, LoadBalancerId: lb.LoadBalancerId, BackendServers: JSON.stringify([a!.InstanceId, 'i-notamember']) }));
    assert.notEqual(e.code, 'BackendServersMalformed');
    assert.deepEqual((await getLoadBalancer(s, lb.LoadBalancerId))!.BackendServers.map((x) => x.ServerId), [a!.InstanceId]);
    // the bare-id form is RemoveBackendServers' own: Add and Set still want objects
    await expectError(s, 'AddBackendServers', { RegionId: REGION, LoadBalancerId: lb.LoadBalancerId, BackendServers: JSON.stringify([b!.InstanceId]) }, { code: 'BackendServersMalformed', status: 400, message: 'the specified parameter BackendServers is unavailable.' });
  });

  await t.test('adding a member again updates it (idempotent retries); eni and eci servers keep their type', async () => {
    const lb = await putLoadBalancer(s);
    const ecs = await putInstance(s);
    const eni = await putInstance(s, { Type: 'eni' });
    const eci = await putInstance(s, { Type: 'eci' });
    const body = JSON.stringify([
      { ServerId: ecs.InstanceId },
      { ServerId: eni.InstanceId, Type: 'eni', ServerIp: '192.168.77.7', Weight: '30' },
      { ServerId: eci.InstanceId, Type: 'eci', Description: 'pod-a' },
    ]);
    await s.call('AddBackendServers', { LoadBalancerId: lb.LoadBalancerId, BackendServers: body });
    const again = (await s.call('AddBackendServers', { LoadBalancerId: lb.LoadBalancerId, BackendServers: JSON.stringify([{ ServerId: ecs.InstanceId, Weight: 7 }]) })) as Listed;
    assert.deepEqual(plain(again.BackendServers.BackendServer), [
      { ServerId: ecs.InstanceId, Weight: 7, Type: 'ecs' },
      { ServerId: eni.InstanceId, Weight: 30, Type: 'eni' },
      { ServerId: eci.InstanceId, Weight: 100, Type: 'eci', Description: 'pod-a' },
    ]);
    const stored = (await getLoadBalancer(s, lb.LoadBalancerId))!.BackendServers;
    assert.equal(stored.find((x) => x.ServerId === eni.InstanceId)!.ServerIp, '192.168.77.7');
    assert.equal(stored.find((x) => x.ServerId === eci.InstanceId)!.ServerIp, eci.PrivateIpAddress);
  });

  await t.test('parameter errors: malformed JSON, too many in one call, weight, type, empty id', async () => {
    const lb = await putLoadBalancer(s);
    const [i] = await putInstances(s, 1);
    const base = { RegionId: REGION, LoadBalancerId: lb.LoadBalancerId };
    await expectError(s, 'AddBackendServers', { ...base, BackendServers: "[{'ServerId':'i-x'" }, { code: 'BackendServersMalformed', status: 400, message: 'the specified parameter BackendServers is unavailable.' });
    await expectError(s, 'RemoveBackendServers', { ...base, BackendServers: 'i-1,i-2' }, { code: 'BackendServersMalformed', status: 400, message: 'the specified parameter BackendServers is unavailable.' });
    const many = JSON.stringify(Array.from({ length: 21 }, (_, n) => ({ ServerId: `i-many${n}` })));
    await expectError(s, 'AddBackendServers', { ...base, BackendServers: many }, { code: 'TooManyBackendServers', status: 400, message: 'The total number of input real servers exceeds max supported number: 20' });
    await expectError(s, 'SetBackendServers', { ...base, BackendServers: many }, { code: 'TooManyBackendServers', status: 400, message: 'The total number of input real servers exceeds max supported number: 20' });
    for (const w of ['101', '-1', 'abc', '1.5']) {
      await expectError(s, 'AddBackendServers', { ...base, BackendServers: tfServers([{ ServerId: i!.InstanceId, Weight: w }]) }, { code: 'InvalidWeight.Malformed', status: 400, message: 'A specified weight is not valid.' });
    }
    await expectError(s, 'AddBackendServers', { ...base, BackendServers: JSON.stringify([{ ServerId: i!.InstanceId, Type: 'vm' }]) }, { code: 'InvalidParameter', status: 400, message: 'The specified BackendServers is invalid.' });
    await expectError(s, 'AddBackendServers', { ...base, BackendServers: JSON.stringify([{ ServerId: i!.InstanceId }, { ServerId: i!.InstanceId }]) }, { code: 'InvalidParameter', status: 400, message: 'The specified BackendServers is invalid.' });
    await expectError(s, 'AddBackendServers', { ...base, BackendServers: JSON.stringify([{ ServerId: i!.InstanceId, Description: 'd'.repeat(81) }]) }, { code: 'InvalidParameter', status: 400, message: 'The specified BackendServers is invalid.' });
    await expectError(s, 'AddBackendServers', { ...base, BackendServers: JSON.stringify([{ ServerId: '', Weight: 1 }]) }, { code: 'InvalidParameter', status: 400, message: 'The VmName is emtpy.' });
    await expectError(s, 'AddBackendServers', { ...base, LoadBalancerId: 'lb-nope', BackendServers: JSON.stringify([{ ServerId: i!.InstanceId }]) }, { code: 'InvalidLoadBalancerId.NotFound', status: 404, message: 'The specified LoadBalancerId does not exist.' });
    assert.deepEqual((await getLoadBalancer(s, lb.LoadBalancerId))!.BackendServers, []);
  });

  await t.test('instance errors: unknown id (404), stopped (ObtainIpFail), address-less (The Rs IP is empty.), network type, inconsistent VPCs', async () => {
    const lb = await putLoadBalancer(s);
    const base = { RegionId: REGION, LoadBalancerId: lb.LoadBalancerId };
    const ok = await putInstance(s);
    const stopped = await putInstance(s, { Status: 'Stopped' });
    const starting = await putInstance(s, { Status: 'Starting' });
    const noIp = await putInstance(s, { PrivateIpAddress: '' });
    const classic = await putInstance(s, { NetworkType: 'classic', VpcId: undefined, VSwitchId: undefined });
    const otherVpc = await putInstance(s, { VpcId: 'vpc-bp1other00000000000001' });
    const eni = await putInstance(s, { Type: 'eni' });
    const add = (ids: { ServerId: string; Type?: string }[]) => ({ ...base, BackendServers: JSON.stringify(ids) });
    await expectError(s, 'AddBackendServers', add([{ ServerId: ok.InstanceId }, { ServerId: 'i-doesnotexist' }]), { code: 'InvalidServerId.NotFound', status: 404, message: 'The specified ServerId does not exist.' });
    // an ENI named as an ECS instance does not exist as an ECS instance
    await expectError(s, 'AddBackendServers', add([{ ServerId: eni.InstanceId }]), { code: 'InvalidServerId.NotFound', status: 404, message: 'The specified ServerId does not exist.' });
    // an ENI backend's ServerIp must be an IP address (seed row 111)
    for (const ServerIp of ['not-an-ip', '10.0.0.256', '10.0.0.1/24']) {
      await expectError(s, 'AddBackendServers', add([{ ServerId: eni.InstanceId, Type: 'eni', ServerIp } as never]), { code: 'InvalidParameter', status: 400, message: 'The vm address is not Support.' });
    }
    const obtain = { code: 'ObtainIpFail', status: 400, message: 'The specified BackendServers is invalid; some of the specified backend servers do not exist or are not running.' };
    for (const i of [stopped, starting]) await expectError(s, 'AddBackendServers', add([{ ServerId: i.InstanceId }]), obtain);
    // running but without a private address: its IP cannot be obtained (seed row 107)
    await expectError(s, 'AddBackendServers', add([{ ServerId: noIp.InstanceId }]), { code: 'InvalidParameter', status: 400, message: 'The Rs IP is empty.' });
    await expectError(s, 'AddBackendServers', add([{ ServerId: classic.InstanceId }]), { code: 'InvalidParameter', status: 400, message: 'The specified load balancer does not support the network type of the ECS instance.' });
    const inconsistent = { code: 'InvalidBackendServers.Inconsistent', status: 400, message: 'All BackendServers on one Specified LoadBalancer have to be in the same vpc or all classic' };
    await expectError(s, 'AddBackendServers', add([{ ServerId: otherVpc.InstanceId }]), inconsistent);
    assert.deepEqual((await getLoadBalancer(s, lb.LoadBalancerId))!.BackendServers, []);

    // A classic internet load balancer takes classic or VPC servers, but not both at once.
    const internet = await putLoadBalancer(s, { NetworkType: 'classic', AddressType: 'internet', VpcId: '', VSwitchId: '' });
    await s.call('AddBackendServers', { LoadBalancerId: internet.LoadBalancerId, BackendServers: JSON.stringify([{ ServerId: classic.InstanceId }]) });
    await expectError(s, 'AddBackendServers', { LoadBalancerId: internet.LoadBalancerId, BackendServers: JSON.stringify([{ ServerId: ok.InstanceId }]) }, inconsistent);
    // A classic intranet load balancer reaches classic servers only.
    const intranet = await putLoadBalancer(s, { NetworkType: 'classic', AddressType: 'intranet', VpcId: '', VSwitchId: '' });
    await expectError(s, 'AddBackendServers', { LoadBalancerId: intranet.LoadBalancerId, BackendServers: JSON.stringify([{ ServerId: ok.InstanceId }]) }, { code: 'InvalidParameter', status: 400, message: 'The specified load balancer does not support the network type of the ECS instance.' });
    // An instance that stopped after it was added can still be removed.
    await s.call('AddBackendServers', add([{ ServerId: ok.InstanceId }]));
    await patchInstance(s, ok.InstanceId, { Status: 'Stopped' });
    await s.call('RemoveBackendServers', add([{ ServerId: ok.InstanceId }]));
  });

  await t.test('members: removing or setting a server that is not in the group is the 400 InvalidServerId.NotFound', async () => {
    const lb = await putLoadBalancer(s);
    const [a, b] = await putInstances(s, 2);
    await s.call('AddBackendServers', { LoadBalancerId: lb.LoadBalancerId, BackendServers: JSON.stringify([{ ServerId: a!.InstanceId }]) });
    const notFound = { code: 'InvalidServerId.NotFound', status: 400, message: 'The specified server is not found.' };
    await expectError(s, 'RemoveBackendServers', { LoadBalancerId: lb.LoadBalancerId, BackendServers: JSON.stringify([{ ServerId: a!.InstanceId }, { ServerId: b!.InstanceId }]) }, notFound);
    await expectError(s, 'SetBackendServers', { LoadBalancerId: lb.LoadBalancerId, BackendServers: JSON.stringify([{ ServerId: b!.InstanceId, Weight: 1 }]) }, notFound);
    assert.equal((await getLoadBalancer(s, lb.LoadBalancerId))!.BackendServers.length, 1);
  });

  await t.test('more than 200 distinct servers on one load balancer: "The backend server parameter has too many entries."', async () => {
    const lb = await putLoadBalancer(s);
    const list = await putInstances(s, 201);
    for (let i = 0; i < 200; i += 20) {
      await s.call('AddBackendServers', { LoadBalancerId: lb.LoadBalancerId, BackendServers: JSON.stringify(list.slice(i, i + 20).map((x) => ({ ServerId: x.InstanceId }))) });
    }
    await expectError(s, 'AddBackendServers', { LoadBalancerId: lb.LoadBalancerId, BackendServers: JSON.stringify([{ ServerId: list[200]!.InstanceId }]) }, { code: 'TooManyBackendServers', status: 400, message: 'The backend server parameter has too many entries.' });
    // re-adding a member does not count twice
    await s.call('AddBackendServers', { LoadBalancerId: lb.LoadBalancerId, BackendServers: JSON.stringify([{ ServerId: list[0]!.InstanceId, Weight: 5 }]) });
    assert.equal((await getLoadBalancer(s, lb.LoadBalancerId))!.BackendServers.length, 200);
  });

  await t.test('locked load balancer refuses changes with the reason it is locked for', async () => {
    const [i] = await putInstances(s, 1);
    const fin = await putLoadBalancer(s, { LoadBalancerStatus: 'locked', LockReason: 'financial' });
    const sec = await putLoadBalancer(s, { LoadBalancerStatus: 'locked', LockReason: 'security' });
    const body = JSON.stringify([{ ServerId: i!.InstanceId }]);
    await expectError(s, 'AddBackendServers', { LoadBalancerId: fin.LoadBalancerId, BackendServers: body }, { code: 'ActionNotAllowed', status: 400, message: 'Locked for any Business Reason.' });
    await expectError(s, 'SetBackendServers', { LoadBalancerId: sec.LoadBalancerId, BackendServers: body }, { code: 'ActionNotAllowed', status: 400, message: 'Locked for any Operate Reason.' });
  });

  await t.test('busy: a listener of the default group that is stopping, starting or configuring', async () => {
    const lb = await putLoadBalancer(s);
    const [i] = await putInstances(s, 1);
    const body = { LoadBalancerId: lb.LoadBalancerId, BackendServers: JSON.stringify([{ ServerId: i!.InstanceId }]) };
    // a listener that forwards to a vServer group does not block the default group
    await putListener(s, lb.LoadBalancerId, { ListenerPort: 90, ListenerProtocol: 'tcp', Status: 'configuring', VServerGroupId: 'rsp-other' });
    await s.call('AddBackendServers', body);
    await putListener(s, lb.LoadBalancerId, { ListenerPort: 80, ListenerProtocol: 'tcp', Status: 'stopping' });
    await expectError(s, 'AddBackendServers', body, { code: 'ServiceIsStopping', status: 409, message: 'The specified Listener is stopping, please retry later.' });
    await putListener(s, lb.LoadBalancerId, { ListenerPort: 80, ListenerProtocol: 'tcp', Status: 'configuring' });
    await expectError(s, 'RemoveBackendServers', body, { code: 'BackendServer.configuring', status: 409, message: 'A previous configuration of the load balancer is pending; please try again later.' });
    await putListener(s, lb.LoadBalancerId, { ListenerPort: 80, ListenerProtocol: 'tcp', Status: 'starting' });
    await expectError(s, 'SetBackendServers', body, { code: 'ServiceIsConfiguring', status: 400, message: 'A previous configuration is pending; please try again later.' });
    await putListener(s, lb.LoadBalancerId, { ListenerPort: 80, ListenerProtocol: 'tcp', Status: 'running' });
    await s.call('RemoveBackendServers', body);
  });

  await t.test('busy follows the listener lifecycle: a just-started listener is seen starting once, then running', async () => {
    const lb = await putLoadBalancer(s);
    const [i] = await putInstances(s, 1);
    const body = { LoadBalancerId: lb.LoadBalancerId, BackendServers: JSON.stringify([{ ServerId: i!.InstanceId }]) };
    // what StartLoadBalancerListener leaves behind (src/products/slb/services/listener-lifecycle.ts, default policy)
    await putListener(s, lb.LoadBalancerId, { ListenerPort: 80, ListenerProtocol: 'tcp', Status: 'starting', Pending: { op: 'start', target: 'running', since: Date.now(), observed: 0 } });
    const e = await rejects(() => s.v3('AddBackendServers', body));
    assert.equal(e.code, 'ServiceIsConfiguring');
    // the refused call's observation was committed: Terraform's retry goes through
    const r = (await s.call('AddBackendServers', body)) as Listed;
    assert.equal(r.BackendServers.BackendServer.length, 1);
  });

  await t.test('parallel adds on one load balancer are serialized: no update is lost', async () => {
    const lb = await putLoadBalancer(s);
    const list = await putInstances(s, 30);
    const calls = [];
    for (let i = 0; i < 30; i += 3) {
      const body = { LoadBalancerId: lb.LoadBalancerId, BackendServers: JSON.stringify(list.slice(i, i + 3).map((x) => ({ ServerId: x.InstanceId }))) };
      calls.push(i % 2 ? s.call('AddBackendServers', body) : s.v3('AddBackendServers', body));
    }
    await Promise.all(calls);
    const ids = (await getLoadBalancer(s, lb.LoadBalancerId))!.BackendServers.map((b) => b.ServerId).sort();
    assert.deepEqual(ids, list.map((x) => x.InstanceId).sort());
  });

  await t.test('DescribeHealthStatus: per listener and server; unavailable unless a running, checked listener has an observation', async () => {
    const lb = await putLoadBalancer(s);
    const [a, b, c] = await putInstances(s, 3);
    await s.call('AddBackendServers', { LoadBalancerId: lb.LoadBalancerId, BackendServers: JSON.stringify([{ ServerId: a!.InstanceId }, { ServerId: b!.InstanceId }]) });
    const g = (await s.call('CreateVServerGroup', { RegionId: REGION, LoadBalancerId: lb.LoadBalancerId, BackendServers: JSON.stringify([{ ServerId: c!.InstanceId, Port: 9000 }]) })) as { VServerGroupId: string };
    await putListener(s, lb.LoadBalancerId, { ListenerPort: 80, ListenerProtocol: 'tcp', Status: 'running', BackendServerPort: 8080 });
    await putListener(s, lb.LoadBalancerId, { ListenerPort: 81, ListenerProtocol: 'http', Status: 'stopped', BackendServerPort: 8081 });
    await putListener(s, lb.LoadBalancerId, { ListenerPort: 82, ListenerProtocol: 'http', Status: 'running', BackendServerPort: 8082, HealthCheck: 'off' });
    await putListener(s, lb.LoadBalancerId, { ListenerPort: 443, ListenerProtocol: 'https', Status: 'configuring', VServerGroupId: g.VServerGroupId });
    await putRule(s, { RuleName: 'r', LoadBalancerId: lb.LoadBalancerId, ListenerPort: 82, ListenerProtocol: 'http', Domain: 'a.example', Url: '/x', VServerGroupId: g.VServerGroupId });

    const view = new MemoryHealthView();
    const prev = setHealthView(view);
    t.after(() => setHealthView(prev));
    const key = (port: number, protocol: string, serverId: string, bport: number) => ({ loadBalancerId: lb.LoadBalancerId, listenerPort: port, protocol, serverId, port: bport });
    view.report(key(80, 'tcp', a!.InstanceId, 8080), 'normal');
    view.report(key(80, 'tcp', b!.InstanceId, 8080), 'abnormal');
    view.report(key(81, 'http', a!.InstanceId, 8081), 'normal'); // stopped listener: never shown as normal
    view.report(key(443, 'https', c!.InstanceId, 9000), 'normal');

    type Rows = { BackendServers: { BackendServer: Record<string, unknown>[] } };
    const all = (await s.call('DescribeHealthStatus', { LoadBalancerId: lb.LoadBalancerId })) as Rows;
    assert.deepEqual(plain(all.BackendServers.BackendServer), [
      { ListenerPort: 80, Protocol: 'tcp', ServerId: a!.InstanceId, Port: 8080, ServerIp: a!.PrivateIpAddress, ServerHealthStatus: 'normal' },
      { ListenerPort: 80, Protocol: 'tcp', ServerId: b!.InstanceId, Port: 8080, ServerIp: b!.PrivateIpAddress, ServerHealthStatus: 'abnormal' },
      { ListenerPort: 81, Protocol: 'http', ServerId: a!.InstanceId, Port: 8081, ServerIp: a!.PrivateIpAddress, ServerHealthStatus: 'unavailable' },
      { ListenerPort: 81, Protocol: 'http', ServerId: b!.InstanceId, Port: 8081, ServerIp: b!.PrivateIpAddress, ServerHealthStatus: 'unavailable' },
      { ListenerPort: 82, Protocol: 'http', ServerId: a!.InstanceId, Port: 8082, ServerIp: a!.PrivateIpAddress, ServerHealthStatus: 'unavailable' },
      { ListenerPort: 82, Protocol: 'http', ServerId: b!.InstanceId, Port: 8082, ServerIp: b!.PrivateIpAddress, ServerHealthStatus: 'unavailable' },
      { ListenerPort: 82, Protocol: 'http', ServerId: c!.InstanceId, Port: 9000, ServerIp: c!.PrivateIpAddress, ServerHealthStatus: 'unavailable' },
      { ListenerPort: 443, Protocol: 'https', ServerId: c!.InstanceId, Port: 9000, ServerIp: c!.PrivateIpAddress, ServerHealthStatus: 'normal' },
    ]);
    const one = (await s.v3('DescribeHealthStatus', { LoadBalancerId: lb.LoadBalancerId, ListenerPort: 80, ListenerProtocol: 'TCP' })).body as Rows;
    assert.deepEqual(one.BackendServers.BackendServer.map((r) => r['ServerHealthStatus']), ['normal', 'abnormal']);
    // a port (or port and protocol) without a listener: CheckedListenerNotFound (404), seed row 176
    const noListener = { code: 'CheckedListenerNotFound', status: 404, message: 'No health-checked Listener to the specified port of the Load Balancer.' };
    await expectError(s, 'DescribeHealthStatus', { LoadBalancerId: lb.LoadBalancerId, ListenerPort: 8 }, noListener);
    await expectError(s, 'DescribeHealthStatus', { LoadBalancerId: lb.LoadBalancerId, ListenerPort: 80, ListenerProtocol: 'udp' }, noListener);
    // Before anything is observed, a running listener reports 'unavailable', never a made-up 'normal'.
    view.clear();
    const fresh = (await s.call('DescribeHealthStatus', { LoadBalancerId: lb.LoadBalancerId, ListenerPort: 80 })) as Rows;
    assert.deepEqual(fresh.BackendServers.BackendServer.map((r) => r['ServerHealthStatus']), ['unavailable', 'unavailable']);
    await expectError(s, 'DescribeHealthStatus', { LoadBalancerId: 'lb-missing' }, { code: 'InvalidLoadBalancerId.NotFound', status: 404, message: 'The specified LoadBalancerId does not exist.' });
  });
});
