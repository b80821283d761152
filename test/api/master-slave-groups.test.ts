// Master-slave server groups through pop-core and openapi-client, replaying Terraform's
// alicloud_slb_master_slave_server_group flow, with the action's documented codes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer } from '../helpers/server.js';
import { REGION, deleteListener, expectError, patchLoadBalancer, plain, putInstance, putInstances, putListener, putLoadBalancer, tfServers } from '../helpers/fixtures-servers.js';

type Member = { ServerId: string; Port: number; Weight: number; Type: string; ServerType: string; ServerIp?: string; Description?: string };
const NOT_FOUND = { code: 'InvalidParameter', status: 404, message: 'The specified MasterSlaveGroupId does not exist.' };

test('master-slave server groups through the real clients', async (t) => {
  const s = await startTestServer();
  t.after(() => s.stop());

  await t.test('Terraform alicloud_slb_master_slave_server_group: single-quoted create, read, delete, not found after', async () => {
    const lb = await putLoadBalancer(s);
    const [m, sl] = await putInstances(s, 2);
    const created = (await s.call('CreateMasterSlaveServerGroup', {
      RegionId: REGION,
      LoadBalancerId: lb.LoadBalancerId,
      MasterSlaveServerGroupName: 'tf-ms',
      MasterSlaveBackendServers: tfServers([
        { ServerId: m!.InstanceId, Port: 80, Weight: 100, Type: 'ecs', ServerType: 'Master', IsBackup: 0 },
        { ServerId: sl!.InstanceId, Port: 80, Weight: 100, Type: 'ecs', ServerType: 'Slave', IsBackup: 1 },
      ]),
      'Tag.1.Key': 'team',
      'Tag.1.Value': 'a',
    })) as { MasterSlaveServerGroupId: string; MasterSlaveBackendServers: { MasterSlaveBackendServer: Member[] } };
    assert.deepEqual(Object.keys(created).sort(), ['MasterSlaveBackendServers', 'MasterSlaveServerGroupId', 'RequestId']);
    assert.match(created.MasterSlaveServerGroupId, /^rsp-[a-z0-9]{10}$/);
    assert.deepEqual(plain(created.MasterSlaveBackendServers.MasterSlaveBackendServer), [
      { ServerId: m!.InstanceId, Port: 80, Weight: 100, Type: 'ecs', ServerType: 'Master' },
      { ServerId: sl!.InstanceId, Port: 80, Weight: 100, Type: 'ecs', ServerType: 'Slave' },
    ]);
    const id = created.MasterSlaveServerGroupId;

    const attr = (await s.v3('DescribeMasterSlaveServerGroupAttribute', { RegionId: REGION, MasterSlaveServerGroupId: id })).body as Record<string, unknown>;
    assert.deepEqual(Object.keys(attr).sort(), ['CreateTime', 'LoadBalancerId', 'MasterSlaveBackendServers', 'MasterSlaveServerGroupId', 'MasterSlaveServerGroupName', 'RequestId', 'Tags']);
    assert.equal(attr['MasterSlaveServerGroupId'], id);
    assert.equal(attr['MasterSlaveServerGroupName'], 'tf-ms');
    assert.equal(attr['LoadBalancerId'], lb.LoadBalancerId);
    assert.match(attr['CreateTime'] as string, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    assert.deepEqual(attr['Tags'], { Tag: [{ TagKey: 'team', TagValue: 'a' }] });
    assert.deepEqual(attr['MasterSlaveBackendServers'], {
      MasterSlaveBackendServer: [
        { ServerId: m!.InstanceId, Port: 80, Weight: 100, Type: 'ecs', ServerType: 'Master' },
        { ServerId: sl!.InstanceId, Port: 80, Weight: 100, Type: 'ecs', ServerType: 'Slave' },
      ],
    });

    assert.deepEqual(Object.keys(await s.call('DeleteMasterSlaveServerGroup', { RegionId: REGION, MasterSlaveServerGroupId: id })), ['RequestId']);
    await expectError(s, 'DescribeMasterSlaveServerGroupAttribute', { RegionId: REGION, MasterSlaveServerGroupId: id }, NOT_FOUND);
    await expectError(s, 'DeleteMasterSlaveServerGroup', { RegionId: REGION, MasterSlaveServerGroupId: id }, NOT_FOUND);
  });

  await t.test('DescribeMasterSlaveServerGroups: listeners with IncludeListener, tag filter; delete refused while a listener uses it', async () => {
    const lb = await putLoadBalancer(s);
    const [a, b] = await putInstances(s, 2);
    const servers = JSON.stringify([
      { ServerId: a!.InstanceId, Port: 80, ServerType: 'Master' },
      { ServerId: b!.InstanceId, Port: 80, ServerType: 'Slave', Weight: 20, Description: 'standby' },
    ]);
    const g1 = (await s.call('CreateMasterSlaveServerGroup', { RegionId: REGION, LoadBalancerId: lb.LoadBalancerId, MasterSlaveServerGroupName: 'one', MasterSlaveBackendServers: servers, 'Tag.1.Key': 'k' })) as { MasterSlaveServerGroupId: string };
    const g2 = (await s.call('CreateMasterSlaveServerGroup', { RegionId: REGION, LoadBalancerId: lb.LoadBalancerId, MasterSlaveServerGroupName: 'two', MasterSlaveBackendServers: servers })) as { MasterSlaveServerGroupId: string };
    await putListener(s, lb.LoadBalancerId, { ListenerPort: 53, ListenerProtocol: 'udp', Status: 'running', MasterSlaveServerGroupId: g1.MasterSlaveServerGroupId });

    type Groups = { MasterSlaveServerGroups: { MasterSlaveServerGroup: Record<string, unknown>[] } };
    const bare = (await s.call('DescribeMasterSlaveServerGroups', { RegionId: REGION, LoadBalancerId: lb.LoadBalancerId })) as Groups;
    const first = plain(bare.MasterSlaveServerGroups.MasterSlaveServerGroup[0]!);
    assert.deepEqual(Object.keys(first).sort(), ['AssociatedObjects', 'CreateTime', 'MasterSlaveServerGroupId', 'MasterSlaveServerGroupName', 'Tags']);
    assert.deepEqual(first['AssociatedObjects'], { Listeners: { Listener: [] } });
    assert.deepEqual(first['Tags'], { Tag: [{ TagKey: 'k', TagValue: '' }] });
    const full = (await s.v3('DescribeMasterSlaveServerGroups', { RegionId: REGION, LoadBalancerId: lb.LoadBalancerId, IncludeListener: true })).body as Groups;
    assert.deepEqual(full.MasterSlaveServerGroups.MasterSlaveServerGroup.map((g) => [g['MasterSlaveServerGroupName'], g['AssociatedObjects']]), [
      ['one', { Listeners: { Listener: [{ Port: 53, Protocol: 'udp' }] } }],
      ['two', { Listeners: { Listener: [] } }],
    ]);
    const filtered = (await s.call('DescribeMasterSlaveServerGroups', { RegionId: REGION, LoadBalancerId: lb.LoadBalancerId, 'Tag.1.Key': 'k' })) as Groups;
    assert.deepEqual(filtered.MasterSlaveServerGroups.MasterSlaveServerGroup.map((g) => g['MasterSlaveServerGroupId']), [g1.MasterSlaveServerGroupId]);

    await expectError(s, 'DeleteMasterSlaveServerGroup', { RegionId: REGION, MasterSlaveServerGroupId: g1.MasterSlaveServerGroupId }, { code: 'RspoolVipExist', status: 400, message: 'there are vips associating with this vServer group.' });
    await deleteListener(s, lb.LoadBalancerId, 'udp', 53);
    await s.call('DeleteMasterSlaveServerGroup', { RegionId: REGION, MasterSlaveServerGroupId: g1.MasterSlaveServerGroupId });
    await s.call('DeleteMasterSlaveServerGroup', { RegionId: REGION, MasterSlaveServerGroupId: g2.MasterSlaveServerGroupId });
    await expectError(s, 'DescribeMasterSlaveServerGroups', { RegionId: REGION, LoadBalancerId: 'lb-missing' }, { code: 'InvalidLoadBalancerId.NotFound', status: 404, message: 'The specified LoadBalancerId does not exist.' });
  });

  await t.test('the documented action codes, each by its condition', async () => {
    const lb = await putLoadBalancer(s);
    const [a, b] = await putInstances(s, 2);
    const base = { RegionId: REGION, LoadBalancerId: lb.LoadBalancerId };
    const create = (list: Record<string, unknown>[]) => ({ ...base, MasterSlaveBackendServers: JSON.stringify(list) });
    const M = { ServerId: a!.InstanceId, Port: 80, ServerType: 'Master' };
    const S = { ServerId: b!.InstanceId, Port: 80, ServerType: 'Slave' };
    const two = { code: 'BACKEND_SERVERS_NUM_MUST_BE_TWO', status: 400, message: 'Backend servers num must be 2.' };
    await expectError(s, 'CreateMasterSlaveServerGroup', base, two);
    await expectError(s, 'CreateMasterSlaveServerGroup', create([M]), two);
    await expectError(s, 'CreateMasterSlaveServerGroup', create([M, S, { ...S, Port: 81 }]), two);
    await expectError(s, 'CreateMasterSlaveServerGroup', create([M, { ...S, ServerId: '' }]), { code: 'BACKEND_SERVER_ID_CAN_NOT_EMPTY', status: 400, message: 'Backend server id can not empty.' });
    await expectError(s, 'CreateMasterSlaveServerGroup', create([M, { ServerId: b!.InstanceId, ServerType: 'Slave' }]), { code: 'BACKEND_SERVER_PORT_CAN_NOT_EMPTY', status: 400, message: 'Backend server port can not empty.' });
    for (const port of [0, 65536, 'x']) {
      await expectError(s, 'CreateMasterSlaveServerGroup', create([M, { ...S, Port: port }]), { code: 'RealServerPortNotSupport', status: 400, message: 'Real server port not support.' });
    }
    const badType = { code: 'INVALID_SERVER_TYPE', status: 400, message: 'Invalid server type.' };
    await expectError(s, 'CreateMasterSlaveServerGroup', create([M, { ...S, ServerType: 'Backup' }]), badType);
    await expectError(s, 'CreateMasterSlaveServerGroup', create([M, { ...S, ServerType: undefined }]), badType);
    await expectError(s, 'CreateMasterSlaveServerGroup', create([M, { ...S, Type: 'vm' }]), badType);
    await expectError(s, 'CreateMasterSlaveServerGroup', create([M, { ...S, ServerType: 'Master' }]), { code: 'BACKEND_SERVERS_CAN_ONLY_CONTAIN_ONE_MASTER_AND_ONE_SLAVE', status: 400, message: 'Backend servers can only contain one master and one slave.' });
    await expectError(s, 'CreateMasterSlaveServerGroup', create([M, { ...M, ServerType: 'Slave' }]), { code: 'BACKEND_SERVERS_HAVE_SAME_PORT_AND_SERVERID', status: 400, message: 'Backend servers have same port and serverId.' });
    await expectError(s, 'CreateMasterSlaveServerGroup', create([M, { ...S, Weight: 101 }]), { code: 'InvalidWeight.Malformed', status: 400, message: 'A specified weight is not valid.' });
    await expectError(s, 'CreateMasterSlaveServerGroup', { ...base, MasterSlaveBackendServers: "[{'ServerId':" }, { code: 'BackendServersMalformed', status: 400, message: 'the specified parameter BackendServers is unavailable.' });
    await expectError(s, 'CreateMasterSlaveServerGroup', create([M, { ...S, ServerId: 'i-nothere' }]), { code: 'InvalidServerId.NotFound', status: 404, message: 'The specified ServerId does not exist.' });
    const stopped = await putInstance(s, { Status: 'Stopped' });
    await expectError(s, 'CreateMasterSlaveServerGroup', create([M, { ...S, ServerId: stopped.InstanceId }]), { code: 'ObtainIpFail', status: 400, message: 'The specified BackendServers is invalid; some of the specified backend servers do not exist or are not running.' });
    await expectError(s, 'CreateMasterSlaveServerGroup', { ...create([M, S]), LoadBalancerId: 'lb-missing' }, { code: 'InvalidLoadBalancerId.NotFound', status: 404, message: 'The specified LoadBalancerId does not exist.' });
    // one instance on two ports is a valid pair
    await s.call('CreateMasterSlaveServerGroup', create([M, { ...M, Port: 81, ServerType: 'Slave' }]));

    await patchLoadBalancer(s, lb.LoadBalancerId, { LoadBalancerStatus: 'locked', LockReason: 'security' });
    await expectError(s, 'CreateMasterSlaveServerGroup', create([M, S]), { code: 'ActionNotAllowed', status: 400, message: 'Locked for any Operate Reason.' });
    const listed = (await s.call('DescribeMasterSlaveServerGroups', base)) as { MasterSlaveServerGroups: { MasterSlaveServerGroup: { MasterSlaveServerGroupId: string }[] } };
    assert.equal(listed.MasterSlaveServerGroups.MasterSlaveServerGroup.length, 1);
    await expectError(s, 'DeleteMasterSlaveServerGroup', { RegionId: REGION, MasterSlaveServerGroupId: listed.MasterSlaveServerGroups.MasterSlaveServerGroup[0]!.MasterSlaveServerGroupId }, { code: 'ActionNotAllowed', status: 400, message: 'Locked for any Operate Reason.' });
    await expectError(s, 'DescribeMasterSlaveServerGroupAttribute', { RegionId: 'cn-beijing', MasterSlaveServerGroupId: listed.MasterSlaveServerGroups.MasterSlaveServerGroup[0]!.MasterSlaveServerGroupId }, NOT_FOUND);
  });
});
