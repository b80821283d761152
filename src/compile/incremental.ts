// The compiler's state between compiles, so that a change costs what it touches: one compiled part
// per load balancer (its candidate from the documents, the checked result, its problems and pending
// changes), the shared entries (ACLs, certificates, CA certificates, TLS policies) by id, and the
// reverse maps that attribute a changed document to the load balancers it affects:
//
//   loadBalancer                         → itself
//   listener (id `${lbId}_${proto}_${port}`) and vServerGroup / masterSlaveServerGroup / rule /
//   domainExtension                      → its LoadBalancerId (the document), or for a deleted one
//                                          the load balancer that read it last (childKey map)
//   instance                             → the load balancers of its scope with a member resolved
//                                          through it (instanceRef map)
//   acl / serverCertificate / caCertificate / tlsCipherPolicy
//                                        → the shared table entry; the load balancers whose
//                                          listeners reference it are re-checked (no re-read) only
//                                          when the entry appears or disappears (sharedRef map)
//   account                              → a new account is read whole, a deleted one dropped
//
// Load balancers with the same bind address compete for ports: the first (by CreateTimeStamp, then
// id) keeps a contested port, so a change re-resolves its bind-address group. The full compile is
// the same pipeline over every document (each read once, grouped by LoadBalancerId: O(N)), and an
// incremental compile must give exactly what a full one gives (test/unit/incremental-compile.test.ts).
// Unchanged load balancers keep their snapshot objects, which lets the data plane skip them.
import { flatKey } from '../util/flat-key.js';
import { openKey, type CACertificateDoc, type ServerCertificateDoc } from '../products/slb/services/certificates.js';
import type { AclDoc } from '../products/slb/services/acls.js';
import { KINDS, type InstanceDoc, type ListenerDoc, type LoadBalancerDoc, type MasterSlaveServerGroupDoc, type VServerGroupDoc } from '../products/slb/services/model.js';
import type { DomainExtensionDoc, RuleDoc } from '../products/slb/services/rules.js';
import type { TLSCipherPolicyDoc } from '../products/slb/services/tls-cipher-policies.js';
import { GLOBAL, type ChangedResource, type Query, type Store, type Tx } from '../state/store.js';
import { ACCOUNT } from '../world/accounts.js';
import {
  freezeSnapshot,
  type AclSnapshot,
  type CaCertificateSnapshot,
  type LoadBalancerSnapshot,
  type ServerCertificateSnapshot,
  type Snapshot,
  type TlsCipherPolicySnapshot,
} from '../dataplane/snapshot.js';
import {
  childKey,
  instanceHostIp,
  compileAclDoc,
  compileCaCertificateDoc,
  compileLoadBalancer,
  compileServerCertificateDoc,
  compileTlsCipherPolicyDoc,
  instanceRef,
  loadBalancerOfListenerId,
  pruneLoadBalancer,
  sameValue,
  sharedRef,
  type CompileProblem,
  type CompileResult,
  type LbCandidate,
  type LbDocs,
  type PendingChange,
  type SharedCompiled,
  type SharedLookup,
  type SharedTag,
} from './compile-lb.js';
import { addTo, removeFrom } from '../util/multimap.js';

/** an access-log configuration document (src/products/slb/actions/access-logs.ts), as far as the compiler reads it */
type AccessLogDoc = { LoadBalancerId: string; LogProject: string; LogStore: string };

/** Every document of one account the compiler reads. */
export interface AccountData {
  account: string;
  lbs: LbDocs[];
  shared: SharedDoc[];
}

/** A shared document as compiled (`compiled` undefined: the document is gone). */
export interface SharedDoc {
  tag: SharedTag;
  account: string;
  region: string;
  /** the store id (for a deleted document) */
  id: string;
  compiled: SharedCompiled | undefined;
}

/** What a compile did, for the control loop (pruning its per-LB state) and the counters. */
export interface CompileDelta {
  mode: 'full' | 'incremental';
  /** load balancers compiled from their documents */
  recompiled: number;
  /** load balancers only re-checked (a shared entry they reference appeared or disappeared, a port contest) */
  rechecked: number;
  /** load balancers whose snapshot object changed: the new one, or undefined when it is gone */
  changed: ReadonlyMap<string, LoadBalancerSnapshot | undefined>;
}

export interface CompileOutput extends CompileResult {
  delta: CompileDelta;
}

type SortKey = readonly [number, string, string, string];
const cmpKey = (a: SortKey, b: SortKey): number => {
  if (a[0] !== b[0]) return a[0] < b[0] ? -1 : 1;
  for (let i = 1; i < 4; i++) if (a[i] !== b[i]) return (a[i] as string) < (b[i] as string) ? -1 : 1;
  return 0;
};
/** Snapshot order: oldest load balancer first (it keeps a contested port), then by id. */
const sortKeyOf = (account: string, region: string, lb: LoadBalancerDoc): SortKey => {
  const t = Number(lb.CreateTimeStamp);
  return [Number.isFinite(t) ? t : 0, lb.LoadBalancerId, account, region];
};

