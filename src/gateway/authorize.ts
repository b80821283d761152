// Who may do what: the checks between authentication and the action handler (docs/accounts-and-ram.md).
//  1. identity parameters (OwnerId, OwnerAccount, ResourceOwnerId, ResourceOwnerAccount) against the caller;
//  2. actions the account must apply for (UserNotAllowed);
//  3. the RAM identity's state (disabled user, vanished role, dangling or missing authorization);
//  4. after parameter validation: the RAM policies against the action and the resources it names.
// Root-account callers skip 3 and 4: an account may do anything with its own resources.
import { fail } from '../errors/catalog.js';
import type { Caller } from '../world/request.js';
import { KINDS } from '../products/slb/services/model.js';
import { evaluate, parsePolicy, wildcard, type PolicyDocument, type RequestContext, type ResourceRef } from '../world/ram-policy.js';
import { getTags, type ResourceType } from '../products/slb/services/tags.js';
import { GLOBAL, type Store, type Tx } from '../state/store.js';
import { ACCOUNT, findAccountByName, type Account } from '../world/accounts.js';
import { policiesOf, RAM_ROLE, RAM_USER, ramScope, trusts, type RamRole, type RamUser } from '../world/ram.js';

const present = (v: string | undefined): v is string => v !== undefined && v !== '';

/** What the gateway knows about the request besides its parameters. */
export interface RequestFacts {
  sourceIp?: string;
  secureTransport: boolean;
  now: number;
}

/** The policies a RAM identity holds, fetched once per request (step 3) and evaluated in step 4. */
export interface Grant {
  policies: PolicyDocument[];
  /** an STS session policy: the call must be allowed by it too */
  sessionPolicy?: PolicyDocument;
}

/**
 * Steps 1–3. Returns the caller the action runs as (a reseller acting with ResourceOwnerId runs in
 * the managed account) and, for RAM identities, the grant to evaluate in step 4.
 */
export async function admit(store: Store, caller: Caller, account: Account | undefined, action: string, raw: Record<string, string>): Promise<{ caller: Caller; grant?: Grant }> {
  const ramIdentity = caller.userName !== undefined || caller.role !== undefined;
  // 1. identity parameters: OwnerId needs no lookup
  const ownerId = raw['OwnerId'];
  if (present(ownerId)) {
    if (!/^\d{1,20}$/.test(ownerId)) fail('InvalidOwnerId', 'The input parameter OwnerId or OwnerAccount is invalid.');
    if (ownerId !== caller.accountId) fail('InvalidOwnerId', 'The specified OwnerId or OwnerAccount is invalid.');
  }
  const notAllowed = (a: Account | undefined) => {
    if (a?.NotAllowedActions?.some((p) => wildcard(p.replace(/^slb:/i, ''), action, true))) fail('UserNotAllowed');
  };
  if (!ramIdentity && !['OwnerAccount', 'ResourceOwnerId', 'ResourceOwnerAccount'].some((n) => present(raw[n]))) {
    notAllowed(account);
    return { caller };
  }
  return store.read(async (tx) => {
    let effective = caller;
    let acting = account;
    const ownerAccount = raw['OwnerAccount'];
    if (present(ownerAccount)) {
      const named = await findAccountByName(tx, ownerAccount);
      if (!named) fail('InvalidOwnerAccount');
      if (named.AccountId !== caller.accountId) fail('InvalidOwnerId', 'The specified OwnerId or OwnerAccount is invalid.');
    }
    const rId = raw['ResourceOwnerId'];
    const rAccount = raw['ResourceOwnerAccount'];
    let target: Account | undefined;
    if (present(rId)) {
      if (!/^\d{1,20}$/.test(rId)) fail('InvalidParameter', 'Illegal user ID.');
      target = await tx.get<Account>(ACCOUNT, GLOBAL, rId);
      if (!target) fail('InvalidParameter', 'Illegal user ID.');
    }
    if (present(rAccount)) {
      const named = await findAccountByName(tx, rAccount);
      if (!named || (target && named.AccountId !== target.AccountId)) fail('InvalidResourceOwnerAccount');
      target = named;
    }
    if (target && target.AccountId !== caller.accountId) {
      if (ramIdentity) fail('Forbbiden.SubUser', 'TUser not authorized to operate on the specified resource as your account is created by another user.');
      if (target.ManagedBy !== caller.accountId) fail('Forbbiden.SubUser', 'illegal bid');
      if (target.Status !== 'active') fail('InternalError', 'Illegal user.');
      effective = { ...caller, accountId: target.AccountId, actingFor: target.AccountId };
      acting = target;
    }

    // 2. actions this account must apply for
    notAllowed(acting);

    if (!ramIdentity) return { caller: effective };

    // 3. the RAM identity
    let names: string[];
    let sessionPolicy: PolicyDocument | undefined;
    if (caller.userName !== undefined) {
      const u = await tx.get<RamUser>(RAM_USER, ramScope(caller.accountId), caller.userName);
      if (!u || u.Status !== 'Active') fail('AUTH.RAM_AUTH_FAILED');
      names = u.Policies;
    } else {
      const r = caller.role!;
      const role = await tx.get<RamRole>(RAM_ROLE, ramScope(caller.accountId), r.roleName);
      const pAccount = /^acs:ram::(\d+):/.exec(r.principal)?.[1];
      const principalAccount = pAccount ? await tx.get<Account>(ACCOUNT, GLOBAL, pAccount) : undefined;
      const pUser = /:user\/(.+)$/.exec(r.principal)?.[1];
      const principalUser = pUser !== undefined && pAccount ? await tx.get<RamUser>(RAM_USER, ramScope(pAccount), pUser) : undefined;
      if (!role || !trusts(role, r.principal) || principalAccount?.Status !== 'active' || (pUser !== undefined && principalUser?.Status !== 'Active')) fail('InvalidIdentity');
      names = role.Policies;
      if (r.policy) sessionPolicy = parsePolicy(r.policy);
    }
    const { docs, dangling } = await policiesOf(tx, caller.accountId, names);
    if (dangling.length) fail('InvalidAuthorizationStatus');
    if (!docs.length) fail('InvalidAuthorization');
    return { caller: effective, grant: { policies: docs, ...(sessionPolicy ? { sessionPolicy } : {}) } };
  });
}

