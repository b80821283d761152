// The pieces every fixture file shares: the test region, the root account's scope, and a stored
// load balancer document (an active pay-as-you-go slb.s1.small) that each file dresses with its own
// id, name and network.
import type { LoadBalancerDoc } from '../../src/products/slb/services/model.js';
import { KINDS } from '../../src/products/slb/services/model.js';
import type { Scope } from '../../src/state/store.js';
import type { TestServer } from './server.js';

export const REGION = 'cn-hangzhou';

export function scopeIn(s: TestServer, region = REGION): Scope {
  return { account: s.rootAccountId, region };
}

/** A classic internet load balancer in `region` (zones `region`-b / -c); override the id and name. */
export function lbDocBase(region = REGION): LoadBalancerDoc {
  return {
    LoadBalancerId: '',
    LoadBalancerName: '',
    RegionId: region,
    Address: '47.1.2.3',
    AddressType: 'internet',
    AddressIPVersion: 'ipv4',
    NetworkType: 'classic',
    VpcId: '',
    VSwitchId: '',
    LoadBalancerStatus: 'active',
    LoadBalancerSpec: 'slb.s1.small',
    InstanceChargeType: 'PayBySpec',
    InternetChargeType: 'paybytraffic',
    Bandwidth: 5120,
    PayType: 'PayOnDemand',
    MasterZoneId: `${region}-b`,
    SlaveZoneId: `${region}-c`,
    DeleteProtection: 'off',
    ModificationProtectionStatus: 'NonProtection',
    ModificationProtectionReason: '',
    ResourceGroupId: 'rg-fixture',
    CreateTime: '2026-11-29T00:00:00Z',
    CreateTimeStamp: Date.parse('2026-11-29T00:00:00Z'),
    BackendServers: [],
  };
}

/** Writes a load balancer document straight into the store (in its RegionId) and returns it. */
export async function storeLbDoc(s: TestServer, doc: LoadBalancerDoc): Promise<LoadBalancerDoc> {
  await s.store.write((tx) => tx.put(KINDS.loadBalancer, scopeIn(s, doc.RegionId), doc.LoadBalancerId, doc));
  return doc;
}

/** Changes fields of a stored load balancer. */
export async function patchLbDoc(s: TestServer, id: string, patch: Partial<LoadBalancerDoc>, region = REGION): Promise<void> {
  await s.store.write(async (tx) => {
    const lb = await tx.get<LoadBalancerDoc>(KINDS.loadBalancer, scopeIn(s, region), id);
    await tx.put(KINDS.loadBalancer, scopeIn(s, region), id, { ...lb!, ...patch });
  });
}