interface LbPart {
  id: string;
  account: string;
  region: string;
  sortKey: SortKey;
  cand: LbCandidate;
  /** checked alone (pruneLoadBalancer) */
  local: LoadBalancerSnapshot | undefined;
  localWhitelists: AclSnapshot[];
  localProblems: CompileProblem[];
  /** what the snapshot holds, after its bind-address group's port contests */
  final: LoadBalancerSnapshot | undefined;
  bindProblems: CompileProblem[];
}

interface SharedEntry {
  scopeKey: string;
  snap: SharedCompiled['snap'];
  problems: CompileProblem[];
}

const SHARED_TAGS: readonly SharedTag[] = ['acl', 'cert', 'ca', 'tls'];
const TABLE_OF = { acl: 'acls', cert: 'serverCertificates', ca: 'caCertificates', tls: 'tlsCipherPolicies' } as const;

interface Batch {
  mode: 'full' | 'incremental';
  upserted: Set<string>;
  recheck: Set<string>;
  groups: Set<string>;
  touched: Set<string>;
  dirty: Record<SharedTag, boolean>;
  whitelistsDirty: boolean;
  orderDirty: boolean;
  recompiled: number;
}

const newBatch = (mode: Batch['mode']): Batch => ({
  mode,
  upserted: new Set(),
  recheck: new Set(),
  groups: new Set(),
  touched: new Set(),
  dirty: { acl: false, cert: false, ca: false, tls: false },
  whitelistsDirty: false,
  orderDirty: false,
  recompiled: 0,
});


/** The compiler's state; store-free (SnapshotCompiler reads, this compiles and assembles). */
export class CompilerCore {
  private accounts = new Set<string>();
  private parts = new Map<string, LbPart>();
  /** parts in snapshot order */
  private order: LbPart[] = [];
  private accountParts = new Map<string, Set<string>>();
  private shared: Record<SharedTag, Map<string, Map<string, SharedEntry>>> = { acl: new Map(), cert: new Map(), ca: new Map(), tls: new Map() };
  /** account → `${tag}\0${id}\0${scopeKey}` of its shared entries */
  private accountShared = new Map<string, Set<string>>();
  private sharedProblems = new Map<string, CompileProblem[]>();
  private childLb = new Map<string, string>();
  private refLbs = new Map<string, Set<string>>();
  private bindLbs = new Map<string, Set<string>>();
  private whitelistParts = new Set<LbPart>();
  private problemParts = new Set<LbPart>();
  private pendingParts = new Set<LbPart>();
  /** load balancer ids seen in two scopes (the first one read is compiled; any change to them → full compile) */
  private duplicates = new Map<string, CompileProblem>();
  /** the address each instance had when the load balancers using it were compiled */
  private instanceIps = new Map<string, string | undefined>();
  private lastFinal = new Map<string, LoadBalancerSnapshot>();
  private last: Snapshot | undefined;
  private batch: Batch = newBatch('incremental');

  private readonly lookup: SharedLookup = {
    acl: (id) => this.effective('acl', id) as AclSnapshot | undefined,
    serverCertificate: (id) => this.effective('cert', id) as ServerCertificateSnapshot | undefined,
    caCertificate: (id) => this.effective('ca', id) as CaCertificateSnapshot | undefined,
    tlsCipherPolicy: (id) => this.effective('tls', id) as TlsCipherPolicySnapshot | undefined,
  };

  // -- what the reader asks -----------------------------------------------------------------------

  hasAccount(account: string): boolean {
    return this.accounts.has(account);
  }
  accountLbCount(account: string): number {
    return this.accountParts.get(account)?.size ?? 0;
  }
  /** the scope of a compiled load balancer */
  scopeOf(lbId: string): { account: string; region: string } | undefined {
    const p = this.parts.get(lbId);
    return p && { account: p.account, region: p.region };
  }
  isDuplicate(lbId: string): boolean {
    return this.duplicates.has(lbId);
  }
  hasDuplicates(): boolean {
    return this.duplicates.size > 0;
  }
  /** the load balancer that read a child document last */
  loadBalancerOfChild(key: string): string | undefined {
    return this.childLb.get(key);
  }
  /** Whether a changed instance document changes any compiled result (the compiler reads only its address). */
  instanceMatters(ref: string, doc: InstanceDoc | undefined): boolean {
    return !this.instanceIps.has(ref) || this.instanceIps.get(ref) !== instanceHostIp(doc);
  }
  /** the load balancers whose compiled result depends on `ref` */
  referencing(ref: string): Iterable<string> {
    return this.refLbs.get(ref) ?? [];
  }

  // -- changes ------------------------------------------------------------------------------------

  /** Forgets everything (a full compile follows); the last snapshot's objects stay for reuse. */
  reset(accounts: readonly AccountData[]): void {
    this.accounts.clear();
    this.parts.clear();
    this.order = [];
    this.accountParts.clear();
    for (const t of SHARED_TAGS) this.shared[t].clear();
    this.accountShared.clear();
    this.sharedProblems.clear();
    this.childLb.clear();
    this.refLbs.clear();
    this.bindLbs.clear();
    this.whitelistParts.clear();
    this.problemParts.clear();
    this.pendingParts.clear();
    this.duplicates.clear();
    this.instanceIps.clear();
    this.batch = newBatch('full');
    for (const a of accounts) this.addAccount(a);
    for (const id of this.lastFinal.keys()) if (!this.parts.has(id)) this.batch.touched.add(id);
    this.batch.orderDirty = true;
    for (const t of SHARED_TAGS) this.batch.dirty[t] = true;
    this.batch.whitelistsDirty = true;
  }

