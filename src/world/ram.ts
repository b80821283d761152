// RAM inside an account: users (with their own AccessKeys, in src/world/accounts.ts), custom
// policies, attachments, roles with trust policies, and STS sessions of assumed roles.
// Documents live in the account's region-less scope ({ account, region: '' }).
// Reference: docs/accounts-and-ram.md.
import { randomBytes } from 'node:crypto';
import { GLOBAL, type Tx } from '../state/store.js';
import type { IdGenerator } from '../util/ids.js';
import { parsePolicy, PolicyError, wildcard, type PolicyDocument } from './ram-policy.js';
import { ACCESS_KEY, getAccount, mixedCaseKeyId, STS_CREDENTIAL, STS_TOKEN, tokenHash, type AccessKey, type StsCredential } from './accounts.js';
import { WorldError } from './world.js';

export const RAM_USER = 'ramUser';
export const RAM_POLICY = 'ramPolicy';
export const RAM_ROLE = 'ramRole';

export interface RamUser {
  UserName: string;
  DisplayName: string;
  AccountId: string;
  /** Inactive: every call of the user answers AUTH.RAM_AUTH_FAILED */
  Status: 'Active' | 'Inactive';
  /** attached custom policy names (a name whose policy was force-deleted stays: InvalidAuthorizationStatus) */
  Policies: string[];
  CreateDate: string;
}

export interface RamPolicy {
  PolicyName: string;
  Description: string;
  /** the document as given (a JSON string) */
  PolicyDocument: string;
  AccountId: string;
  CreateDate: string;
  UpdateDate: string;
}

export interface RamRole {
  RoleName: string;
  Arn: string;
  AccountId: string;
  Description: string;
  AssumeRolePolicyDocument: string;
  /** seconds */
  MaxSessionDuration: number;
  Policies: string[];
  CreateDate: string;
}

export const ramScope = (account: string) => ({ account, region: '' });

const USER_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const POLICY_RE = /^[A-Za-z0-9-]{1,128}$/;
const ROLE_RE = /^[A-Za-z0-9.-]{1,64}$/;

function docText(v: unknown, what: string): { text: string; doc: PolicyDocument } {
  if (v === undefined || v === null || v === '') throw new WorldError(400, 'MissingField', `${what} is required`);
  const text = typeof v === 'string' ? v : JSON.stringify(v);
  try {
    return { text, doc: parsePolicy(text) };
  } catch (e) {
    if (e instanceof PolicyError) throw new WorldError(400, 'MalformedPolicyDocument', `${what}: ${e.message}`);
    throw e;
  }
}

// -- users

export async function getUser(tx: Tx, account: string, name: string): Promise<RamUser> {
  const u = await tx.get<RamUser>(RAM_USER, ramScope(account), name);
  if (!u) throw new WorldError(404, 'UserNotFound', `no RAM user ${name} in account ${account}`);
  return u;
}

export async function createUser(tx: Tx, account: string, b: Record<string, unknown>, now: string): Promise<RamUser> {
  await getAccount(tx, account);
  const name = b['UserName'];
  if (typeof name !== 'string' || !USER_RE.test(name)) throw new WorldError(400, 'InvalidUserName', 'UserName: 1–64 letters, digits, ".", "_" or "-"');
  if (await tx.get(RAM_USER, ramScope(account), name)) throw new WorldError(409, 'UserExists', `RAM user ${name} exists`);
  const u: RamUser = { UserName: name, DisplayName: typeof b['DisplayName'] === 'string' ? b['DisplayName'] : name, AccountId: account, Status: 'Active', Policies: [], CreateDate: now };
  await tx.put(RAM_USER, ramScope(account), name, u);
  return u;
}

export async function updateUser(tx: Tx, account: string, name: string, b: Record<string, unknown>): Promise<RamUser> {
  const u = await getUser(tx, account, name);
  for (const k of Object.keys(b)) if (!['Status', 'DisplayName'].includes(k)) throw new WorldError(400, 'UnknownField', `unknown field ${k}; expected Status, DisplayName`);
  if (b['Status'] !== undefined) {
    if (b['Status'] !== 'Active' && b['Status'] !== 'Inactive') throw new WorldError(400, 'InvalidStatus', 'Status must be Active or Inactive');
    u.Status = b['Status'];
  }
  if (typeof b['DisplayName'] === 'string') u.DisplayName = b['DisplayName'];
  await tx.put(RAM_USER, ramScope(account), name, u);
  return u;
}

export async function deleteUser(tx: Tx, account: string, name: string): Promise<void> {
  await getUser(tx, account, name);
  for (const k of await tx.list<AccessKey>(ACCESS_KEY, GLOBAL)) if (k.AccountId === account && k.UserName === name) await tx.delete(ACCESS_KEY, GLOBAL, k.AccessKeyId);
  await tx.delete(RAM_USER, ramScope(account), name);
}

