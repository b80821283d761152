// Where an instance or ENI lives: its vSwitch (given, or the world's default vSwitch of the zone),
// its security groups, and a private address of the vSwitch that no load balancer, instance or ENI
// of the VPC holds (src/world/world.ts allocateInVSwitch). In a vSwitch with a host block (made by
// the VPC API) the address also gets its HostAddress: the loopback address at the same offset,
// where the data plane connects and the user's process binds.
import { KINDS } from '../slb/services/model.js';
import type { Scope, Tx } from '../../state/store.js';
import { toHostAddress } from '../../world/host-addresses.js';
import { parseIp } from '../../world/ipv4.js';
import { allocateInVSwitch, defaultVSwitchId, ensureRegion, type VpcDoc, type VSwitchDoc } from '../../world/world.js';
import type { RegionInfo } from '../../world/regions.js';
import { E, ownError } from './catalog.js';
import type { SecurityGroupDoc } from './security-groups-model.js';

/** The vSwitch of a create call: VSwitchId, or the default vSwitch of ZoneId (first zone when absent). */
export async function resolveVSwitch(tx: Tx, scope: Scope, region: RegionInfo, vswId: string | undefined, zoneId: string | undefined, now: string): Promise<VSwitchDoc> {
  await ensureRegion(tx, scope, now);
  if (zoneId && !region.zones.some((z) => z.ZoneId === zoneId)) throw E.error('InvalidZoneId.NotFound');
  let vsw: VSwitchDoc | undefined;
  if (vswId) {
    vsw = await tx.get<VSwitchDoc>(KINDS.vswitch, scope, vswId);
    if (!vsw) throw E.error('InvalidVSwitchId.NotFound', 'Specified virtual switch does not exist.');
    if (zoneId && vsw.ZoneId !== zoneId) throw E.error('InvalidParameter.Mismatch', 'Specified virtual switch is not in the specified zone.');
  } else {
    const zone = zoneId ?? region.zones[0]?.ZoneId;
    vsw = zone ? await tx.get<VSwitchDoc>(KINDS.vswitch, scope, defaultVSwitchId(scope, zone)) : undefined;
    if (!vsw) throw E.error('MissingParameter', 'The input parameter "VSwitchId" that is mandatory for processing this request is not supplied.');
  }
  if (vsw.Status !== 'Available') throw E.error('IncorrectVSwitchStatus', 'The current status of virtual switch does not support this operation.');
  const vpc = await tx.get<VpcDoc>(KINDS.vpc, scope, vsw.VpcId);
  if (!vpc || vpc.Status !== 'Available') throw E.error('IncorrectVpcStatus', 'Current VPC status does not support this operation.');
  return vsw;
}

/** The security groups named (SecurityGroupId and SecurityGroupIds.N), each of the vSwitch's VPC. */
export async function resolveSecurityGroups(tx: Tx, scope: Scope, vsw: VSwitchDoc, ids: string[], forEni = false): Promise<string[]> {
  const out: string[] = [];
  for (const id of ids) {
    if (out.includes(id)) continue;
    const sg = await tx.get<SecurityGroupDoc>(KINDS.securityGroup, scope, id);
    if (!sg) throw E.error('InvalidSecurityGroupId.NotFound', 'The specified SecurityGroupId does not exist.');
    if (sg.VpcId !== vsw.VpcId) {
      throw forEni ? ownError('InvalidOperation.VpcMismatch') : E.error('InvalidParameter.Mismatch', 'Specified security group and virtual switch are not in the same VPC.');
    }
    out.push(id);
  }
  return out;
}

/** A private address of the vSwitch (the requested one or the first free), and its host address. */
export async function placeAddress(tx: Tx, scope: Scope, vsw: VSwitchDoc, requested: string | undefined, forEni = false): Promise<{ PrivateIpAddress: string; HostAddress?: string }> {
  if (requested !== undefined && parseIp(requested) === undefined) throw E.error('InvalidPrivateIpAddress.Malformed', 'Specified private IP address is malformed.');
  const a = await allocateInVSwitch(tx, scope, vsw, requested);
  if (!a.ok) {
    if (a.reason === 'outside') throw E.error('InvalidPrivateIpAddress', 'Specified private IP address is not in the CIDR block of virtual switch.');
    if (a.reason === 'taken') throw E.error('InvalidPrivateIpAddress.Duplicated');
    throw forEni ? ownError('InvalidVSwitchId.IpNotEnough') : E.error('QuotaExceeded.PrivateIpAddress', "Don't have enough private IPs in this switch");
  }
  const host = toHostAddress(a.address, vsw.CidrBlock, vsw.HostCidrBlock);
  return { PrivateIpAddress: a.address, ...(host ? { HostAddress: host } : {}) };
}