  addAccount(a: AccountData): void {
    this.accounts.add(a.account);
    for (const s of a.shared) this.setShared(s);
    for (const d of a.lbs) this.upsertLb(d);
  }

  removeAccount(account: string): void {
    for (const id of [...(this.accountParts.get(account) ?? [])]) this.removeLb(id);
    for (const key of [...(this.accountShared.get(account) ?? [])]) {
      const [tag, id, , region] = key.split('\u0000') as [SharedTag, string, string, string];
      this.setShared({ tag, account, region, id, compiled: undefined });
    }
    this.accounts.delete(account);
    this.accountParts.delete(account);
    this.accountShared.delete(account);
  }

  /** A shared document put (compiled) or deleted. */
  setShared(s: SharedDoc): void {
    const scopeKey = `${s.account}\u0000${s.region}`;
    const id = s.compiled?.id ?? s.id;
    const before = this.effective(s.tag, id);
    let byScope = this.shared[s.tag].get(id);
    const key = `${s.tag}\u0000${id}\u0000${scopeKey}`;
    if (s.compiled) {
      if (!byScope) this.shared[s.tag].set(id, (byScope = new Map()));
      let snap = s.compiled.snap;
      // an unchanged entry keeps its object (the data plane then leaves its users alone)
      const prev = byScope.get(scopeKey)?.snap ?? (this.last?.[TABLE_OF[s.tag]] as Record<string, SharedCompiled['snap']> | undefined)?.[id];
      if (snap && prev && snap !== prev && sameValue(snap, prev)) snap = prev;
      byScope.set(scopeKey, { scopeKey, snap, problems: s.compiled.problems });
      addTo(this.accountShared, s.account, key);
      if (s.compiled.problems.length) this.sharedProblems.set(key, s.compiled.problems);
      else this.sharedProblems.delete(key);
    } else {
      if (byScope) {
        byScope.delete(scopeKey);
        if (!byScope.size) this.shared[s.tag].delete(id);
      }
      removeFrom(this.accountShared, s.account, key);
      this.sharedProblems.delete(key);
    }
    const after = this.effective(s.tag, id);
    if (after !== before) this.batch.dirty[s.tag] = true;
    if (!after !== !before) for (const lb of this.referencing(sharedRef(s.tag, id))) this.batch.recheck.add(lb);
  }

  /** The entry of an id that checked out (the smallest scope wins if two accounts share an id). */
  private effective(tag: SharedTag, id: string): SharedCompiled['snap'] {
    const byScope = this.shared[tag].get(id);
    if (!byScope) return undefined;
    let best: SharedEntry | undefined;
    for (const e of byScope.values()) if (!best || e.scopeKey < best.scopeKey) best = e;
    return best?.snap;
  }

  /** A load balancer's documents as read now: recompiles it. */
  upsertLb(d: LbDocs): void {
    const id = d.lb.LoadBalancerId;
    let p = this.parts.get(id);
    if (p && (p.account !== d.account || p.region !== d.region)) {
      this.duplicates.set(id, { kind: 'loadBalancer', id, message: `duplicate loadBalancerId (also in ${d.account}/${d.region})` });
      return;
    }
    const cand = compileLoadBalancer(d);
    this.batch.recompiled++;
    const key = sortKeyOf(d.account, d.region, d.lb);
    if (p) {
      this.unlink(p);
      this.batch.groups.add(p.cand.bindAddress);
      if (cmpKey(key, p.sortKey) !== 0) {
        this.removeFromOrder(p);
        p.sortKey = key;
        this.insertInOrder(p);
      }
      p.cand = cand;
    } else {
      p = { id, account: d.account, region: d.region, sortKey: key, cand, local: undefined, localWhitelists: [], localProblems: [], final: undefined, bindProblems: [] };
      this.parts.set(id, p);
      addTo(this.accountParts, d.account, id);
      this.insertInOrder(p);
    }
    this.link(p);
    for (const [ref, ip] of cand.instanceIps) this.instanceIps.set(ref, ip);
    this.batch.upserted.add(id);
    this.batch.touched.add(id);
  }

  /** A load balancer whose document is gone (only in the scope it was compiled in). */
  removeLb(id: string, scope?: { account: string; region: string }): void {
    const p = this.parts.get(id);
    if (!p || (scope && (scope.account !== p.account || scope.region !== p.region))) return;
    this.unlink(p);
    this.parts.delete(id);
    removeFrom(this.accountParts, p.account, id);
    this.removeFromOrder(p);
    this.batch.groups.add(p.cand.bindAddress);
    this.batch.touched.add(id);
    if (this.whitelistParts.delete(p)) this.batch.whitelistsDirty = true;
    this.problemParts.delete(p);
    this.pendingParts.delete(p);
  }

  private link(p: LbPart) {
    for (const c of p.cand.children) this.childLb.set(c, p.id);
    for (const r of p.cand.refs) addTo(this.refLbs, r, p.id);
    addTo(this.bindLbs, p.cand.bindAddress, p.id);
  }