// -- policies

export async function getPolicy(tx: Tx, account: string, name: string): Promise<RamPolicy> {
  const p = await tx.get<RamPolicy>(RAM_POLICY, ramScope(account), name);
  if (!p) throw new WorldError(404, 'PolicyNotFound', `no policy ${name} in account ${account}`);
  return p;
}

export async function createPolicy(tx: Tx, account: string, b: Record<string, unknown>, now: string): Promise<RamPolicy> {
  await getAccount(tx, account);
  const name = b['PolicyName'];
  if (typeof name !== 'string' || !POLICY_RE.test(name)) throw new WorldError(400, 'InvalidPolicyName', 'PolicyName: 1–128 letters, digits or "-"');
  if (await tx.get(RAM_POLICY, ramScope(account), name)) throw new WorldError(409, 'PolicyExists', `policy ${name} exists`);
  const { text } = docText(b['PolicyDocument'], 'PolicyDocument');
  const p: RamPolicy = { PolicyName: name, Description: typeof b['Description'] === 'string' ? b['Description'] : '', PolicyDocument: text, AccountId: account, CreateDate: now, UpdateDate: now };
  await tx.put(RAM_POLICY, ramScope(account), name, p);
  return p;
}

export async function updatePolicy(tx: Tx, account: string, name: string, b: Record<string, unknown>, now: string): Promise<RamPolicy> {
  const p = await getPolicy(tx, account, name);
  p.PolicyDocument = docText(b['PolicyDocument'], 'PolicyDocument').text;
  if (typeof b['Description'] === 'string') p.Description = b['Description'];
  p.UpdateDate = now;
  await tx.put(RAM_POLICY, ramScope(account), name, p);
  return p;
}

async function holders(tx: Tx, account: string, policy: string): Promise<string[]> {
  const users = (await tx.list<RamUser>(RAM_USER, ramScope(account))).filter((u) => u.Policies.includes(policy)).map((u) => `user/${u.UserName}`);
  const roles = (await tx.list<RamRole>(RAM_ROLE, ramScope(account))).filter((r) => r.Policies.includes(policy)).map((r) => `role/${r.RoleName}`);
  return [...users, ...roles];
}

/**
 * Deletes a policy. While it is attached this is refused (409) unless `force`: a forced delete
 * leaves the attachments dangling, and their holders then answer InvalidAuthorizationStatus.
 */
export async function deletePolicy(tx: Tx, account: string, name: string, force: boolean): Promise<void> {
  await getPolicy(tx, account, name);
  const h = await holders(tx, account, name);
  if (h.length && !force) throw new WorldError(409, 'DeleteConflict', `policy ${name} is attached to ${h.join(', ')}; detach it first or pass force=true`);
  await tx.delete(RAM_POLICY, ramScope(account), name);
}

export async function attach(tx: Tx, account: string, to: { user?: string; role?: string }, policy: string, on: boolean): Promise<{ Policies: string[] }> {
  const holder = to.user !== undefined ? await getUser(tx, account, to.user) : await getRole(tx, account, to.role!);
  if (on) {
    await getPolicy(tx, account, policy);
    if (!holder.Policies.includes(policy)) holder.Policies.push(policy);
  } else {
    if (!holder.Policies.includes(policy)) throw new WorldError(404, 'AttachmentNotFound', `policy ${policy} is not attached`);
    holder.Policies = holder.Policies.filter((p) => p !== policy);
  }
  if (to.user !== undefined) await tx.put(RAM_USER, ramScope(account), to.user, holder);
  else await tx.put(RAM_ROLE, ramScope(account), to.role!, holder);
  return { Policies: holder.Policies };
}

// -- roles

export async function getRole(tx: Tx, account: string, name: string): Promise<RamRole> {
  const r = await tx.get<RamRole>(RAM_ROLE, ramScope(account), name);
  if (!r) throw new WorldError(404, 'RoleNotFound', `no role ${name} in account ${account}`);
  return r;
}

function maxSession(v: unknown): number {
  if (v === undefined) return 3600;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 3600 || n > 43200) throw new WorldError(400, 'InvalidMaxSessionDuration', 'MaxSessionDuration: 3600–43200 seconds');
  return n;
}

