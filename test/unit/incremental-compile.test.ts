// The incremental compiler against the full one: random sequences of document puts and deletes
// (load balancers, listeners in every ACL shape, server groups, rules, domain extensions,
// instances, ACLs, certificates, CA certificates, TLS policies, accounts — dangling references,
// bad CIDRs, unopenable keys, shared bind addresses and duplicate ids included) written to a real
// SqliteStore; after each compile the incremental snapshot must equal a full compile of the same
// state, and every load balancer it did not report as changed must keep its object.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { compileStore } from '../../src/compile/compiler.js';
import { SnapshotCompiler } from '../../src/compile/incremental.js';
import type { Snapshot } from '../../src/dataplane/snapshot.js';
import { sealKey } from '../../src/products/slb/services/certificates.js';
import { listenerId, type LoadBalancerDoc } from '../../src/products/slb/services/model.js';
import { registerSecrets, SecretBox } from '../../src/state/secrets.js';
import { SqliteStore } from '../../src/state/sqlite-store.js';
import { PostgresStore } from '../../src/state/postgres-store.js';
import { GLOBAL, type ChangedResource, type Store } from '../../src/state/store.js';
import { waitFor } from '../dataplane/helpers.js';
import { createSchema, dropSchema, freshSchema, PG_SKIP, PG_URL } from '../helpers/postgres.js';

/** mulberry32: a small seeded generator, so a failure can be replayed */
function rng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (n: number) => Math.floor(next() * n),
    pick: <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)]!,
    chance: (p: number) => next() < p,
  };
}
type Rng = ReturnType<typeof rng>;

const ACCOUNTS = ['111', '222', '333'];
const REGIONS = ['r1', 'r2'];
/** load balancer ids with their home scope; lb-dup sometimes exists in two */
const LBS = Array.from({ length: 9 }, (_, i) => ({ id: `lb-${i}`, account: ACCOUNTS[i % 3]!, region: REGIONS[(i >> 1) % 2]! }));
const DUP = [
  { id: 'lb-dup', account: '111', region: 'r1' },
  { id: 'lb-dup', account: '222', region: 'r2' },
];
const ADDRESSES = ['127.5.0.1', '127.5.0.2', '127.5.0.3', '::ffff:127.5.0.1', '127.5.0.4', 'not-an-address'];
const INSTANCES = ['i-0', 'i-1', 'i-2', 'i-3'];
const PORTS = [80, 443, 8080];
const PROTOCOLS = ['tcp', 'udp', 'http', 'https'] as const;
const VGROUPS = ['rsp-v0', 'rsp-v1', 'rsp-v2'];
const MSGROUPS = ['rsp-m0', 'rsp-m1'];
const ACLS = ['acl-0', 'acl-1', 'acl-2'];
const CERTS = ['cert-0', 'cert-1', 'cert-2'];
const CAS = ['ca-0', 'ca-1'];
const TLS = ['tls-0', 'tls-1'];

interface Doc {
  kind: string;
  account: string;
  region: string;
  id: string;
  doc: unknown;
}

function lbDoc(r: Rng, id: string, region: string): LoadBalancerDoc {
  const address = r.pick(ADDRESSES);
  return {
    LoadBalancerId: id, LoadBalancerName: id, RegionId: region, Address: address, AddressType: 'internet', AddressIPVersion: address.includes(':') ? 'ipv6' : 'ipv4',
    NetworkType: 'classic', VpcId: '', VSwitchId: '', LoadBalancerStatus: r.pick(['active', 'active', 'active', 'inactive'] as const), LoadBalancerSpec: 's', InstanceChargeType: 'PayBySpec',
    InternetChargeType: 'paybytraffic', Bandwidth: 5120, PayType: 'PayOnDemand', MasterZoneId: 'a', SlaveZoneId: 'b', DeleteProtection: 'off',
    ModificationProtectionStatus: 'NonProtection', ModificationProtectionReason: '', ResourceGroupId: 'rg', CreateTime: '', CreateTimeStamp: r.int(3),
    BackendServers: INSTANCES.filter(() => r.chance(0.4)).map((s) => ({ ServerId: s, Weight: r.pick([0, 50, 100]), Type: 'ecs' as const, ...(r.chance(0.2) ? { ServerIp: '127.0.0.9' } : {}) })),
  };
}

