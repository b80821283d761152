// Tenants for the accounts/RAM/STS tests: accounts, RAM users and policies made through the
// operator API, and pop-core clients signing with their keys.
import RPCClient from '@alicloud/pop-core';
import { op, opOk } from './operator.js';
import type { TestServer } from './server.js';

export interface Principal {
  accountId: string;
  id: string;
  secret: string;
  /** pop-core (V1), JSON, POST unless GET is asked */
  call(action: string, params?: Record<string, unknown>, o?: { method?: 'GET' | 'POST' }): Promise<Record<string, unknown>>;
  /** openapi-client (V3) */
  v3(action: string, params?: Record<string, unknown>): Promise<{ statusCode: number; body: Record<string, unknown> }>;
}

export function principal(s: TestServer, accountId: string, id: string, secret: string): Principal {
  const client = new RPCClient({ accessKeyId: id, accessKeySecret: secret, endpoint: s.url, apiVersion: '2014-05-15', opts: { timeout: 30_000 } });
  return {
    accountId,
    id,
    secret,
    call: (action, params = {}, o = {}) => client.request(action, params, { method: o.method ?? 'POST' }) as Promise<Record<string, unknown>>,
    v3: (action, params = {}) => s.v3(action, params, { accessKeyId: id, accessKeySecret: secret }),
  };
}

let n = 0;
/** A new account (tenant) with its first AccessKey pair. */
export async function createTenant(s: TestServer, name = `tenant-${process.pid}-${++n}`, extra: Record<string, unknown> = {}): Promise<Principal & { name: string }> {
  const r = (await opOk(s, 'POST', '/accounts', { Name: name, ...extra })) as { AccountId: string; AccessKey: { AccessKeyId: string; AccessKeySecret: string } };
  return { ...principal(s, r.AccountId, r.AccessKey.AccessKeyId, r.AccessKey.AccessKeySecret), name };
}

/** A RAM user of `accountId` with an AccessKey and the given policy documents attached. */
export async function createSubUser(s: TestServer, accountId: string, userName: string, policies: Record<string, unknown>[] = []): Promise<Principal> {
  const u = (await opOk(s, 'POST', `/accounts/${accountId}/ram/users`, { UserName: userName, AccessKey: true })) as { AccessKey: { AccessKeyId: string; AccessKeySecret: string } };
  for (const [i, doc] of policies.entries()) {
    const name = `${userName}-p${i}`;
    await opOk(s, 'POST', `/accounts/${accountId}/ram/policies`, { PolicyName: name, PolicyDocument: doc });
    await opOk(s, 'PUT', `/accounts/${accountId}/ram/users/${userName}/policies/${name}`);
  }
  return principal(s, accountId, u.AccessKey.AccessKeyId, u.AccessKey.AccessKeySecret);
}

export { op, opOk };