export async function createRole(tx: Tx, account: string, b: Record<string, unknown>, now: string): Promise<RamRole> {
  await getAccount(tx, account);
  const name = b['RoleName'];
  if (typeof name !== 'string' || !ROLE_RE.test(name)) throw new WorldError(400, 'InvalidRoleName', 'RoleName: 1–64 letters, digits, "." or "-"');
  if (await tx.get(RAM_ROLE, ramScope(account), name)) throw new WorldError(409, 'RoleExists', `role ${name} exists`);
  const trust = b['AssumeRolePolicyDocument'] ?? { Version: '1', Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Principal: { RAM: [`acs:ram::${account}:root`] } }] };
  const r: RamRole = {
    RoleName: name,
    Arn: `acs:ram::${account}:role/${name.toLowerCase()}`,
    AccountId: account,
    Description: typeof b['Description'] === 'string' ? b['Description'] : '',
    AssumeRolePolicyDocument: trustText(trust),
    MaxSessionDuration: maxSession(b['MaxSessionDuration']),
    Policies: [],
    CreateDate: now,
  };
  await tx.put(RAM_ROLE, ramScope(account), name, r);
  return r;
}

export async function updateRole(tx: Tx, account: string, name: string, b: Record<string, unknown>): Promise<RamRole> {
  const r = await getRole(tx, account, name);
  if (b['AssumeRolePolicyDocument'] !== undefined) r.AssumeRolePolicyDocument = trustText(b['AssumeRolePolicyDocument']);
  if (b['MaxSessionDuration'] !== undefined) r.MaxSessionDuration = maxSession(b['MaxSessionDuration']);
  if (typeof b['Description'] === 'string') r.Description = b['Description'];
  await tx.put(RAM_ROLE, ramScope(account), name, r);
  return r;
}

export async function deleteRole(tx: Tx, account: string, name: string): Promise<void> {
  await getRole(tx, account, name);
  await tx.delete(RAM_ROLE, ramScope(account), name);
}

// Trust policies: Statement[{ Effect, Action: sts:AssumeRole, Principal: { RAM: [arn…] } }].
interface TrustStatement {
  Effect: 'Allow' | 'Deny';
  Action: string[];
  Principals: string[];
}

function trustText(v: unknown): string {
  const text = typeof v === 'string' ? v : JSON.stringify(v);
  parseTrust(text);
  return text;
}

export function parseTrust(text: string): TrustStatement[] {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new WorldError(400, 'MalformedPolicyDocument', 'AssumeRolePolicyDocument is not valid JSON');
  }
  const bad = (m: string) => new WorldError(400, 'MalformedPolicyDocument', `AssumeRolePolicyDocument: ${m}`);
  if (typeof raw !== 'object' || raw === null || String((raw as Record<string, unknown>)['Version']) !== '1') throw bad('Version must be "1"');
  const st = (raw as Record<string, unknown>)['Statement'];
  if (!Array.isArray(st) || !st.length) throw bad('Statement must be a non-empty list');
  return st.map((s: unknown) => {
    const o = (s ?? {}) as Record<string, unknown>;
    if (o['Effect'] !== 'Allow' && o['Effect'] !== 'Deny') throw bad('Effect must be Allow or Deny');
    const action = ([] as unknown[]).concat(o['Action'] ?? []).map(String);
    const p = o['Principal'];
    if (typeof p !== 'object' || p === null) throw bad('Principal must be an object such as {"RAM": ["acs:ram::<account>:root"]}');
    const ram = ([] as unknown[]).concat((p as Record<string, unknown>)['RAM'] ?? []).map(String);
    if (!ram.length || !action.length) throw bad('each statement needs Action and Principal.RAM');
    return { Effect: o['Effect'], Action: action, Principals: ram };
  });
}

/** Whether the role's trust policy lets `principal` (acs:ram::{account}:root | …:user/{name}) assume it. */
export function trusts(role: RamRole, principal: string): boolean {
  let st: TrustStatement[];
  try {
    st = parseTrust(role.AssumeRolePolicyDocument);
  } catch {
    return false;
  }
  const account = /^acs:ram::(\d+):/.exec(principal)?.[1];
  const matches = (s: TrustStatement) =>
    s.Action.some((a) => wildcard(a, 'sts:AssumeRole', true)) &&
    s.Principals.some((p) => wildcard(p, principal, true) || (account !== undefined && (p === account || p.toLowerCase() === `acs:ram::${account}:root` && principal.endsWith(':root'))));
  if (st.some((s) => s.Effect === 'Deny' && matches(s))) return false;
  return st.some((s) => s.Effect === 'Allow' && matches(s));
}

export interface AssumeRoleResult {
  Credentials: { AccessKeyId: string; AccessKeySecret: string; SecurityToken: string; Expiration: string };
  AssumedRoleUser: { Arn: string; AssumedRoleId: string };
}

/**
 * STS AssumeRole as the operator API offers it: `RoleArn` acs:ram::{account}:role/{name},
 * `RoleSessionName`, `DurationSeconds` (900 … the role's MaxSessionDuration, default 3600),
 * optional session `Policy`, and the `Principal` assuming it (default the role account's root).
 */