function aclShape(r: Rng): Record<string, unknown> {
  switch (r.int(5)) {
    case 0:
      return { AclId: r.pick(ACLS) };
    case 1:
      return { AclId: `${r.pick(ACLS)}, ${r.pick(ACLS)}` };
    case 2:
      return { AclIds: [r.pick(ACLS), r.pick(ACLS)] };
    case 3:
      return { AclId: { AclId: r.pick(ACLS) } };
    default:
      return { AclId: 'acl-missing' };
  }
}

function listenerFields(r: Rng, protocol: string): Record<string, unknown> {
  const f: Record<string, unknown> = {
    // 'paused' is no status of the model: a full read must then not trust the status index
    Status: r.pick(['running', 'running', 'stopped', 'stopped', 'stopped', 'starting', 'configuring', 'stopping', ...(r.chance(0.02) ? ['paused'] : [])]),
    Bandwidth: r.pick([-1, 10]),
    BackendServerPort: r.pick([8080, undefined]),
    Scheduler: r.pick(['wrr', 'rr', 'sch', 'qch', 'bogus']),
    HealthCheckInterval: r.pick([1, 2, undefined]),
  };
  if (r.chance(0.1)) f['Pending'] = { op: r.pick(['start', 'stop', 'configure']), target: r.pick(['running', 'stopped']), since: r.int(5), observed: 0 };
  if (r.chance(0.3)) f['VServerGroupId'] = r.pick([...VGROUPS, 'rsp-gone']);
  else if (r.chance(0.2)) f['MasterSlaveServerGroupId'] = r.pick(MSGROUPS);
  if (r.chance(0.35)) Object.assign(f, { AclStatus: 'on', AclType: r.pick(['white', 'black']) }, aclShape(r));
  else if (r.chance(0.25)) Object.assign(f, { AccessControlStatus: 'open_white_list', SourceItems: r.pick([['10.0.0.0/8'], ['192.168.1.1,10.1.0.0/16'], ['nope'], []]) });
  if (protocol === 'https') {
    if (r.chance(0.9)) f['ServerCertificateId'] = r.pick([...CERTS, 'cert-gone']);
    if (r.chance(0.3)) f['CACertificateId'] = r.pick([...CAS, 'ca-gone']);
    f['TLSCipherPolicy'] = r.pick([...TLS, 'tls_cipher_policy_1_2', undefined]);
  }
  if (protocol === 'http' && r.chance(0.3)) Object.assign(f, { ListenerForward: 'on', ForwardPort: r.pick([443, 8080]) });
  if (r.chance(0.2)) f['Pending'] = { op: r.pick(['start', 'set']), target: 'running', since: r.int(5), observed: 0 };
  return f;
}

