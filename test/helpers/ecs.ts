// Clients for the ECS 2014-05-26 product of a test server: pop-core (V1), openapi-client (V3) and
// the generated SDK @alicloud/ecs20140526, plus the clock and world helpers the ECS tests share.
import RPCClient from '@alicloud/pop-core';
import Ecs from '@alicloud/ecs20140526';
import { $OpenApiUtil } from '@alicloud/openapi-core';
import { AK, type TestServer } from './server.js';
import { opOk } from './operator.js';

export const ECS_VERSION = '2014-05-26';
export type Rec = Record<string, unknown>;

export function ecsPop(s: TestServer, key: { id: string; secret: string } = AK): RPCClient {
  return new RPCClient({ accessKeyId: key.id, accessKeySecret: key.secret, endpoint: s.url, apiVersion: ECS_VERSION, opts: { timeout: 30_000 } });
}

/** pop-core request (GET by default), answer as plain JSON. */
export async function ecs(s: TestServer, action: string, params: Rec = {}, o: { method?: 'GET' | 'POST'; key?: { id: string; secret: string } } = {}): Promise<Rec> {
  return JSON.parse(JSON.stringify(await ecsPop(s, o.key).request(action, params, { method: o.method ?? 'GET' }))) as Rec;
}

/** openapi-client callApi with signature V3 on version 2014-05-26. */
export function ecsV3(s: TestServer, action: string, params: Rec = {}): Promise<{ statusCode: number; body: Rec }> {
  return s.v3(action, params, { version: ECS_VERSION });
}

/** The generated SDK, pointed at the test server. */
export function ecsSdk(s: TestServer): Ecs.default {
  const Ctor = ((Ecs as unknown as { default?: typeof Ecs.default }).default ?? Ecs) as typeof Ecs.default;
  return new Ctor(new $OpenApiUtil.Config({ accessKeyId: AK.id, accessKeySecret: AK.secret, endpoint: `127.0.0.1:${s.port}`, protocol: 'http', regionId: 'cn-hangzhou', readTimeout: 30_000, connectTimeout: 30_000 }));
}

/** Moves the (frozen) server clock forward through the operator API. */
export async function advance(s: TestServer, ms: number): Promise<void> {
  await opOk(s, 'POST', '/clock/advance', { Ms: ms });
}

/** The default VPC and the default vSwitch of a zone of the root account (first touch creates them). */
export async function defaultNetwork(s: TestServer, region = 'cn-hangzhou', zone = `${region}-b`): Promise<{ VpcId: string; VSwitchId: string; ZoneId: string }> {
  const r = (await opOk(s, 'GET', `/world/vswitches?RegionId=${region}`)) as { VSwitches: { VSwitchId: string; VpcId: string; ZoneId: string }[] };
  const v = r.VSwitches.find((x) => x.ZoneId === zone) ?? r.VSwitches[0]!;
  return { VpcId: v.VpcId, VSwitchId: v.VSwitchId, ZoneId: v.ZoneId };
}

export const IMAGE = 'ubuntu_22_04_x64_20G_alibase_20240710.vhd';
export const TYPE = 'ecs.g6.large';