export async function assumeRole(tx: Tx, b: Record<string, unknown>, nowMs: number, now: string, ids?: IdGenerator): Promise<AssumeRoleResult> {
  const arn = String(b['RoleArn'] ?? '');
  const m = /^acs:ram::(\d+):role\/([A-Za-z0-9.-]{1,64})$/i.exec(arn);
  if (!m) throw new WorldError(400, 'InvalidRoleArn', 'RoleArn: acs:ram::<account id>:role/<role name>');
  const account = await getAccount(tx, m[1]!);
  const role = (await tx.list<RamRole>(RAM_ROLE, ramScope(account.AccountId))).find((r) => r.RoleName.toLowerCase() === m[2]!.toLowerCase());
  if (!role) throw new WorldError(404, 'RoleNotFound', `no role ${m[2]} in account ${m[1]}`);
  const session = String(b['RoleSessionName'] ?? '');
  if (!/^[A-Za-z0-9._@-]{2,64}$/.test(session)) throw new WorldError(400, 'InvalidRoleSessionName', 'RoleSessionName: 2–64 letters, digits, ".", "@", "-" or "_"');
  const duration = b['DurationSeconds'] === undefined ? 3600 : Number(b['DurationSeconds']);
  if (!Number.isInteger(duration) || duration < 900 || duration > role.MaxSessionDuration) throw new WorldError(400, 'InvalidDurationSeconds', `DurationSeconds: 900–${role.MaxSessionDuration}`);
  const principal = String(b['Principal'] ?? `acs:ram::${account.AccountId}:root`);
  const pm = /^acs:ram::(\d+):(root|user\/([A-Za-z0-9._-]+))$/.exec(principal);
  if (!pm) throw new WorldError(400, 'InvalidPrincipal', 'Principal: acs:ram::<account id>:root or acs:ram::<account id>:user/<name>');
  const pAccount = await getAccount(tx, pm[1]!);
  if (pAccount.Status !== 'active') throw new WorldError(403, 'PrincipalDisabled', `account ${pAccount.AccountId} is disabled`);
  if (pm[3] !== undefined) await getUser(tx, pAccount.AccountId, pm[3]);
  if (!trusts(role, principal)) throw new WorldError(403, 'NoPermission.AssumeRole', `the trust policy of ${role.Arn} does not let ${principal} assume it`);
  let policy: string | undefined;
  if (b['Policy'] !== undefined && b['Policy'] !== '') policy = docText(b['Policy'], 'Policy').text;
  const cred: StsCredential = {
    AccessKeyId: mixedCaseKeyId('STS.', 25, ids),
    AccessKeySecret: randomBytes(33).toString('base64url').slice(0, 44),
    TokenHash: '',
    AccountId: account.AccountId,
    RoleName: role.RoleName,
    RoleSessionName: session,
    Principal: principal,
    ...(policy !== undefined ? { Policy: policy } : {}),
    Expiration: nowMs + duration * 1000,
    CreatedAt: now,
  };
  const token = `CAIS${randomBytes(96).toString('base64')}`;
  cred.TokenHash = tokenHash(token);
  // forget sessions that expired more than a day ago
  for (const old of await tx.list<StsCredential>(STS_CREDENTIAL, GLOBAL)) {
    if (old.Expiration < nowMs - 86_400_000) {
      await tx.delete(STS_CREDENTIAL, GLOBAL, old.AccessKeyId);
      await tx.delete(STS_TOKEN, GLOBAL, old.TokenHash);
    }
  }
  await tx.put(STS_CREDENTIAL, GLOBAL, cred.AccessKeyId, cred);
  await tx.put(STS_TOKEN, GLOBAL, cred.TokenHash, { AccessKeyId: cred.AccessKeyId });
  const roleId = `3${ids?.digits?.('role', 18) ?? [...randomBytes(18)].map((x) => String(x % 10)).join('')}`;
  return {
    Credentials: { AccessKeyId: cred.AccessKeyId, AccessKeySecret: cred.AccessKeySecret, SecurityToken: token, Expiration: new Date(cred.Expiration).toISOString().replace(/\.\d{3}Z$/, 'Z') },
    AssumedRoleUser: { Arn: `${role.Arn}/${session}`, AssumedRoleId: `${roleId}:${session}` },
  };
}

/** The parsed policies that apply to a user or role (dangling names reported separately). */
export async function policiesOf(tx: Tx, account: string, names: string[]): Promise<{ docs: PolicyDocument[]; dangling: string[] }> {
  const docs: PolicyDocument[] = [];
  const dangling: string[] = [];
  for (const n of names) {
    const p = await tx.get<RamPolicy>(RAM_POLICY, ramScope(account), n);
    if (!p) {
      dangling.push(n);
      continue;
    }
    try {
      docs.push(parsePolicy(p.PolicyDocument));
    } catch {
      dangling.push(n);
    }
  }
  return { docs, dangling };
}