/** A random document to put. */
function randomPut(r: Rng, store: Store): Doc {
  const home = () => (r.chance(0.1) ? r.pick(DUP) : r.pick(LBS));
  const scopeOf = (lb: { account: string; region: string }) => (r.chance(0.08) ? { account: lb.account, region: r.pick(REGIONS) } : lb);
  switch (r.int(11)) {
    case 0:
    case 1: {
      const lb = home();
      return { kind: 'loadBalancer', ...lb, doc: lbDoc(r, lb.id, lb.region) };
    }
    case 2:
    case 3:
    case 4: {
      const lb = home();
      const protocol = r.pick(PROTOCOLS);
      const port = r.pick(PORTS);
      const id = listenerId(lb.id, protocol, port);
      return { kind: 'listener', ...scopeOf(lb), id, doc: { LoadBalancerId: lb.id, ListenerPort: port, ListenerProtocol: protocol, ...listenerFields(r, protocol) } };
    }
    case 5: {
      const lb = home();
      if (r.chance(0.6)) {
        const id = r.pick(VGROUPS);
        const servers = INSTANCES.filter(() => r.chance(0.5)).map((s) => ({ ServerId: s, Port: r.pick([9000, 9001, 0]), Weight: 100, Type: 'ecs' }));
        return { kind: 'vServerGroup', ...scopeOf(lb), id, doc: { VServerGroupId: id, VServerGroupName: id, LoadBalancerId: lb.id, CreateTime: '', BackendServers: servers } };
      }
      const id = r.pick(MSGROUPS);
      const servers = [{ ServerId: r.pick(INSTANCES), Port: 9000, Weight: 100, Type: 'ecs', ServerType: 'Master' }];
      if (r.chance(0.7)) servers.push({ ServerId: r.pick(INSTANCES), Port: 9001, Weight: 100, Type: 'ecs', ServerType: 'Slave' });
      return { kind: 'masterSlaveServerGroup', ...scopeOf(lb), id, doc: { MasterSlaveServerGroupId: id, MasterSlaveServerGroupName: id, LoadBalancerId: lb.id, CreateTime: '', MasterSlaveBackendServers: servers } };
    }
    case 6: {
      const lb = home();
      if (r.chance(0.6)) {
        const id = `rule-${r.int(4)}`;
        return {
          kind: 'rule', ...scopeOf(lb), id,
          doc: {
            RuleId: id, RuleName: id, LoadBalancerId: lb.id, ListenerPort: r.pick(PORTS), ListenerProtocol: r.pick(['http', 'https']), CreateTime: '',
            ...(r.chance(0.7) ? { Domain: r.pick(['A.example.com', '*.example.org']) } : {}), ...(r.chance(0.6) ? { Url: r.pick(['/a', '/b', 'bad']) } : {}),
            VServerGroupId: r.pick([...VGROUPS, 'rsp-m0']), ListenerSync: r.pick(['on', 'off']), Scheduler: r.pick(['rr', 'wrr']), HealthCheck: 'on',
          },
        };
      }
      const id = `de-${r.int(3)}`;
      return { kind: 'domainExtension', ...scopeOf(lb), id, doc: { DomainExtensionId: id, LoadBalancerId: lb.id, ListenerPort: r.pick([443, 8080]), Domain: r.pick(['X.example.com', '*.w.example.com']), ServerCertificateId: r.pick([...CERTS, 'cert-gone']), Status: 'normal', CreateTime: '' } };
    }
    case 7: {
      const id = r.pick(INSTANCES);
      const region = r.pick(REGIONS);
      return { kind: 'instance', account: r.pick(ACCOUNTS), region, id, doc: { InstanceId: id, RegionId: region, PrivateIpAddress: r.pick(['127.0.0.2', '127.0.0.3', '::1']), NetworkType: 'classic', Status: 'Running', Type: 'ecs' } };
    }
    case 8: {
      const id = r.pick(ACLS);
      const entries = Array.from({ length: r.int(3) }, () => ({ AclEntryIP: r.pick(['10.0.0.0/8', '1.2.3.4', '2001:db8::/32', 'bad']), AclEntryComment: '' }));
      return { kind: 'acl', account: r.pick(ACCOUNTS), region: r.pick(REGIONS), id, doc: { AclId: id, AclName: id, AddressIPVersion: 'ipv4', ResourceGroupId: '', CreateTime: '', Entries: entries } };
    }
    case 9: {
      const id = r.pick(CERTS);
      return { kind: 'serverCertificate', account: r.pick(ACCOUNTS), region: r.pick(REGIONS), id, doc: { ServerCertificateId: id, CertificatePem: r.pick(['PEM-A', 'PEM-B', '']), PrivateKeySealed: sealKey(store, r.chance(0.85) ? id : 'cert-other', r.pick(['KEY-A', 'KEY-B'])) } };
    }
    default: {
      if (r.chance(0.5)) {
        const id = r.pick(CAS);
        return { kind: 'caCertificate', account: r.pick(ACCOUNTS), region: r.pick(REGIONS), id, doc: { CACertificateId: id, CertificatePem: r.pick(['CA-A', 'CA-B']) } };
      }
      const id = r.pick(TLS);
      return { kind: 'tlsCipherPolicy', account: r.pick(ACCOUNTS), region: r.pick(REGIONS), id, doc: { TLSCipherPolicyId: id, Name: id, TLSVersions: r.pick([['TLSv1.2'], ['TLSv1.2', 'TLSv1.3']]), Ciphers: ['ECDHE-RSA-AES128-GCM-SHA256'], Status: 'normal', CreateTime: 0 } };
    }
  }
}

