// The compiler: desired state (the store's documents, every account and region) → one immutable,
// versioned data-plane snapshot (src/dataplane/snapshot.ts). Every reference is resolved (LB →
// listeners → server groups / rules / domain extensions / ACLs / certificates with their keys
// opened / TLS policies → instance IPs) and checked with validateSnapshot. Whatever does not check
// out is left out and reported — a listener with a dangling reference never takes the whole plane
// down.
//
// The work is split per load balancer (compile-lb.ts) so that a change recompiles only the load
// balancers it affects (incremental.ts, used by the control loop through SnapshotCompiler); this
// module keeps the one-shot entry points.
import type { InstanceDoc, ListenerDoc, LoadBalancerDoc, MasterSlaveServerGroupDoc, VServerGroupDoc } from '../products/slb/services/model.js';
import type { CACertificateDoc, ServerCertificateDoc } from '../products/slb/services/certificates.js';
import type { AclDoc } from '../products/slb/services/acls.js';
import type { DomainExtensionDoc, RuleDoc } from '../products/slb/services/rules.js';
import type { TLSCipherPolicyDoc } from '../products/slb/services/tls-cipher-policies.js';
import type { Store } from '../state/store.js';
import { compileAclDoc, compileCaCertificateDoc, compileServerCertificateDoc, compileTlsCipherPolicyDoc, type CompileResult, type LbDocs } from './compile-lb.js';
import { CompilerCore, SnapshotCompiler, type AccountData, type SharedDoc } from './incremental.js';

export { pendingKey, type CompileProblem, type CompileResult, type PendingChange } from './compile-lb.js';
export { SnapshotCompiler, type CompileDelta, type CompileOutput } from './incremental.js';

interface Scoped {
  account: string;
  region: string;
  lbs: LoadBalancerDoc[];
  listeners: ListenerDoc[];
  vGroups: Map<string, VServerGroupDoc>;
  msGroups: Map<string, MasterSlaveServerGroupDoc>;
  rules: RuleDoc[];
  domainExtensions: DomainExtensionDoc[];
  instances: Map<string, InstanceDoc>;
}

/** Documents in memory, per (account, region), plus the id-keyed resources (tests, tools). */
export interface ResourceGraph {
  scopes: Scoped[];
  acls: AclDoc[];
  serverCertificates: { doc: ServerCertificateDoc; privateKey: string | Error }[];
  caCertificates: CACertificateDoc[];
  tlsCipherPolicies: TLSCipherPolicyDoc[];
}

/** Reads every document once (one read transaction) and compiles them. */
export async function compileStore(store: Store, version: number): Promise<CompileResult> {
  const { snapshot, problems, pending } = await new SnapshotCompiler(store).compile(version);
  return { snapshot, problems, pending };
}

/** Compiles documents held in memory, exactly as a full compile of a store holding them. */
export function compileGraph(g: ResourceGraph, version: number): CompileResult {
  const byAccount = new Map<string, AccountData>();
  const account = (id: string) => {
    let a = byAccount.get(id);
    if (!a) byAccount.set(id, (a = { account: id, lbs: [], shared: [] }));
    return a;
  };
  for (const sc of g.scopes) {
    const group = <T extends { LoadBalancerId: string }>(docs: Iterable<T>) => {
      const m = new Map<string, T[]>();
      for (const d of docs) {
        const list = m.get(d.LoadBalancerId);
        if (list) list.push(d);
        else m.set(d.LoadBalancerId, [d]);
      }
      return m;
    };
    const listeners = group(sc.listeners);
    const vGroups = group(sc.vGroups.values());
    const msGroups = group(sc.msGroups.values());
    const rules = group(sc.rules);
    const domainExtensions = group(sc.domainExtensions);
    for (const lb of sc.lbs) {
      const id = lb.LoadBalancerId;
      const d: LbDocs = {
        account: sc.account,
        region: sc.region,
        lb,
        listeners: listeners.get(id) ?? [],
        vGroups: vGroups.get(id) ?? [],
        msGroups: msGroups.get(id) ?? [],
        rules: rules.get(id) ?? [],
        domainExtensions: domainExtensions.get(id) ?? [],
        instance: (x) => sc.instances.get(x),
      };
      account(sc.account).lbs.push(d);
    }
  }
  // the graph does not say whose the shared resources are: they go with the first account
  const owner = account(g.scopes[0]?.account ?? '');
  const shared = (x: SharedDoc['compiled'] & object): SharedDoc => ({ tag: x.tag, account: owner.account, region: '', id: x.id, compiled: x });
  for (const a of g.acls) owner.shared.push(shared(compileAclDoc(a)));
  for (const c of g.serverCertificates) owner.shared.push(shared(compileServerCertificateDoc(c.doc, c.privateKey)));
  for (const c of g.caCertificates) owner.shared.push(shared(compileCaCertificateDoc(c)));
  for (const t of g.tlsCipherPolicies) owner.shared.push(shared(compileTlsCipherPolicyDoc(t)));
  const core = new CompilerCore();
  core.reset([...byAccount.values()]);
  const { snapshot, problems, pending } = core.finish(version);
  return { snapshot, problems, pending };
}
