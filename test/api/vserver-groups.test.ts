// vServer groups through pop-core and openapi-client, replaying Terraform's alicloud_slb_server_group
// and alicloud_slb_server_group_server_attachment flows and the Kubernetes CCM vgroup flow.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer } from '../helpers/server.js';
import {
  REGION,
  deleteListener,
  deleteRule,
  expectError,
  patchLoadBalancer,
  plain,
  putInstance,
  putInstances,
  putListener,
  putLoadBalancer,
  putRule,
  tfChunks,
  tfServers,
} from '../helpers/fixtures-servers.js';

type Server = { ServerId: string; Port: number; Weight: number; Type: string; Description?: string; ServerIp?: string };
type Attr = { VServerGroupId: string; VServerGroupName: string; LoadBalancerId: string; CreateTime: string; BackendServers: { BackendServer: Server[] }; Tags: { Tag: { TagKey: string; TagValue: string }[] } };

const NOT_FOUND = { code: 'InvalidParameter', status: 404, message: 'The specified VServerGroupId does not exist.' };

test('vServer groups through the real clients', async (t) => {
  const s = await startTestServer();
  t.after(() => s.stop());

  await t.test('Terraform alicloud_slb_server_group: create with tags, chunked single-quoted adds, set, chunked removes, delete then describe', async () => {
    const lb = await putLoadBalancer(s);
    const list = await putInstances(s, 20);
    const created = (await s.call('CreateVServerGroup', {
      RegionId: REGION,
      LoadBalancerId: lb.LoadBalancerId,
      VServerGroupName: 'tf-group',
      'Tag.1.Key': 'env',
      'Tag.1.Value': 'test',
    })) as { RequestId: string; VServerGroupId: string; BackendServers: { BackendServer: Server[] } };
    assert.deepEqual(Object.keys(created).sort(), ['BackendServers', 'RequestId', 'VServerGroupId']);
    assert.match(created.VServerGroupId, /^rsp-[a-z0-9]{10}$/);
    assert.deepEqual(plain(created.BackendServers), { BackendServer: [] });
    const id = created.VServerGroupId;

    // 20 servers × 2 ports = 40 entries: chunks of 20, then Terraform's empty trailing chunk.
    const entries = list.flatMap((i) => [80, 8080].map((port) => ({ ServerId: i.InstanceId, Port: port, Weight: 100, Type: 'ecs' })));
    for (const chunk of tfChunks(entries)) {
      const params: Record<string, unknown> = { RegionId: REGION, VServerGroupId: id };
      if (chunk.length) params['BackendServers'] = tfServers(chunk);
      const r = (await s.call('AddVServerGroupBackendServers', params)) as { VServerGroupId: string };
      assert.equal(r.VServerGroupId, id);
    }
    let attr = (await s.call('DescribeVServerGroupAttribute', { RegionId: REGION, VServerGroupId: id })) as Attr;
    assert.equal(attr.BackendServers.BackendServer.length, 40);
    assert.deepEqual(plain(attr.BackendServers.BackendServer[0]), { ServerId: list[0]!.InstanceId, Port: 80, Weight: 100, Type: 'ecs', ServerIp: list[0]!.PrivateIpAddress });

    const set = (await s.call('SetVServerGroupAttribute', {
      RegionId: REGION,
      VServerGroupId: id,
      VServerGroupName: 'tf-group-2',
      BackendServers: tfServers([{ ServerId: list[1]!.InstanceId, Port: 8080, Weight: 10, Type: 'ecs' }]),
    })) as { VServerGroupId: string; VServerGroupName: string; BackendServers: { BackendServer: Server[] } };
    assert.equal(set.VServerGroupName, 'tf-group-2');
    assert.equal(set.BackendServers.BackendServer.find((b) => b.ServerId === list[1]!.InstanceId && b.Port === 8080)!.Weight, 10);

    attr = (await s.v3('DescribeVServerGroupAttribute', { RegionId: REGION, VServerGroupId: id })).body as Attr;
    assert.deepEqual(Object.keys(attr).sort(), ['BackendServers', 'CreateTime', 'LoadBalancerId', 'RequestId', 'Tags', 'VServerGroupId', 'VServerGroupName']);
    assert.equal(attr.VServerGroupName, 'tf-group-2');
    assert.equal(attr.LoadBalancerId, lb.LoadBalancerId);
    assert.match(attr.CreateTime, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    assert.deepEqual(attr.Tags, { Tag: [{ TagKey: 'env', TagValue: 'test' }] });
    const tagged = (await s.call('ListTagResources', { RegionId: REGION, ResourceType: 'vservergroup', 'ResourceId.1': id })) as { TagResources: { TagResource: unknown[] } };
    assert.equal(tagged.TagResources.TagResource.length, 1);

    for (const chunk of tfChunks(entries)) {
      const params: Record<string, unknown> = { RegionId: REGION, VServerGroupId: id };
      if (chunk.length) params['BackendServers'] = tfServers(chunk);
      await s.v3('RemoveVServerGroupBackendServers', params);
    }
    attr = (await s.call('DescribeVServerGroupAttribute', { RegionId: REGION, VServerGroupId: id })) as Attr;
    assert.deepEqual(plain(attr.BackendServers), { BackendServer: [] });

    assert.deepEqual(Object.keys(await s.call('DeleteVServerGroup', { RegionId: REGION, VServerGroupId: id })), ['RequestId']);
    await expectError(s, 'DescribeVServerGroupAttribute', { RegionId: REGION, VServerGroupId: id }, NOT_FOUND);
    await expectError(s, 'DeleteVServerGroup', { RegionId: REGION, VServerGroupId: id }, NOT_FOUND);
    const gone = (await s.call('ListTagResources', { RegionId: REGION, ResourceType: 'vservergroup', 'ResourceId.1': id }).catch((e: { code: string }) => e.code)) as unknown;
    assert.ok(gone === 'InvalidResourceId.NotFound' || (gone as { TagResources: { TagResource: unknown[] } }).TagResources.TagResource.length === 0);
  });

  await t.test('Terraform alicloud_slb_server_group_server_attachment: one proper-JSON server, read by ServerId+Port, remove', async () => {
    const lb = await putLoadBalancer(s);
    const i = await putInstance(s);
    const { VServerGroupId: id } = (await s.call('CreateVServerGroup', { RegionId: REGION, LoadBalancerId: lb.LoadBalancerId, VServerGroupName: 'att' })) as { VServerGroupId: string };
    const added = (await s.v3('AddVServerGroupBackendServers', {
      RegionId: REGION,
      VServerGroupId: id,
      BackendServers: JSON.stringify([{ ServerId: i.InstanceId, Port: 8080, Type: 'ecs', Weight: 40, Description: 'web-1' }]),
    })).body as { RequestId: string; VServerGroupId: string; BackendServers: { BackendServer: Server[] } };
    assert.deepEqual(Object.keys(added).sort(), ['BackendServers', 'RequestId', 'VServerGroupId']);
    assert.deepEqual(added.BackendServers.BackendServer, [{ ServerId: i.InstanceId, Port: 8080, Weight: 40, Type: 'ecs', Description: 'web-1' }]);
    const attr = (await s.call('DescribeVServerGroupAttribute', { RegionId: REGION, VServerGroupId: id })) as Attr;
    const found = attr.BackendServers.BackendServer.find((b) => b.ServerId === i.InstanceId && String(b.Port) === '8080');
    assert.deepEqual(plain(found), { ServerId: i.InstanceId, Port: 8080, Weight: 40, Type: 'ecs', ServerIp: i.PrivateIpAddress, Description: 'web-1' });
    const removed = (await s.call('RemoveVServerGroupBackendServers', { RegionId: REGION, VServerGroupId: id, BackendServers: JSON.stringify([{ ServerId: i.InstanceId, Port: 8080 }]) })) as { BackendServers: { BackendServer: Server[] } };
    assert.deepEqual(plain(removed.BackendServers), { BackendServer: [] });
  });

  await t.test('Kubernetes CCM vgroup flow: lower-camel keys with extra fields, Modify old/new, remove, delete', async () => {
    const lb = await putLoadBalancer(s);
    const nodes = await putInstances(s, 3);
    const pop = s.pop();
    const ccm = (action: string, params: Record<string, unknown>) => pop.request(action, params, { method: 'POST' }) as Promise<Record<string, unknown>>;
    const listed = (await ccm('DescribeVServerGroups', { RegionId: REGION, LoadBalancerId: lb.LoadBalancerId })) as { VServerGroups: { VServerGroup: unknown[] } };
    assert.deepEqual(plain(listed.VServerGroups), { VServerGroup: [] });
    const { VServerGroupId: id } = (await ccm('CreateVServerGroup', { RegionId: REGION, LoadBalancerId: lb.LoadBalancerId, VServerGroupName: 'k8s/80/nginx/default/clusterid' })) as { VServerGroupId: string };
    const backend = (n: (typeof nodes)[number], weight: number) => ({
      serverId: n.InstanceId,
      serverIp: '',
      weight,
      port: 30080,
      type: 'ecs',
      description: 'k8s/80/nginx/default/clusterid',
      nodeName: `node-${n.InstanceId}`,
      targetRef: { kind: 'Pod', name: 'nginx-0' },
      isUserManaged: false,
    });
    await ccm('AddVServerGroupBackendServers', { RegionId: REGION, VServerGroupId: id, BackendServers: JSON.stringify(nodes.map((n) => backend(n, 100))) });
    let attr = (await ccm('DescribeVServerGroupAttribute', { RegionId: REGION, VServerGroupId: id })) as Attr;
    assert.deepEqual(
      attr.BackendServers.BackendServer.map((b) => [b.ServerId, b.Port, b.Weight, b.Description]),
      nodes.map((n) => [n.InstanceId, 30080, 100, 'k8s/80/nginx/default/clusterid']),
    );
    const mod = (await ccm('ModifyVServerGroupBackendServers', {
      RegionId: REGION,
      VServerGroupId: id,
      OldBackendServers: JSON.stringify([backend(nodes[0]!, 100)]),
      NewBackendServers: JSON.stringify([backend(nodes[0]!, 50)]),
    })) as { VServerGroupId: string; BackendServers: { BackendServer: Server[] } };
    assert.deepEqual(Object.keys(mod).sort(), ['BackendServers', 'RequestId', 'VServerGroupId']);
    assert.deepEqual(mod.BackendServers.BackendServer.map((b) => b.Weight).sort(), [100, 100, 50]);
    // Modify can move a server to another port (old entry out, new entry in).
    await ccm('ModifyVServerGroupBackendServers', {
      RegionId: REGION,
      VServerGroupId: id,
      OldBackendServers: JSON.stringify([{ serverId: nodes[1]!.InstanceId, port: 30080 }]),
      NewBackendServers: JSON.stringify([{ serverId: nodes[1]!.InstanceId, port: 30081 }]),
    });
    attr = (await ccm('DescribeVServerGroupAttribute', { RegionId: REGION, VServerGroupId: id })) as Attr;
    const moved = attr.BackendServers.BackendServer.find((b) => b.ServerId === nodes[1]!.InstanceId)!;
    assert.deepEqual([moved.Port, moved.Weight, moved.Description], [30081, 100, 'k8s/80/nginx/default/clusterid']);
    await ccm('RemoveVServerGroupBackendServers', { RegionId: REGION, VServerGroupId: id, BackendServers: JSON.stringify([backend(nodes[2]!, 100)]) });
    await ccm('DeleteVServerGroup', { RegionId: REGION, VServerGroupId: id });
    const after = (await ccm('DescribeVServerGroups', { RegionId: REGION, LoadBalancerId: lb.LoadBalancerId })) as { VServerGroups: { VServerGroup: unknown[] } };
    assert.deepEqual(plain(after.VServerGroups), { VServerGroup: [] });
  });

  await t.test('CCM ENI mode: pods on one ENI share a port and differ by address', async () => {
    const lb = await putLoadBalancer(s);
    const eni = await putInstance(s, { Type: 'eni' });
    const { VServerGroupId: id } = (await s.call('CreateVServerGroup', { RegionId: REGION, LoadBalancerId: lb.LoadBalancerId, VServerGroupName: 'k8s/80/eni/default/c' })) as { VServerGroupId: string };
    const pod = (ip: string, weight = 100) => ({ serverId: eni.InstanceId, serverIp: ip, port: 80, weight, type: 'eni', description: 'pod' });
    await s.call('AddVServerGroupBackendServers', { RegionId: REGION, VServerGroupId: id, BackendServers: JSON.stringify([pod('192.168.9.5'), pod('192.168.9.6')]) });
    await s.v3('ModifyVServerGroupBackendServers', { RegionId: REGION, VServerGroupId: id, OldBackendServers: JSON.stringify([pod('192.168.9.6')]), NewBackendServers: JSON.stringify([pod('192.168.9.6', 20)]) });
    await s.call('RemoveVServerGroupBackendServers', { RegionId: REGION, VServerGroupId: id, BackendServers: JSON.stringify([pod('192.168.9.5')]) });
    const attr = (await s.call('DescribeVServerGroupAttribute', { RegionId: REGION, VServerGroupId: id })) as Attr;
    assert.deepEqual(plain(attr.BackendServers.BackendServer), [{ ServerId: eni.InstanceId, Port: 80, Weight: 20, Type: 'eni', ServerIp: '192.168.9.6', Description: 'pod' }]);
    await expectError(s, 'AddVServerGroupBackendServers', { RegionId: REGION, VServerGroupId: id, BackendServers: JSON.stringify([pod('192.168.9.7'), pod('192.168.9.7')]) }, { code: 'InvalidParameter', status: 400, message: 'The specified BackendServers is invalid.' });
  });

  await t.test('DescribeVServerGroups: ServerCount, AssociatedObjects with IncludeListener/IncludeRule, tag filter', async () => {
    const lb = await putLoadBalancer(s);
    const [a] = await putInstances(s, 1);
    const g1 = (await s.call('CreateVServerGroup', { RegionId: REGION, LoadBalancerId: lb.LoadBalancerId, VServerGroupName: 'one', 'Tag.1.Key': 'k', 'Tag.1.Value': 'v', BackendServers: JSON.stringify([{ ServerId: a!.InstanceId, Port: 80 }, { ServerId: a!.InstanceId, Port: 81 }]) })) as { VServerGroupId: string };
    const g2 = (await s.call('CreateVServerGroup', { RegionId: REGION, LoadBalancerId: lb.LoadBalancerId, VServerGroupName: 'two' })) as { VServerGroupId: string };
    await putListener(s, lb.LoadBalancerId, { ListenerPort: 80, ListenerProtocol: 'http', Status: 'running', VServerGroupId: g1.VServerGroupId });
    await putListener(s, lb.LoadBalancerId, { ListenerPort: 443, ListenerProtocol: 'https', Status: 'running' });
    const rule = await putRule(s, { RuleName: 'api', LoadBalancerId: lb.LoadBalancerId, ListenerPort: 443, ListenerProtocol: 'https', Domain: 'api.example.com', Url: '/v1', VServerGroupId: g2.VServerGroupId });

    type Groups = { VServerGroups: { VServerGroup: Record<string, unknown>[] } };
    const bare = (await s.call('DescribeVServerGroups', { RegionId: REGION, LoadBalancerId: lb.LoadBalancerId })) as Groups;
    const first = plain(bare.VServerGroups.VServerGroup[0]!);
    assert.deepEqual(Object.keys(first).sort(), ['AssociatedObjects', 'CreateTime', 'ServerCount', 'Tags', 'VServerGroupId', 'VServerGroupName']);
    assert.deepEqual(first['AssociatedObjects'], { Listeners: { Listener: [] }, Rules: { Rule: [] } });
    assert.equal(first['ServerCount'], 2);
    assert.deepEqual(first['Tags'], { Tag: [{ TagKey: 'k', TagValue: 'v' }] });

    const full = (await s.v3('DescribeVServerGroups', { RegionId: REGION, LoadBalancerId: lb.LoadBalancerId, IncludeListener: true, IncludeRule: true })).body as Groups;
    assert.deepEqual(full.VServerGroups.VServerGroup.map((g) => [g['VServerGroupName'], g['ServerCount'], g['AssociatedObjects']]), [
      ['one', 2, { Listeners: { Listener: [{ Port: 80, Protocol: 'http' }] }, Rules: { Rule: [] } }],
      ['two', 0, { Listeners: { Listener: [] }, Rules: { Rule: [{ RuleId: rule.RuleId, RuleName: 'api', Domain: 'api.example.com', Url: '/v1' }] } }],
    ]);
    const filtered = (await s.call('DescribeVServerGroups', { RegionId: REGION, LoadBalancerId: lb.LoadBalancerId, 'Tag.1.Key': 'k' })) as Groups;
    assert.deepEqual(filtered.VServerGroups.VServerGroup.map((g) => g['VServerGroupId']), [g1.VServerGroupId]);
    await expectError(s, 'DescribeVServerGroups', { RegionId: REGION, LoadBalancerId: 'lb-missing' }, { code: 'InvalidLoadBalancerId.NotFound', status: 404, message: 'The specified LoadBalancerId does not exist.' });
  });

  await t.test('delete is refused while a listener (RspoolVipExist) or a rule (RspoolRuleExist) uses the group', async () => {
    const lb = await putLoadBalancer(s);
    const { VServerGroupId: id } = (await s.call('CreateVServerGroup', { RegionId: REGION, LoadBalancerId: lb.LoadBalancerId })) as { VServerGroupId: string };
    await putListener(s, lb.LoadBalancerId, { ListenerPort: 80, ListenerProtocol: 'tcp', VServerGroupId: id });
    const rule = await putRule(s, { RuleName: 'r', LoadBalancerId: lb.LoadBalancerId, ListenerPort: 81, ListenerProtocol: 'http', Domain: 'a.example', Url: '', VServerGroupId: id });
    await expectError(s, 'DeleteVServerGroup', { RegionId: REGION, VServerGroupId: id }, { code: 'RspoolVipExist', status: 400, message: 'there are vips associating with this vServer group.' });
    await deleteListener(s, lb.LoadBalancerId, 'tcp', 80);
    await expectError(s, 'DeleteVServerGroup', { RegionId: REGION, VServerGroupId: id }, { code: 'RspoolRuleExist', status: 400, message: 'there are rules associating with this vServer group.' });
    await deleteRule(s, rule.RuleId);
    await s.call('DeleteVServerGroup', { RegionId: REGION, VServerGroupId: id });
  });

  await t.test('errors: unknown group (404) on every action, other region, ports, members, empty group, weights, counts', async () => {
    const lb = await putLoadBalancer(s);
    const [a, b] = await putInstances(s, 2);
    const one = JSON.stringify([{ ServerId: a!.InstanceId, Port: 80 }]);
    for (const [action, extra] of [
      ['DescribeVServerGroupAttribute', {}],
      ['DeleteVServerGroup', {}],
      ['SetVServerGroupAttribute', { VServerGroupName: 'x' }],
      ['AddVServerGroupBackendServers', { BackendServers: one }],
      ['AddVServerGroupBackendServers', {}],
      ['RemoveVServerGroupBackendServers', { BackendServers: one }],
      ['ModifyVServerGroupBackendServers', { OldBackendServers: one, NewBackendServers: one }],
    ] as const) {
      await expectError(s, action, { RegionId: REGION, VServerGroupId: 'rsp-nothere000', ...extra }, NOT_FOUND);
    }
    const { VServerGroupId: id } = (await s.call('CreateVServerGroup', { RegionId: REGION, LoadBalancerId: lb.LoadBalancerId })) as { VServerGroupId: string };
    await expectError(s, 'DescribeVServerGroupAttribute', { RegionId: 'cn-shanghai', VServerGroupId: id }, NOT_FOUND);
    const base = { RegionId: REGION, VServerGroupId: id };

    const empty = { code: 'VServerGroupEmpty', status: 400, message: 'The specified VServerGroupId is invalid; it does not contain vServers.' };
    await expectError(s, 'RemoveVServerGroupBackendServers', { ...base, BackendServers: one }, empty);
    await expectError(s, 'ModifyVServerGroupBackendServers', { ...base, OldBackendServers: one, NewBackendServers: one }, empty);
    await expectError(s, 'SetVServerGroupAttribute', { ...base, BackendServers: one }, empty);

    const port = { code: 'InvalidParameter', status: 400, message: 'The specified BackendServers is invalid, as the Port value should be in [1, 65535].' };
    for (const p of [0, 65536, 'abc', '']) {
      await expectError(s, 'AddVServerGroupBackendServers', { ...base, BackendServers: tfServers([{ ServerId: a!.InstanceId, Port: p }]) }, port);
    }
    await expectError(s, 'CreateVServerGroup', { RegionId: REGION, LoadBalancerId: lb.LoadBalancerId, BackendServers: JSON.stringify([{ ServerId: a!.InstanceId }]) }, port);
    await expectError(s, 'AddVServerGroupBackendServers', { ...base, BackendServers: JSON.stringify([{ ServerId: a!.InstanceId, Port: 80 }, { ServerId: a!.InstanceId, Port: '80' }]) }, { code: 'InvalidParameter', status: 400, message: 'The specified BackendServers is invalid.' });
    await expectError(s, 'AddVServerGroupBackendServers', { ...base, BackendServers: JSON.stringify([{ ServerId: a!.InstanceId, Port: 80, Weight: 300 }]) }, { code: 'InvalidWeight.Malformed', status: 400, message: 'A specified weight is not valid.' });
    await expectError(s, 'AddVServerGroupBackendServers', { ...base, BackendServers: '{broken' }, { code: 'BackendServersMalformed', status: 400, message: 'the specified parameter BackendServers is unavailable.' });
    await expectError(s, 'ModifyVServerGroupBackendServers', { ...base, OldBackendServers: '[1,', NewBackendServers: one }, { code: 'BackendServersMalformed', status: 400, message: 'the specified parameter BackendServers is unavailable.' });
    const many = JSON.stringify(Array.from({ length: 21 }, (_, n) => ({ ServerId: a!.InstanceId, Port: n + 1 })));
    await expectError(s, 'AddVServerGroupBackendServers', { ...base, BackendServers: many }, { code: 'TooManyBackendServers', status: 400, message: 'The total number of input real servers exceeds max supported number: 20' });
    await expectError(s, 'CreateVServerGroup', { RegionId: REGION, LoadBalancerId: lb.LoadBalancerId, BackendServers: many }, { code: 'TooManyBackendServers', status: 400, message: 'The total number of input real servers exceeds max supported number: 20' });
    await expectError(s, 'AddVServerGroupBackendServers', { ...base, BackendServers: JSON.stringify([{ ServerId: 'i-unknown', Port: 80 }]) }, { code: 'InvalidServerId.NotFound', status: 404, message: 'The specified ServerId does not exist.' });
    await expectError(s, 'ModifyVServerGroupBackendServers', { ...base, NewBackendServers: one }, { code: 'MissingParameter', status: 400, message: 'The input parameter "OldBackendServers" that is mandatory for processing this request is not supplied.' });

    await s.call('AddVServerGroupBackendServers', { ...base, BackendServers: one });
    const notMember = { code: 'InvalidServerId.NotFound', status: 400, message: 'The specified server is not found.' };
    await expectError(s, 'RemoveVServerGroupBackendServers', { ...base, BackendServers: JSON.stringify([{ ServerId: a!.InstanceId, Port: 81 }]) }, notMember);
    await expectError(s, 'SetVServerGroupAttribute', { ...base, BackendServers: JSON.stringify([{ ServerId: b!.InstanceId, Port: 80, Weight: 1 }]) }, notMember);
    await expectError(s, 'ModifyVServerGroupBackendServers', { ...base, OldBackendServers: JSON.stringify([{ ServerId: b!.InstanceId, Port: 80 }]), NewBackendServers: one }, notMember);
    // a failed Modify leaves the group as it was (new server stopped: ObtainIpFail after the old one was taken out)
    const stopped = await putInstance(s, { Status: 'Stopped' });
    await expectError(s, 'ModifyVServerGroupBackendServers', { ...base, OldBackendServers: one, NewBackendServers: JSON.stringify([{ ServerId: stopped.InstanceId, Port: 80 }]) }, { code: 'ObtainIpFail', status: 400, message: 'The specified BackendServers is invalid; some of the specified backend servers do not exist or are not running.' });
    const attr = (await s.call('DescribeVServerGroupAttribute', base)) as Attr;
    assert.deepEqual(attr.BackendServers.BackendServer.map((x) => [x.ServerId, x.Port]), [[a!.InstanceId, 80]]);
    await expectError(s, 'SetVServerGroupAttribute', { ...base, VServerGroupName: 'x'.repeat(81) }, { code: 'InvalidParameterLength', status: 400, message: 'The specified parameter length is not valid.' });
  });

  await t.test('locked load balancer and busy listeners: ActionNotAllowed, VServerGroupProcessing, ServiceIsStopping', async () => {
    const lb = await putLoadBalancer(s);
    const [a] = await putInstances(s, 1);
    const { VServerGroupId: id } = (await s.call('CreateVServerGroup', { RegionId: REGION, LoadBalancerId: lb.LoadBalancerId })) as { VServerGroupId: string };
    const { VServerGroupId: other } = (await s.call('CreateVServerGroup', { RegionId: REGION, LoadBalancerId: lb.LoadBalancerId })) as { VServerGroupId: string };
    const add = { RegionId: REGION, VServerGroupId: id, BackendServers: JSON.stringify([{ ServerId: a!.InstanceId, Port: 80 }]) };

    await putListener(s, lb.LoadBalancerId, { ListenerPort: 80, ListenerProtocol: 'http', Status: 'configuring', VServerGroupId: id });
    const processing = { code: 'VServerGroupProcessing', status: 400, message: 'A previous configuration of the VServer group is pending; please try again later.' };
    await expectError(s, 'AddVServerGroupBackendServers', add, processing);
    // another group of the same load balancer is not blocked
    await s.call('AddVServerGroupBackendServers', { ...add, VServerGroupId: other });
    await putListener(s, lb.LoadBalancerId, { ListenerPort: 80, ListenerProtocol: 'http', Status: 'stopping', VServerGroupId: id });
    await expectError(s, 'AddVServerGroupBackendServers', add, { code: 'ServiceIsStopping', status: 409, message: 'The specified Listener is stopping, please retry later.' });
    await deleteListener(s, lb.LoadBalancerId, 'http', 80);
    // a group reached through a rule of a listener that is changing
    await putListener(s, lb.LoadBalancerId, { ListenerPort: 443, ListenerProtocol: 'https', Status: 'starting' });
    const rule = await putRule(s, { RuleName: 'r', LoadBalancerId: lb.LoadBalancerId, ListenerPort: 443, ListenerProtocol: 'https', Domain: 'a.example', Url: '', VServerGroupId: id });
    await expectError(s, 'AddVServerGroupBackendServers', add, processing);
    await deleteRule(s, rule.RuleId);
    await s.call('AddVServerGroupBackendServers', add);

    await patchLoadBalancer(s, lb.LoadBalancerId, { LoadBalancerStatus: 'locked', LockReason: 'financial' });
    const locked = { code: 'ActionNotAllowed', status: 400, message: 'Locked for any Business Reason.' };
    await expectError(s, 'CreateVServerGroup', { RegionId: REGION, LoadBalancerId: lb.LoadBalancerId }, locked);
    await expectError(s, 'RemoveVServerGroupBackendServers', add, locked);
    await expectError(s, 'DeleteVServerGroup', { RegionId: REGION, VServerGroupId: other }, locked);
    await expectError(s, 'SetVServerGroupAttribute', { RegionId: REGION, VServerGroupId: id, VServerGroupName: 'n' }, locked);
    // reads still work on a locked load balancer
    await s.call('DescribeVServerGroupAttribute', { RegionId: REGION, VServerGroupId: id });
  });

  await t.test('parallel adds to one group are serialized: every server lands, none is lost', async () => {
    const lb = await putLoadBalancer(s);
    const list = await putInstances(s, 24);
    const { VServerGroupId: id } = (await s.call('CreateVServerGroup', { RegionId: REGION, LoadBalancerId: lb.LoadBalancerId })) as { VServerGroupId: string };
    await Promise.all(
      list.map((x, n) => {
        const body = { RegionId: REGION, VServerGroupId: id, BackendServers: JSON.stringify([{ ServerId: x.InstanceId, Port: 80 }]) };
        return n % 2 ? s.call('AddVServerGroupBackendServers', body, { method: 'POST' }) : s.v3('AddVServerGroupBackendServers', body);
      }),
    );
    const attr = (await s.call('DescribeVServerGroupAttribute', { RegionId: REGION, VServerGroupId: id })) as Attr;
    assert.deepEqual(attr.BackendServers.BackendServer.map((b) => b.ServerId).sort(), list.map((x) => x.InstanceId).sort());
  });
});

test('on the real actions: world instances, CreateLoadBalancer, listeners, then teardown', async (t) => {
  const { defaultVSwitches, opOk } = await import('../helpers/operator.js');
  const s = await startTestServer();
  t.after(() => s.stop());
  const vsw = (await defaultVSwitches(s, REGION))[0]!;
  const base = vsw.CidrBlock.split('/')[0]!.split('.').slice(0, 3).join('.');
  const inst = [];
  for (const n of [11, 12]) inst.push((await opOk(s, 'POST', '/world/instances', { RegionId: REGION, VSwitchId: vsw.VSwitchId, PrivateIpAddress: `${base}.${n}` })) as unknown as { InstanceId: string; PrivateIpAddress: string });
  const { LoadBalancerId: lbId } = (await s.call('CreateLoadBalancer', { RegionId: REGION, AddressType: 'intranet', VSwitchId: vsw.VSwitchId, LoadBalancerName: 'e2e' })) as { LoadBalancerId: string };

  // alicloud_slb_attachment reads the default group back from DescribeLoadBalancerAttribute
  await s.call('AddBackendServers', { RegionId: REGION, LoadBalancerId: lbId, BackendServers: tfServers(inst.map((i) => ({ ServerId: i.InstanceId, Weight: 100, Type: 'ecs' }))) });
  const lbAttr = (await s.call('DescribeLoadBalancerAttribute', { RegionId: REGION, LoadBalancerId: lbId })) as { BackendServers: { BackendServer: { ServerId: string; Weight: number }[] } };
  assert.deepEqual(lbAttr.BackendServers.BackendServer.map((b) => [b.ServerId, b.Weight]), inst.map((i) => [i.InstanceId, 100]));

  const { VServerGroupId: gid } = (await s.call('CreateVServerGroup', { RegionId: REGION, LoadBalancerId: lbId, VServerGroupName: 'web', BackendServers: JSON.stringify(inst.map((i) => ({ ServerId: i.InstanceId, Port: 8080 }))) })) as { VServerGroupId: string };
  await s.call('CreateLoadBalancerTCPListener', { RegionId: REGION, LoadBalancerId: lbId, ListenerPort: 80, VServerGroupId: gid, Bandwidth: -1 });
  await s.call('StartLoadBalancerListener', { RegionId: REGION, LoadBalancerId: lbId, ListenerPort: 80 });
  // poll like Terraform until the listener is running (the lifecycle's transitional state)
  for (let n = 0; n < 20; n++) {
    const l = (await s.call('DescribeLoadBalancerTCPListenerAttribute', { RegionId: REGION, LoadBalancerId: lbId, ListenerPort: 80 })) as { Status: string };
    if (l.Status === 'running') break;
  }
  await expectError(s, 'DeleteVServerGroup', { RegionId: REGION, VServerGroupId: gid }, { code: 'RspoolVipExist', status: 400, message: 'there are vips associating with this vServer group.' });
  const groups = (await s.call('DescribeVServerGroups', { RegionId: REGION, LoadBalancerId: lbId, IncludeListener: true })) as { VServerGroups: { VServerGroup: { AssociatedObjects: unknown }[] } };
  assert.deepEqual(plain(groups.VServerGroups.VServerGroup[0]!.AssociatedObjects), { Listeners: { Listener: [{ Port: 80, Protocol: 'tcp' }] }, Rules: { Rule: [] } });
  const health = (await s.call('DescribeHealthStatus', { RegionId: REGION, LoadBalancerId: lbId })) as { BackendServers: { BackendServer: Record<string, unknown>[] } };
  assert.deepEqual(
    plain(health.BackendServers.BackendServer),
    inst.map((i) => ({ ListenerPort: 80, Protocol: 'tcp', ServerId: i.InstanceId, Port: 8080, ServerIp: i.PrivateIpAddress, ServerHealthStatus: 'unavailable' })),
  );

  await s.call('DeleteLoadBalancerListener', { RegionId: REGION, LoadBalancerId: lbId, ListenerPort: 80 });
  await s.call('DeleteVServerGroup', { RegionId: REGION, VServerGroupId: gid });
  const { VServerGroupId: gid2 } = (await s.call('CreateVServerGroup', { RegionId: REGION, LoadBalancerId: lbId })) as { VServerGroupId: string };
  await s.call('DeleteLoadBalancer', { RegionId: REGION, LoadBalancerId: lbId });
  await expectError(s, 'DescribeVServerGroupAttribute', { RegionId: REGION, VServerGroupId: gid2 }, NOT_FOUND);
});

test('every server-group response conforms field by field to its response tree (both clients)', async (t) => {
  const { shapeProblems } = await import('../helpers/response-shape.js');
  const s = await startTestServer();
  t.after(() => s.stop());
  const lb = await putLoadBalancer(s);
  const [a, b] = await putInstances(s, 2);
  const calls: [string, Record<string, unknown>][] = [];
  const run = async (action: string, params: Record<string, unknown>) => {
    const v3 = (await s.v3(action, params)).body;
    calls.push([action, v3]);
    return v3;
  };
  const lbp = { RegionId: REGION, LoadBalancerId: lb.LoadBalancerId };
  await run('AddBackendServers', { ...lbp, BackendServers: JSON.stringify([{ ServerId: a!.InstanceId, Description: 'x' }]) });
  await run('SetBackendServers', { ...lbp, BackendServers: JSON.stringify([{ ServerId: a!.InstanceId, Weight: 5 }]) });
  await putListener(s, lb.LoadBalancerId, { ListenerPort: 80, ListenerProtocol: 'tcp', Status: 'running', BackendServerPort: 80 });
  await run('DescribeHealthStatus', lbp);
  await run('RemoveBackendServers', { ...lbp, BackendServers: JSON.stringify([{ ServerId: a!.InstanceId }]) });
  const g = (await run('CreateVServerGroup', { ...lbp, VServerGroupName: 'g', 'Tag.1.Key': 'k', BackendServers: JSON.stringify([{ ServerId: a!.InstanceId, Port: 80, Description: 'd' }]) })) as { VServerGroupId: string };
  const gp = { RegionId: REGION, VServerGroupId: g.VServerGroupId };
  await run('AddVServerGroupBackendServers', { ...gp, BackendServers: JSON.stringify([{ ServerId: b!.InstanceId, Port: 81 }]) });
  await run('SetVServerGroupAttribute', { ...gp, VServerGroupName: 'g2', BackendServers: JSON.stringify([{ ServerId: b!.InstanceId, Port: 81, Weight: 1 }]) });
  await run('ModifyVServerGroupBackendServers', { ...gp, OldBackendServers: JSON.stringify([{ ServerId: b!.InstanceId, Port: 81 }]), NewBackendServers: JSON.stringify([{ ServerId: b!.InstanceId, Port: 82 }]) });
  await putListener(s, lb.LoadBalancerId, { ListenerPort: 81, ListenerProtocol: 'http', Status: 'running', VServerGroupId: g.VServerGroupId });
  await putRule(s, { RuleName: 'r', LoadBalancerId: lb.LoadBalancerId, ListenerPort: 81, ListenerProtocol: 'http', Domain: 'a.example', Url: '/', VServerGroupId: g.VServerGroupId });
  await run('DescribeVServerGroups', { ...lbp, IncludeListener: true, IncludeRule: true });
  await run('DescribeVServerGroupAttribute', gp);
  await run('RemoveVServerGroupBackendServers', { ...gp, BackendServers: JSON.stringify([{ ServerId: b!.InstanceId, Port: 82 }]) });
  const ms = (await run('CreateMasterSlaveServerGroup', { ...lbp, MasterSlaveServerGroupName: 'm', MasterSlaveBackendServers: JSON.stringify([{ ServerId: a!.InstanceId, Port: 90, ServerType: 'Master', Description: 'p' }, { ServerId: b!.InstanceId, Port: 90, ServerType: 'Slave' }]) })) as { MasterSlaveServerGroupId: string };
  await putListener(s, lb.LoadBalancerId, { ListenerPort: 90, ListenerProtocol: 'tcp', Status: 'running', MasterSlaveServerGroupId: ms.MasterSlaveServerGroupId });
  await run('DescribeMasterSlaveServerGroups', { ...lbp, IncludeListener: true });
  await run('DescribeMasterSlaveServerGroupAttribute', { RegionId: REGION, MasterSlaveServerGroupId: ms.MasterSlaveServerGroupId });
  await deleteListener(s, lb.LoadBalancerId, 'tcp', 90);
  await run('DeleteMasterSlaveServerGroup', { RegionId: REGION, MasterSlaveServerGroupId: ms.MasterSlaveServerGroupId });
  const g2 = (await run('CreateVServerGroup', { ...lbp })) as { VServerGroupId: string };
  await run('DeleteVServerGroup', { RegionId: REGION, VServerGroupId: g2.VServerGroupId });

  assert.equal(new Set(calls.map(([n]) => n)).size, 16);
  for (const [action, body] of calls) {
    assert.deepEqual(shapeProblems(action, body, ['RequestId']), [], action);
    assert.ok(!('Code' in body), action);
  }
  const popBody = (await s.call('DescribeVServerGroupAttribute', gp)) as Record<string, unknown>;
  assert.deepEqual(shapeProblems('DescribeVServerGroupAttribute', plain(popBody), ['RequestId', 'VServerGroupId', 'BackendServers', 'Tags']), []);
});