async function withStore(fn: (store: SqliteStore) => Promise<void>) {
  const dir = mkdtempSync(join(tmpdir(), 'openslb-incremental-'));
  const store = new SqliteStore(join(dir, 'db'));
  try {
    registerSecrets(store, new SecretBox(Buffer.alloc(32, 7)));
    await fn(store);
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

const account = (id: string) => ({ AccountId: id, Name: id, Status: 'active', Root: false, CreatedAt: '' });

/**
 * The property, on `writer` (where the documents are written) and `reader` (whose change feed the
 * incremental compiler follows and which both compilers read): the same store, or two nodes of one
 * PostgreSQL database. `synced` resolves once the reader has heard of everything written so far.
 */
async function property(seed: number, writer: Store, reader: Store, synced: () => Promise<void>, steps = 120) {
  const r = rng(seed);
  let changes: ChangedResource[] | undefined = [];
  reader.onChange((c) => {
    // a change that does not name its documents (another node's large commit): a full compile
    if (changes && c.resources) changes.push(...c.resources);
    else changes = undefined;
  });
  await writer.write(async (tx) => {
    for (const a of ACCOUNTS.slice(0, 2)) await tx.put('account', GLOBAL, a, account(a));
  });
  await synced();
  const inc = new SnapshotCompiler(reader, { wholeAccountAbove: 3 });
  const existing = new Map<string, Doc>();
  let version = 0;
  let prev: Snapshot | undefined;
  let incrementalCompiles = 0;
  let maxLbs = 0;
  for (let step = 0; step < steps; step++) {
    const writes = 1 + r.int(2);
    for (let w = 0; w < writes; w++) {
      await writer.write(async (tx) => {
        for (let k = 1 + r.int(3); k > 0; k--) {
          const roll = r.next();
          if (roll < 0.04) {
            // the third account comes and goes; the second one is sometimes recreated
            const a = r.pick(['333', '333', '222']);
            if (await tx.get('account', GLOBAL, a)) await tx.delete('account', GLOBAL, a);
            else await tx.put('account', GLOBAL, a, account(a));
          } else if (roll < 0.3 && existing.size) {
            const d = r.pick([...existing.values()]);
            await tx.delete(d.kind, d, d.id);
            existing.delete(`${d.kind}|${d.account}|${d.region}|${d.id}`);
          } else {
            const d = randomPut(r, writer);
            await tx.put(d.kind, d, d.id, d.doc);
            existing.set(`${d.kind}|${d.account}|${d.region}|${d.id}`, d);
          }
        }
      });
    }
    await synced();
    const batch = changes;
    changes = [];
    const got = await inc.compile(++version, batch);
    const want = await compileStore(reader, version);
    const where = `seed ${seed}, step ${step}`;
    assert.deepStrictEqual(got.snapshot, want.snapshot, `${where}: snapshot`);
    assert.deepStrictEqual(got.problems, want.problems, `${where}: problems`);
    assert.deepStrictEqual(got.pending, want.pending, `${where}: pending`);
    // the two ways a full read finds the serving load balancers give the same
    for (const how of ['index', 'scan'] as const) {
      const other = await new SnapshotCompiler(reader, { servingReads: how }).compile(version);
      assert.deepStrictEqual(other.snapshot, want.snapshot, `${where}: snapshot (servingReads ${how})`);
      assert.deepStrictEqual(other.problems, want.problems, `${where}: problems (servingReads ${how})`);
      assert.deepStrictEqual(other.pending, want.pending, `${where}: pending (servingReads ${how})`);
    }
    assert.ok(Object.isFrozen(got.snapshot) && got.snapshot.loadBalancers.every((lb) => Object.isFrozen(lb)), `${where}: frozen`);
    // what the delta does not name kept its object
    if (prev) {
      const before = new Map(prev.loadBalancers.map((lb) => [lb.loadBalancerId, lb]));
      for (const lb of got.snapshot.loadBalancers) {
        if (!got.delta.changed.has(lb.loadBalancerId)) assert.equal(lb, before.get(lb.loadBalancerId), `${where}: ${lb.loadBalancerId} unchanged keeps its object`);
      }
      for (const [id, lb] of got.delta.changed) assert.notEqual(lb, before.get(id), `${where}: ${id} reported changed`);
    }
    if (got.delta.mode === 'incremental') incrementalCompiles++;
    prev = got.snapshot;
    maxLbs = Math.max(maxLbs, prev.loadBalancers.length);
  }
  // the first compile is full; duplicate ids may force a few more, but most must be incremental
  assert.ok(incrementalCompiles > steps * 0.66, `incremental compiles: ${incrementalCompiles} of ${steps}`);
  assert.ok(maxLbs >= 2, `the run had load balancers (at most ${maxLbs})`);
}

// OPENSLB_PROPERTY_SEEDS=200 for a longer run
const SEEDS = Number(process.env['OPENSLB_PROPERTY_SEEDS'] ?? 6);
for (let seed = 1; seed <= SEEDS; seed++) {
  test(`incremental compile = full compile after every step (seed ${seed})`, async () => {
    await withStore((store) => property(seed, store, store, async () => {}));
  });
}

test('on PostgreSQL, following another node\'s commits', { skip: PG_URL ? false : PG_SKIP }, async () => {
  const schema = freshSchema();
  await createSchema(schema);
  const box = new SecretBox(Buffer.alloc(32, 9));
  const [writer, reader] = await Promise.all([0, 1].map(() => PostgresStore.open({ connectionString: PG_URL!, schema })));
  try {
    registerSecrets(writer!, box);
    registerSecrets(reader!, box);
    // a marker commit after the step's commits: notifications arrive in commit order
    let heard = -1;
    reader!.onChange((c) => {
      for (const x of c.resources ?? []) if (x.kind === 'syncMarker') heard = Math.max(heard, Number(x.id));
    });
    let marker = 0;
    const synced = async () => {
      const m = ++marker;
      await writer!.write((tx) => tx.put('syncMarker', GLOBAL, String(m), {}));
      await waitFor(() => heard >= m, 10_000, `the reader hears commit ${m}`);
    };
    for (const seed of [11, 12, 13]) await property(seed, writer!, reader!, synced);
  } finally {
    await Promise.all([writer!.close(), reader!.close()]);
    await dropSchema(schema);
  }
});

const instance = { InstanceId: 'i-shared', RegionId: 'r1', NetworkType: 'classic', Status: 'Running', Type: 'ecs' };

test('one listener change among many load balancers recompiles exactly that load balancer', async () => {
  await withStore(async (store) => {
    let changes: ChangedResource[] = [];
    store.onChange((c) => changes.push(...(c.resources ?? [])));
    const N = 200;
    const scope = { account: '111', region: 'r1' };
    await store.write(async (tx) => {
      await tx.put('account', GLOBAL, '111', account('111'));
      await tx.put('instance', scope, 'i-shared', { ...instance, PrivateIpAddress: '127.0.0.2' });
      await tx.put('acl', scope, 'acl-all', { AclId: 'acl-all', AclName: 'a', AddressIPVersion: 'ipv4', ResourceGroupId: '', CreateTime: '', Entries: [{ AclEntryIP: '10.0.0.0/8', AclEntryComment: '' }] });
      for (let i = 0; i < N; i++) {
        const id = `lb-many${String(i).padStart(4, '0')}`;
        const r = rng(i);
        await tx.put('loadBalancer', scope, id, { ...lbDoc(r, id, 'r1'), Address: `127.6.${i >> 8}.${i & 255}`, LoadBalancerStatus: 'active', BackendServers: [{ ServerId: 'i-shared', Weight: 100, Type: 'ecs' }] });
        for (const port of [80, 81]) {
          await tx.put('listener', scope, listenerId(id, 'tcp', port), { LoadBalancerId: id, ListenerPort: port, ListenerProtocol: 'tcp', Status: 'running', Bandwidth: -1, BackendServerPort: 80, AclStatus: 'on', AclType: 'white', AclId: 'acl-all' });
        }
      }
    });
    const inc = new SnapshotCompiler(store);
    const first = await inc.compile(1, changes);
    changes = [];
    assert.equal(first.delta.mode, 'full');
    assert.equal(first.snapshot.loadBalancers.length, N);

    const target = 'lb-many0123';
    await store.write(async (tx) => {
      const l = await tx.get<Record<string, unknown>>('listener', scope, listenerId(target, 'tcp', 80));
      await tx.put('listener', scope, listenerId(target, 'tcp', 80), { ...l, Status: 'stopped' });
    });
    const second = await inc.compile(2, changes);
    changes = [];
    assert.deepEqual([second.delta.mode, second.delta.recompiled, [...second.delta.changed.keys()]], ['incremental', 1, [target]]);
    const same = second.snapshot.loadBalancers.filter((lb, i) => lb === first.snapshot.loadBalancers[i]).length;
    assert.equal(same, N - 1, 'every other load balancer keeps its object');
    assert.equal(second.snapshot.acls, first.snapshot.acls, 'the shared tables are reused');
    assert.equal(second.snapshot.loadBalancers.find((lb) => lb.loadBalancerId === target)!.listeners.find((l) => l.port === 80)!.status, 'stopped');

    // an ACL's entries change: no load balancer is recompiled, only the ACL table changes
    await store.write(async (tx) => {
      await tx.put('acl', scope, 'acl-all', { AclId: 'acl-all', AclName: 'a', AddressIPVersion: 'ipv4', ResourceGroupId: '', CreateTime: '', Entries: [{ AclEntryIP: '10.0.0.0/16', AclEntryComment: '' }] });
    });
    const third = await inc.compile(3, changes);
    changes = [];
    assert.deepEqual([third.delta.mode, third.delta.recompiled, third.delta.changed.size], ['incremental', 0, 0]);
    assert.equal(third.snapshot.loadBalancers, second.snapshot.loadBalancers);
    assert.deepEqual(third.snapshot.acls['acl-all']!.entries, ['10.0.0.0/16']);

    // the ACL goes: every listener using it is re-checked (not re-read) and left out
    await store.write(async (tx) => {
      await tx.delete('acl', scope, 'acl-all');
    });
    const fourth = await inc.compile(4, changes);
    changes = [];
    assert.deepEqual([fourth.delta.recompiled, fourth.delta.rechecked, fourth.delta.changed.size], [0, N, N]);
    assert.ok(fourth.snapshot.loadBalancers.every((lb) => lb.listeners.length === 0));
    assert.deepStrictEqual(fourth.snapshot, (await compileStore(store, 4)).snapshot);

    // an instance every load balancer uses: a change the compiler does not read recompiles nothing
    await store.write(async (tx) => {
      await tx.put('instance', scope, 'i-shared', { ...instance, PrivateIpAddress: '127.0.0.2', Status: 'Stopped' });
    });
    const fifth = await inc.compile(5, changes);
    changes = [];
    assert.deepEqual([fifth.delta.recompiled, fifth.delta.changed.size], [0, 0]);
    // its address changes: every load balancer is recompiled (read account-wide, in one pass)
    await store.write(async (tx) => {
      await tx.put('instance', scope, 'i-shared', { ...instance, PrivateIpAddress: '127.0.0.3' });
    });
    const sixth = await inc.compile(6, changes);
    changes = [];
    assert.deepEqual([sixth.delta.mode, sixth.delta.recompiled, sixth.delta.changed.size], ['incremental', N, N]);
    assert.ok(sixth.snapshot.loadBalancers.every((lb) => lb.serverGroups[`${lb.loadBalancerId}/default`]!.servers[0]!.ip === '127.0.0.3'));
    assert.deepStrictEqual(sixth.snapshot, (await compileStore(store, 6)).snapshot);
  });
});