  private unlink(p: LbPart) {
    for (const c of p.cand.children) if (this.childLb.get(c) === p.id) this.childLb.delete(c);
    for (const r of p.cand.refs) removeFrom(this.refLbs, r, p.id);
    removeFrom(this.bindLbs, p.cand.bindAddress, p.id);
  }

  private position(key: SortKey): number {
    let lo = 0;
    let hi = this.order.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (cmpKey(this.order[mid]!.sortKey, key) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
  private insertInOrder(p: LbPart) {
    this.order.splice(this.position(p.sortKey), 0, p);
    this.batch.orderDirty = true;
  }
  private removeFromOrder(p: LbPart) {
    const i = this.position(p.sortKey);
    if (this.order[i] === p) this.order.splice(i, 1);
    else this.order = this.order.filter((x) => x !== p);
    this.batch.orderDirty = true;
  }

  /** Drops the batch in progress (a failed compile; the caller then does a full one). */
  abort(): void {
    this.batch = newBatch('incremental');
  }

  // -- assembly -------------------------------------------------------------------------------------

  /** Checks what the batch touched, resolves port contests, and assembles the snapshot. */
  finish(version: number): CompileOutput {
    const b = this.batch;
    this.batch = newBatch('incremental');
    const rechecked = new Set<string>();
    for (const id of [...b.upserted, ...b.recheck]) {
      const p = this.parts.get(id);
      if (!p) continue;
      if (!b.upserted.has(id)) rechecked.add(id);
      this.checkAlone(p, b);
      b.groups.add(p.cand.bindAddress);
      b.touched.add(id);
    }
    for (const addr of b.groups) {
      const members = [...(this.bindLbs.get(addr) ?? [])].map((id) => this.parts.get(id)!);
      if (members.length > 1) {
        members.sort((x, y) => cmpKey(x.sortKey, y.sortKey));
        this.contest(members);
        for (const m of members) {
          b.touched.add(m.id);
          if (!b.upserted.has(m.id)) rechecked.add(m.id);
        }
      } else if (members.length === 1) {
        // alone at its address (maybe no longer contested): what it checked out as alone
        const p = members[0]!;
        p.final = this.reuse(p.id, p.local);
        p.bindProblems = [];
        b.touched.add(p.id);
      }
    }
    const changed = new Map<string, LoadBalancerSnapshot | undefined>();
    for (const id of b.touched) {
      const p = this.parts.get(id);
      if (p) {
        if (p.cand.problems.length || p.localProblems.length || p.bindProblems.length) this.problemParts.add(p);
        else this.problemParts.delete(p);
        if (p.cand.pending.length) this.pendingParts.add(p);
        else this.pendingParts.delete(p);
      }
      const f = p?.final;
      if (f !== this.lastFinal.get(id)) {
        changed.set(id, f);
        if (f) this.lastFinal.set(id, f);
        else this.lastFinal.delete(id);
      }
    }
    const last = this.last;
    let loadBalancers = last?.loadBalancers;
    if (!loadBalancers || b.orderDirty || changed.size) loadBalancers = this.listLoadBalancers();
    const table = <T>(tag: SharedTag, extra?: () => Iterable<[string, T]>): Readonly<Record<string, T>> => {
      const prev = last?.[TABLE_OF[tag]] as Readonly<Record<string, T>> | undefined;
      if (prev && !b.dirty[tag] && !(extra && b.whitelistsDirty)) return prev;
      const out: Record<string, T> = {};
      for (const id of this.shared[tag].keys()) {
        const v = this.effective(tag, id);
        if (v) out[id] = v as T;
      }
      if (extra) for (const [k, v] of extra()) out[k] = v;
      return Object.freeze(out);
    };
    const whitelistParts = this.whitelistParts;
    // every part and entry is frozen already: freezing the new containers freezes the snapshot
    const snapshot: Snapshot = Object.freeze({
      version,
      loadBalancers,
      acls: table<AclSnapshot>('acl', function* () {
        for (const p of whitelistParts) for (const w of p.localWhitelists) yield [w.aclId, w];
      }),
      serverCertificates: table<ServerCertificateSnapshot>('cert'),
      caCertificates: table<CaCertificateSnapshot>('ca'),
      tlsCipherPolicies: table<TlsCipherPolicySnapshot>('tls'),
    });
    this.last = snapshot;
    const byOrder = (x: LbPart, y: LbPart) => cmpKey(x.sortKey, y.sortKey);
    const problems: CompileProblem[] = [];
    const sharedKeys = [...this.sharedProblems.keys()].sort((x, y) => SHARED_TAGS.indexOf(x.split('\u0000')[0] as SharedTag) - SHARED_TAGS.indexOf(y.split('\u0000')[0] as SharedTag) || (x < y ? -1 : x > y ? 1 : 0));
    for (const k of sharedKeys) problems.push(...this.sharedProblems.get(k)!);
    problems.push(...this.duplicates.values());
    for (const p of [...this.problemParts].sort(byOrder)) problems.push(...p.cand.problems, ...p.localProblems, ...p.bindProblems);
    const pending: PendingChange[] = [];
    for (const p of [...this.pendingParts].sort(byOrder)) pending.push(...p.cand.pending);
    return { snapshot, problems, pending, delta: { mode: b.mode, recompiled: b.recompiled, rechecked: rechecked.size, changed } };
  }

  /** The snapshot's load-balancer list: one pass over the parts in order, copying references. */
  private listLoadBalancers(): readonly LoadBalancerSnapshot[] {
    const list: LoadBalancerSnapshot[] = new Array<LoadBalancerSnapshot>(this.order.length);
    let n = 0;
    for (let i = 0; i < this.order.length; i++) {
      const f = this.order[i]!.final;
      if (f) list[n++] = f;
    }
    list.length = n;
    return Object.freeze(list);
  }

  /** pruneLoadBalancer on the candidate; whitelists keep their objects when unchanged. */
  private checkAlone(p: LbPart, b: Batch) {
    const problems: CompileProblem[] = [];
    const r = pruneLoadBalancer(p.cand.lb, p.cand.whitelists, this.lookup, (kind, id, message) => problems.push({ kind, id, message }));
    const prevAcls = this.last?.acls;
    const wl = r.whitelists.map((w) => {
      const prev = prevAcls?.[w.aclId];
      return prev && sameValue(prev, w) ? prev : freezeSnapshot(w);
    });
    if (wl.length !== p.localWhitelists.length || wl.some((w, i) => w !== p.localWhitelists[i])) b.whitelistsDirty = true;
    p.localWhitelists = wl;
    if (wl.length) this.whitelistParts.add(p);
    else this.whitelistParts.delete(p);
    p.local = r.lb && freezeSnapshot(r.lb);
    p.localProblems = problems;
  }

  /** Ports of one bind address: in snapshot order, the first listener to claim one keeps it. */
  private contest(members: LbPart[]) {
    const claimed = new Map<string, string>();
    for (const p of members) {
      p.bindProblems = [];
      let lb = p.local;
      if (lb) {
        const drop = new Set<string>();
        for (const l of lb.listeners) {
          const other = claimed.get(bindKey(lb, l));
          if (other !== undefined && other !== l.listenerId) {
            drop.add(l.listenerId);
            p.bindProblems.push({ kind: 'listener', id: l.listenerId, message: `listener: port already used by ${other}` });
          }
        }
        if (drop.size) {
          const wl: Record<string, AclSnapshot> = {};
          for (const w of p.localWhitelists) wl[w.aclId] = w;
          const reduced = { ...lb, listeners: lb.listeners.filter((l) => !drop.has(l.listenerId)) };
          lb = pruneLoadBalancer(reduced, wl, this.lookup, (kind, id, message) => p.bindProblems.push({ kind, id, message })).lb;
          if (lb) freezeSnapshot(lb);
        }
        for (const l of lb?.listeners ?? []) {
          const k = bindKey(lb!, l);
          if (!claimed.has(k)) claimed.set(k, l.listenerId);
        }
      }
      p.final = this.reuse(p.id, lb);
    }
  }

  /** The previous snapshot object of a load balancer when the new one equals it. */
  private reuse(id: string, lb: LoadBalancerSnapshot | undefined): LoadBalancerSnapshot | undefined {
    const prev = this.lastFinal.get(id);
    return lb && prev && sameValue(prev, lb) ? prev : lb;
  }
}

const bindKey = (lb: LoadBalancerSnapshot, l: { protocol: string; port: number }) => flatKey([l.protocol === 'udp' ? 'udp' : 'tcp', lb.bindAddress ?? lb.address, l.port], ':');

// ---------------------------------------------------------------------------------------------
// Reading.

const SHARED_KIND: Readonly<Record<string, SharedTag>> = { acl: 'acl', serverCertificate: 'cert', caCertificate: 'ca', tlsCipherPolicy: 'tls' };
const CHILD_KINDS: ReadonlySet<string> = new Set([KINDS.vServerGroup, KINDS.masterSlaveServerGroup, KINDS.rule, KINDS.domainExtension]);

/** Compiles one shared document (server certificates: the private key opened with the store's SecretBox). */
export function compileSharedDoc(store: Store, tag: SharedTag, doc: unknown): SharedCompiled {
  switch (tag) {
    case 'acl':
      return compileAclDoc(doc as AclDoc);
    case 'ca':
      return compileCaCertificateDoc(doc as CACertificateDoc);
    case 'tls':
      return compileTlsCipherPolicyDoc(doc as TLSCipherPolicyDoc);
    case 'cert': {
      const c = doc as ServerCertificateDoc;
      let privateKey: string | Error;
      try {
        privateKey = openKey(store, c);
      } catch (e) {
        privateKey = e instanceof Error ? e : new Error(String(e));
      }
      return compileServerCertificateDoc(c, privateKey);
    }
  }
}

/**
 * Whether the data plane has anything to do for a load balancer: a listener that is not stopped,
 * or one with a transition pending. The others stay out of the snapshot (nothing to bind, probe or
 * drain), so the data plane's size and work follow the serving load balancers, not all of them.
 */
const serving = (listeners: readonly ListenerDoc[]): boolean => listeners.some((l) => l.Status !== 'stopped' || l.Pending !== undefined);
/** every listener status but 'stopped' (ListenerDoc.Status) */
const ACTIVE_STATUSES = ['running', 'starting', 'stopping', 'configuring'] as const;
/** ids per statement when the documents of the serving load balancers are read by id */
const ID_CHUNK = 2000;

/** Every document of one account the compiler reads, each once (listAccount per kind). */
export type ServingReads = 'auto' | 'index' | 'scan';

export async function readAccount(tx: Tx, store: Store, account: string, how: ServingReads = 'auto'): Promise<AccountData> {
  const shared: SharedDoc[] = [];
  const sharedOf = async (kind: string, tag: SharedTag) => {
    for (const { region, doc } of await tx.listAccount<Record<string, unknown>>(kind, account)) {
      const compiled = compileSharedDoc(store, tag, doc);
      shared.push({ tag, account, region, id: compiled.id, compiled });
    }
  };
  await sharedOf(KINDS.acl, 'acl');
  await sharedOf(KINDS.serverCertificate, 'cert');
  await sharedOf(KINDS.caCertificate, 'ca');
  await sharedOf(KINDS.tlsCipherPolicy, 'tls');
  const group = <T extends { LoadBalancerId: string }>(rows: { region: string; doc: T }[]) => {
    const m = new Map<string, T[]>();
    for (const { region, doc } of rows) {
      const k = `${region}\u0000${doc.LoadBalancerId}`;
      const list = m.get(k);
      if (list) list.push(doc);
      else m.set(k, [doc]);
    }
    return m;
  };
  const total = how === 'auto' ? await tx.count(KINDS.loadBalancer, { account }) : 0;
  // The serving listeners through the Status / PendingTarget index when they are few (a large
  // account mostly stopped: 5 000 of 50 000), so a start reads what it serves, not every listener;
  // every listener of the account in one pass otherwise, or when a status outside the model is
  // stored (the index lookup would miss it). Counts by one value are a row of resource_counts each.
  let live: string[] | undefined;
  const byStatus = async (status: string) => tx.count(KINDS.listener, { account }, { where: { Status: status } });
  let active = 0;
  if (how !== 'scan') for (const st of ACTIVE_STATUSES) active += await byStatus(st);
  if (how !== 'scan' && (how === 'index' || active * 4 < total) && active + (await byStatus('stopped')) === (await tx.count(KINDS.listener, { account }))) {
    const found = new Set<string>();
    for (const where of [{ Status: [...ACTIVE_STATUSES] }, { PendingTarget: ['running', 'stopped'] }] as Record<string, string[]>[]) {
      for (const { region, doc } of await tx.query<ListenerDoc>(KINDS.listener, { account }, { where })) found.add(`${region}\u0000${doc.LoadBalancerId}`);
    }
    if (!found.size) return { account, lbs: [], shared };
    live = [...found];
  }
  // a few serving load balancers: their documents by id and by LoadBalancerId, a statement per
  // kind and region (and per ID_CHUNK ids); else every document of each kind in one pass
  const byRegion = new Map<string, string[]>();
  for (const k of live ?? []) {
    const [region, id] = k.split('\u0000') as [string, string];
    const ids = byRegion.get(region);
    if (ids) ids.push(id);
    else byRegion.set(region, [id]);
  }
  const ofLive = async <T>(kind: string, q: (ids: string[]) => Query): Promise<{ region: string; doc: T }[]> => {
    const out: { region: string; doc: T }[] = [];
    for (const [region, ids] of byRegion) for (let i = 0; i < ids.length; i += ID_CHUNK) out.push(...(await tx.query<T>(kind, { account, region }, q(ids.slice(i, i + ID_CHUNK)))));
    return out;
  };
  const byLb = async <T extends { LoadBalancerId: string }>(kind: string) => group(live ? await ofLive<T>(kind, (ids) => ({ where: { LoadBalancerId: ids } })) : await tx.listAccount<T>(kind, account));
  const listeners = await byLb<ListenerDoc>(KINDS.listener);
  const keys = live ?? [...listeners].filter(([, ls]) => serving(ls)).map(([k]) => k);
  if (!keys.length) return { account, lbs: [], shared };
  let lbs: { region: string; doc: LoadBalancerDoc }[];
  if (live) lbs = await ofLive<LoadBalancerDoc>(KINDS.loadBalancer, (ids) => ({ ids }));
  else {
    const keep = new Set(keys);
    lbs = (await tx.listAccount<LoadBalancerDoc>(KINDS.loadBalancer, account)).filter(({ region, doc }) => keep.has(`${region}\u0000${doc.LoadBalancerId}`));
  }
  const vGroups = await byLb<VServerGroupDoc>(KINDS.vServerGroup);
  const msGroups = await byLb<MasterSlaveServerGroupDoc>(KINDS.masterSlaveServerGroup);
  const rules = await byLb<RuleDoc>(KINDS.rule);
  const domainExtensions = await byLb<DomainExtensionDoc>(KINDS.domainExtension);
  const accessLogs = live ? group(await ofLive<AccessLogDoc>(KINDS.accessLogsDownload, (ids) => ({ ids }))) : await byLb<AccessLogDoc>(KINDS.accessLogsDownload);
  const instances = new Map<string, InstanceDoc>();
  for (const { region, doc } of await tx.listAccount<InstanceDoc>(KINDS.instance, account)) instances.set(`${region}\u0000${doc.InstanceId}`, doc);
  return {
    account,
    shared,
    lbs: lbs.map(({ region, doc }) => {
      const k = `${region}\u0000${doc.LoadBalancerId}`;
      return {
        account,
        region,
        lb: doc,
        listeners: listeners.get(k) ?? [],
        vGroups: vGroups.get(k) ?? [],
        msGroups: msGroups.get(k) ?? [],
        rules: rules.get(k) ?? [],
        domainExtensions: domainExtensions.get(k) ?? [],
        accessLog: accessLogs.get(k)?.[0],
        instance: (id) => instances.get(`${region}\u0000${id}`),
      };
    }),
  };
}

/** What one incremental compile reads, decided from the changed documents and the reverse maps. */
interface Plan {
  removeAccounts: string[];
  /** new accounts, and accounts with so many affected load balancers that one pass over them is cheaper */
  loadAccounts: AccountData[];
  shared: SharedDoc[];
  removeLbs: { account: string; region: string; id: string }[];
  lbs: LbDocs[];
}

export interface SnapshotCompilerOptions {
  /** read a whole account instead of load balancer by load balancer above this many affected ones
   *  (and above a tenth of the account's load balancers) */
  wholeAccountAbove?: number;
  /** how a full read finds the serving load balancers: 'auto' (default) through the listener status
   *  index when under a quarter of the account's load balancers serve, else one pass over every
   *  listener; 'index' / 'scan' force one way (tests compare them) */
  servingReads?: ServingReads;
}

/**
 * Compiles the store into snapshots: the first compile, and any compile told "anything may have
 * changed", reads everything (each document once); later ones read and recompile only the load
 * balancers the changed documents affect, in one read transaction.
 */
export class SnapshotCompiler {
  private readonly core = new CompilerCore();
  private needFull = true;
  private readonly wholeAccountAbove: number;
  private readonly servingReads: ServingReads;

  constructor(
    private readonly store: Store,
    opts: SnapshotCompilerOptions = {},
  ) {
    this.wholeAccountAbove = opts.wholeAccountAbove ?? 64;
    this.servingReads = opts.servingReads ?? 'auto';
  }

  /** `changes` undefined: a full compile. */
  async compile(version: number, changes?: readonly ChangedResource[]): Promise<CompileOutput> {
    try {
      let plan: Plan | 'full' = 'full';
      if (!this.needFull && changes) plan = await this.store.read((tx) => this.plan(tx, changes));
      if (plan === 'full') {
        const accounts = await this.store.read(async (tx) => {
          const out: AccountData[] = [];
          for (const a of await tx.list<{ AccountId: string }>(ACCOUNT, GLOBAL)) out.push(await readAccount(tx, this.store, a.AccountId, this.servingReads));
          return out;
        });
        this.core.reset(accounts);
      } else {
        for (const a of plan.removeAccounts) this.core.removeAccount(a);
        const reloaded = new Set<string>();
        for (const a of plan.loadAccounts) {
          this.core.removeAccount(a.account);
          this.core.addAccount(a);
          reloaded.add(a.account);
        }
        for (const s of plan.shared) if (!reloaded.has(s.account)) this.core.setShared(s);
        for (const r of plan.removeLbs) this.core.removeLb(r.id, r);
        for (const d of plan.lbs) this.core.upsertLb(d);
      }
      const out = this.core.finish(version);
      this.needFull = false;
      return out;
    } catch (e) {
      this.core.abort();
      this.needFull = true;
      throw e;
    }
  }

  private async plan(tx: Tx, changes: readonly ChangedResource[]): Promise<Plan | 'full'> {
    const core = this.core;
    const plan: Plan = { removeAccounts: [], loadAccounts: [], shared: [], removeLbs: [], lbs: [] };
    const loading = new Set<string>();
    for (const r of changes) {
      if (r.kind !== ACCOUNT) continue;
      const exists = (await tx.get(ACCOUNT, GLOBAL, r.id)) !== undefined;
      if (exists && !core.hasAccount(r.id)) loading.add(r.id);
      else if (!exists && core.hasAccount(r.id)) plan.removeAccounts.push(r.id);
      // an account that stays: the compiler reads none of its fields
    }
    /** account → `${region}\0${lbId}` */
    const affected = new Map<string, Set<string>>();
    const touch = (account: string, region: string, lbId: string) => addTo(affected, account, `${region}\u0000${lbId}`);
    const seen = new Set<string>();
    for (const r of changes) {
      if (r.kind === ACCOUNT || !core.hasAccount(r.account) || loading.has(r.account) || plan.removeAccounts.includes(r.account)) continue;
      const key = childKey(r.kind, r.account, r.region, r.id);
      if (seen.has(key)) continue;
      seen.add(key);
      const scope = { account: r.account, region: r.region };
      // an access-log configuration's id is its load balancer's
      if (r.kind === KINDS.loadBalancer || r.kind === KINDS.accessLogsDownload) touch(r.account, r.region, r.id);
      else if (r.kind === KINDS.listener) {
        const lb = core.loadBalancerOfChild(key) ?? loadBalancerOfListenerId(r.id);
        if (lb) touch(r.account, r.region, lb);
      } else if (CHILD_KINDS.has(r.kind)) {
        const before = core.loadBalancerOfChild(key);
        if (before) touch(r.account, r.region, before);
        const doc = await tx.get<{ LoadBalancerId?: string }>(r.kind, scope, r.id);
        if (doc?.LoadBalancerId) touch(r.account, r.region, doc.LoadBalancerId);
      } else if (r.kind === KINDS.instance) {
        const ref = instanceRef(r.account, r.region, r.id);
        const users = [...core.referencing(ref)];
        if (!users.length || !core.instanceMatters(ref, await tx.get<InstanceDoc>(KINDS.instance, scope, r.id))) continue;
        for (const lb of users) touch(r.account, r.region, lb);
      } else if (SHARED_KIND[r.kind]) {
        const tag = SHARED_KIND[r.kind]!;
        const doc = await tx.get(r.kind, scope, r.id);
        plan.shared.push({ tag, account: r.account, region: r.region, id: r.id, compiled: doc === undefined ? undefined : compileSharedDoc(this.store, tag, doc) });
      }
    }
    for (const [account, keys] of affected) {
      if (keys.size > this.wholeAccountAbove && keys.size * 10 > core.accountLbCount(account)) {
        loading.add(account);
        continue;
      }
      const byRegion = new Map<string, string[]>();
      for (const k of keys) {
        const [region, lbId] = k.split('\u0000') as [string, string];
        if (core.isDuplicate(lbId)) return 'full';
        const list = byRegion.get(region);
        if (list) list.push(lbId);
        else byRegion.set(region, [lbId]);
      }
      for (const [region, ids] of byRegion) {
        const scope = { account, region };
        const docs: Omit<LbDocs, 'instance'>[] = [];
        const serverIds = new Set<string>();
        // documents by id are read with get (on PostgreSQL the load balancers and their access-log
        // settings in one statement first: Tx.prefetch)
        await tx.prefetch(ids.flatMap((id) => [{ kind: KINDS.loadBalancer, scope, id }, { kind: KINDS.accessLogsDownload, scope, id }]));
        for (const id of ids) {
          const lb = await tx.get<LoadBalancerDoc>(KINDS.loadBalancer, scope, id);
          if (!lb) {
            plan.removeLbs.push({ account, region, id });
            continue;
          }
          const where = { where: { LoadBalancerId: id } };
          const rows = async <T>(kind: string) => (await tx.query<T>(kind, scope, where)).map((x) => x.doc);
          const d = {
            account,
            region,
            lb,
            listeners: await rows<ListenerDoc>(KINDS.listener),
            vGroups: await rows<VServerGroupDoc>(KINDS.vServerGroup),
            msGroups: await rows<MasterSlaveServerGroupDoc>(KINDS.masterSlaveServerGroup),
            rules: await rows<RuleDoc>(KINDS.rule),
            domainExtensions: await rows<DomainExtensionDoc>(KINDS.domainExtension),
            accessLog: await tx.get<AccessLogDoc>(KINDS.accessLogsDownload, scope, id),
          };
          if (!serving(d.listeners)) {
            plan.removeLbs.push({ account, region, id });
            continue;
          }
          const other = core.scopeOf(id);
          if (other && (other.account !== account || other.region !== region)) return 'full';
          // every member's instance: its host address decides where the data plane connects
          for (const b of lb.BackendServers ?? []) serverIds.add(b.ServerId);
          for (const g of d.vGroups) for (const b of g.BackendServers ?? []) serverIds.add(b.ServerId);
          for (const g of d.msGroups) for (const b of g.MasterSlaveBackendServers ?? []) serverIds.add(b.ServerId);
          docs.push(d);
        }
        const instances = new Map<string, InstanceDoc>();
        await tx.prefetch([...serverIds].map((id) => ({ kind: KINDS.instance, scope, id })));
        for (const sid of serverIds) {
          const doc = await tx.get<InstanceDoc>(KINDS.instance, scope, sid);
          if (doc) instances.set(sid, doc);
        }
        for (const d of docs) plan.lbs.push({ ...d, instance: (id) => instances.get(id) });
      }
    }
    // which copy of a duplicated id wins depends on every account: re-decide it over everything
    if (core.hasDuplicates() && (loading.size || plan.removeAccounts.length)) return 'full';
    for (const a of loading) {
      const data = await readAccount(tx, this.store, a, this.servingReads);
      // an id another account has too: which one wins depends on the order of all accounts
      for (const d of data.lbs) {
        const other = core.scopeOf(d.lb.LoadBalancerId);
        if (other && other.account !== a) return 'full';
      }
      plan.loadAccounts.push(data);
    }
    // an account read whole replaces whatever else was planned for it
    if (plan.loadAccounts.length) {
      plan.lbs = plan.lbs.filter((d) => !loading.has(d.account));
      plan.removeLbs = plan.removeLbs.filter((d) => !loading.has(d.account));
    }
    // one id read in two scopes: which one wins is for a full compile to decide
    const planned = new Map<string, string>();
    for (const d of [...plan.lbs, ...plan.loadAccounts.flatMap((a) => a.lbs)]) {
      const scope = `${d.account}\u0000${d.region}`;
      if ((planned.get(d.lb.LoadBalancerId) ?? scope) !== scope) return 'full';
      planned.set(d.lb.LoadBalancerId, scope);
    }
    return plan;
  }
}