// -- step 4: the resources an action names

type ArnType = 'loadbalancer' | 'acl' | 'certificate' | 'tlscipherpolicy';
interface Named {
  type: ArnType;
  /** undefined: the collection (`type/*`) */
  id?: string;
  /** the tags service's type for slb:tag conditions */
  tagType?: ResourceType;
}

const arnPrefix = (region: string, account: string) => `acs:slb:${region}:${account}:`;

/** Children that are authorized as their load balancer. */
const PARENT_KINDS: Record<string, string> = {
  VServerGroupId: KINDS.vServerGroup,
  MasterSlaveServerGroupId: KINDS.masterSlaveServerGroup,
  RuleId: KINDS.rule,
  DomainExtensionId: KINDS.domainExtension,
};

/** Actions that list or create: the collection, whatever ids filter them. */
const COLLECTION: Record<string, ArnType> = {
  CreateLoadBalancer: 'loadbalancer',
  DescribeLoadBalancers: 'loadbalancer',
  CreateAccessControlList: 'acl',
  DescribeAccessControlLists: 'acl',
  UploadServerCertificate: 'certificate',
  UploadCACertificate: 'certificate',
  DescribeServerCertificates: 'certificate',
  DescribeCACertificates: 'certificate',
  CreateTLSCipherPolicy: 'tlscipherpolicy',
  ListTLSCipherPolicies: 'tlscipherpolicy',
};

/** Region-less or account-wide actions: `acs:slb:*:{account}:*`. */
const ACCOUNT_WIDE = new Set(['DescribeRegions', 'DescribeZones', 'DescribeAvailableResource', 'DescribeHighDefinationMonitor', 'EnableHighDefinationMonitor', 'ModifyHighDefinationMonitor']);

/** ResourceType values (tags: instance…; MoveResourceGroup: loadbalancer…) → ARN type. */
const TAG_TO_ARN: Record<string, ArnType> = { instance: 'loadbalancer', loadbalancer: 'loadbalancer', certificate: 'certificate', acl: 'acl' };

async function parentLb(tx: Tx, account: string, kind: string, id: string): Promise<string | undefined> {
  const f = await tx.find<{ LoadBalancerId?: string }>(kind, account, id);
  return f?.doc.LoadBalancerId;
}

