// Stored document shapes shared between resource families. Each lives in the (account, region)
// scope of its resource; `kind` is the store's kind string. Field names follow the API's own.
import { fail } from '../../../errors/catalog.js';
import type { Scope, Tx } from '../../../state/store.js';

/** kind 'loadBalancer', id = LoadBalancerId */
export interface LoadBalancerDoc {
  LoadBalancerId: string;
  /** where its listeners bind on this machine, when its vSwitch maps private addresses (src/world/host-addresses.ts) */
  HostAddress?: string;
  /** the EIP associated with it (VPC AssociateEipAddress); its TCP/HTTP/HTTPS listeners accept there too */
  EipAddress?: string;
  /** a copy of the load balancer's tags (the 'tags' document is the source), kept so that the
   *  store can index them on the load balancer itself: DescribeLoadBalancers by tag then pages
   *  through the index like by any other field, and shows them from it (src/products/slb/services/tags.ts
   *  putTags keeps it; a state imported without it gets it like an older data dir, backfillLoadBalancerTagSets) */
  TagSet?: { Key: string; Value: string }[];
  LoadBalancerName: string;
  RegionId: string;
  Address: string;
  AddressType: 'internet' | 'intranet';
  AddressIPVersion: 'ipv4' | 'ipv6';
  NetworkType: 'vpc' | 'classic';
  VpcId: string;
  VSwitchId: string;
  LoadBalancerStatus: 'active' | 'inactive' | 'locked';
  /** why a locked instance is locked: 'financial' → "Locked for any Business Reason.", 'security' → "…Operate Reason." */
  LockReason?: 'financial' | 'security';
  LoadBalancerSpec: string;
  InstanceChargeType: 'PayBySpec' | 'PayByCLCU';
  InternetChargeType: 'paybytraffic' | 'paybybandwidth';
  Bandwidth: number;
  PayType: 'PayOnDemand' | 'PrePay';
  MasterZoneId: string;
  SlaveZoneId: string;
  DeleteProtection: 'on' | 'off';
  ModificationProtectionStatus: 'NonProtection' | 'ConsoleProtection';
  ModificationProtectionReason: string;
  ResourceGroupId: string;
  CreateTime: string;
  CreateTimeStamp: number;
  /** the default server group (AddBackendServers & co.) */
  BackendServers: BackendServerDoc[];
  ClientToken?: string;
  ClientTokenHash?: string;
}

export interface BackendServerDoc {
  ServerId: string;
  Weight: number;
  Type: 'ecs' | 'eni' | 'eci';
  ServerIp?: string;
  Port?: number;
  Description?: string;
}

// Instances belong to the world (src/world/world.ts); the SLB code reads them as backends.
export type { InstanceDoc, SystemDiskDoc } from '../../../world/world.js';


/** Loads a load balancer of the caller; a missing one is the real 404. */
export async function requireLoadBalancer(tx: Tx, account: string, id: string | undefined, region?: string): Promise<{ scope: Scope; lb: LoadBalancerDoc }> {
  if (!id) fail('InvalidLoadBalancerId.NotFound');
  if (region) {
    const lb = await tx.get<LoadBalancerDoc>('loadBalancer', { account, region }, id);
    if (lb) return { scope: { account, region }, lb };
  }
  const found = await tx.find<LoadBalancerDoc>('loadBalancer', account, id);
  if (!found || (region && found.region !== region)) fail('InvalidLoadBalancerId.NotFound');
  return { scope: { account, region: found.region }, lb: found.doc };
}

/**
 * Store kinds, one per resource type, so families can find each other's documents:
 * loadBalancer (LoadBalancerId) · listener (`${LoadBalancerId}_${protocol}_${port}`, protocol
 * lower-case — also the listener's ResourceId for tagging) · vServerGroup, masterSlaveServerGroup
 * (rsp-…) · rule (rule-…) · acl (acl-…) · serverCertificate, caCertificate · domainExtension (de-…) ·
 * tlsCipherPolicy (tls-…) · accessLogsDownload (LoadBalancerId) · hdMonitor (one per region: id 'region') ·
 * instance, vpc, vswitch, resourceGroup (the world) · tags (src/products/slb/services/tags.ts).
 */
export const KINDS = {
  loadBalancer: 'loadBalancer',
  listener: 'listener',
  vServerGroup: 'vServerGroup',
  masterSlaveServerGroup: 'masterSlaveServerGroup',
  rule: 'rule',
  acl: 'acl',
  serverCertificate: 'serverCertificate',
  caCertificate: 'caCertificate',
  domainExtension: 'domainExtension',
  tlsCipherPolicy: 'tlsCipherPolicy',
  accessLogsDownload: 'accessLogsDownload',
  hdMonitor: 'hdMonitor',
  instance: 'instance',
  /** ECS security groups (src/products/ecs), id sg-… */
  securityGroup: 'securityGroup',
  vpc: 'vpc',
  vswitch: 'vswitch',
  resourceGroup: 'resourceGroup',
} as const;

export const listenerId = (lbId: string, protocol: string, port: number) => `${lbId}_${protocol.toLowerCase()}_${port}`;

/** kind 'listener'. The listeners family owns the rest of the fields (per-protocol config). */
export interface ListenerDoc {
  LoadBalancerId: string;
  ListenerPort: number;
  ListenerProtocol: 'tcp' | 'udp' | 'http' | 'https';
  Status: 'running' | 'stopped' | 'starting' | 'stopping' | 'configuring';
  Description?: string;
  ListenerForward?: 'on' | 'off';
  ForwardPort?: number;
  BackendServerPort?: number;
  VServerGroupId?: string;
  MasterSlaveServerGroupId?: string;
  /** -1 = unlimited (pay-by-traffic), otherwise Mbit/s */
  Bandwidth?: number;
  Scheduler?: string;
  AclStatus?: 'on' | 'off';
  AclType?: 'white' | 'black';
  AclId?: string;
  ServerCertificateId?: string;
  CACertificateId?: string;
  TLSCipherPolicy?: string;
  /** legacy whitelist (SetListenerAccessControlStatus & co.) */
  AccessControlStatus?: 'open_white_list' | 'close';
  SourceItems?: string[];
  CreateTime?: string;
  /**
   * A change still being applied (src/products/slb/services/listener-lifecycle.ts): `Status` shows the
   * transition (starting / stopping / configuring) and `target` the state it leads to. Families
   * that gate on the status call `observe` first, so their retries complete the transition.
   */
  Pending?: { op: string; target: 'running' | 'stopped'; since: number; observed: number };
  [field: string]: unknown;
}

/** kind 'vServerGroup', id = VServerGroupId (`rsp-…`). Rules: src/products/slb/services/server-groups.ts. */
export interface VServerGroupDoc {
  VServerGroupId: string;
  VServerGroupName: string;
  LoadBalancerId: string;
  CreateTime: string;
  /** every entry has a Port; (ServerId, Port) is unique in a group */
  BackendServers: BackendServerDoc[];
}

/** kind 'masterSlaveServerGroup', id = MasterSlaveServerGroupId (`rsp-…`): exactly one Master and one Slave. */
export interface MasterSlaveServerGroupDoc {
  MasterSlaveServerGroupId: string;
  MasterSlaveServerGroupName: string;
  LoadBalancerId: string;
  CreateTime: string;
  MasterSlaveBackendServers: (BackendServerDoc & { Port: number; ServerType: 'Master' | 'Slave' })[];
}