/** The resources `action` names, from its validated parameters (docs/accounts-and-ram.md §4 table). */
export async function resourcesOf(tx: Tx, account: string, action: string, p: Record<string, unknown>): Promise<Named[]> {
  if (ACCOUNT_WIDE.has(action)) return [];
  const coll = COLLECTION[action];
  if (coll) return [{ type: coll }];
  const out: Named[] = [];
  const str = (n: string) => (typeof p[n] === 'string' && p[n] !== '' ? (p[n] as string) : undefined);
  const lb = str('LoadBalancerId');
  if (lb) out.push({ type: 'loadbalancer', id: lb, tagType: 'instance' });
  const acl = str('AclId');
  if (acl) out.push({ type: 'acl', id: acl, tagType: 'acl' });
  for (const n of ['ServerCertificateId', 'CACertificateId']) {
    const c = str(n);
    if (c) out.push({ type: 'certificate', id: c, tagType: 'certificate' });
  }
  const tls = str('TLSCipherPolicyId');
  if (tls) out.push({ type: 'tlscipherpolicy', id: tls });
  const children: [string, string][] = Object.entries(PARENT_KINDS).flatMap(([n, kind]) => (str(n) ? [[kind, str(n)!] as [string, string]] : []));
  if (Array.isArray(p['RuleIds'])) for (const r of p['RuleIds']) if (typeof r === 'string') children.push([KINDS.rule, r]);
  for (const [kind, id] of children) {
    const parent = await parentLb(tx, account, kind, id);
    // an unknown child stays unresolved: only a policy on every load balancer covers it
    out.push({ type: 'loadbalancer', id: parent ?? '*', tagType: 'instance' });
  }
  const rType = typeof p['ResourceType'] === 'string' ? (p['ResourceType'] as string).toLowerCase() : undefined;
  if (rType !== undefined) {
    const ids = Array.isArray(p['ResourceId']) ? (p['ResourceId'] as string[]) : typeof p['ResourceId'] === 'string' ? [p['ResourceId'] as string] : [];
    const t = TAG_TO_ARN[rType];
    if (!ids.length) out.push({ type: t ?? 'loadbalancer' });
    for (const id of ids) {
      if (t) out.push({ type: t, id, tagType: (rType === 'loadbalancer' ? 'instance' : rType) as ResourceType });
      else {
        // listeners and server groups are authorized as their load balancer
        const lbId = rType === 'listener' ? /^(.+)_(tcp|udp|http|https)_\d+$/i.exec(id)?.[1] : await parentLb(tx, account, rType === 'vservergroup' ? KINDS.vServerGroup : KINDS.masterSlaveServerGroup, id);
        out.push({ type: 'loadbalancer', id: lbId ?? '*', tagType: 'instance' });
      }
    }
  }
  if (!out.length) out.push({ type: 'loadbalancer' }); // e.g. DescribeTags without LoadBalancerId
  return out;
}

/** Step 4: refuses with Forbidden unless the grant allows `action` on every resource it names. */
export async function authorizeAction(store: Store, caller: Caller, grant: Grant, action: string, p: Record<string, unknown>, facts: RequestFacts, product = 'slb'): Promise<void> {
  const region = typeof p['RegionId'] === 'string' && p['RegionId'] ? (p['RegionId'] as string) : '*';
  const account = caller.accountId;
  // other products (VPC, ECS, Location): the action on every resource of the product in the region
  const refs: ResourceRef[] = product !== 'slb' ? [{ arn: `acs:${product}:${region}:${account}:*` }] : await store.read(async (tx) => {
    const named = await resourcesOf(tx, account, action, p);
    if (!named.length) return [{ arn: `acs:slb:*:${account}:*` }];
    const list: ResourceRef[] = [];
    for (const n of named) {
      const arn = `${arnPrefix(region, account)}${n.type}/${n.id ?? '*'}`;
      let tags: Record<string, string> | undefined;
      if (n.id && n.id !== '*' && n.tagType) {
        const t = await getTags(tx, { account, region }, n.tagType, n.id);
        tags = Object.fromEntries(t.map((x) => [x.Key, x.Value]));
      }
      list.push({ arn, ...(tags ? { tags } : {}) });
    }
    return list;
  });
  const reqTags = Array.isArray(p['Tag']) ? Object.fromEntries((p['Tag'] as { Key?: string; Value?: string }[]).filter((t) => t.Key).map((t) => [t.Key!, t.Value ?? ''])) : undefined;
  const req: RequestContext = {
    action: `${product}:${action}`,
    sourceIp: facts.sourceIp,
    currentTime: facts.now,
    secureTransport: facts.secureTransport,
    accessKeyId: caller.accessKeyId,
    ...(reqTags ? { requestTags: reqTags } : {}),
  };
  if (evaluate(grant.policies, req, refs) !== 'Allow') fail('Forbidden', 'User not authorized to operate on the specified resource.');
  if (grant.sessionPolicy && evaluate([grant.sessionPolicy], req, refs) !== 'Allow') fail('Forbidden', 'User not authorized to operate on the specified resource.');
}
