// Operator API for tenants and RAM (docs/accounts-and-ram.md): accounts, their AccessKeys, RAM
// users (with their own AccessKeys), custom policies and attachments, roles, and STS AssumeRole.
// Same authentication as the rest of /_openslb/ (operator token, loopback peers unless allowRemote).
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { GLOBAL, type Store, type Tx } from '../state/store.js';
import { isoSeconds, type Clock } from '../util/clock.js';
import type { IdGenerator } from '../util/ids.js';
import { ACCOUNT, addKey, createAccount, deleteAccount, deleteKey, getAccount, listKeys, publicKey, setKeyStatus, updateAccount, type Account, type AccessKey } from '../world/accounts.js';
import { assumeRole, attach, createPolicy, createRole, createUser, deletePolicy, deleteRole, deleteUser, getPolicy, getRole, getUser, RAM_POLICY, RAM_ROLE, RAM_USER, ramScope, updatePolicy, updateRole, updateUser, type RamPolicy, type RamRole, type RamUser } from '../world/ram.js';
import { addOperatorRoute, jsonObjectBody as body, type OperatorHandler, type OperatorMethod } from './operator-http.js';

export interface AccountsApiOptions {
  store: Store;
  clock: Clock;
  /** account ids, AccessKeyIds and STS ids (seeded servers: reproducible; docs/determinism.md) */
  ids?: IdGenerator;
  token: string;
  allowRemote?: boolean;
}

const withSecret = (k: AccessKey) => ({ ...publicKey(k), AccessKeySecret: k.AccessKeySecret });

export function registerAccountsApi(app: FastifyInstance, o: AccountsApiOptions): void {
  const now = () => isoSeconds(o.clock.now());
  const prm = (req: FastifyRequest) => req.params as Record<string, string>;
  const force = (req: FastifyRequest) => (req.query as Record<string, string | undefined>)['force'] === 'true';

  const route = (method: OperatorMethod, url: string, h: OperatorHandler, status?: number) => addOperatorRoute(app, o, method, url, h, { write: method !== 'GET', status });

  const accountView = async (tx: Tx, a: Account) => ({ ...a, AccessKeys: (await listKeys(tx, a.AccountId)).map(publicKey) });
  const userView = async (tx: Tx, u: RamUser) => ({ ...u, AccessKeys: (await listKeys(tx, u.AccountId, u.UserName)).map(publicKey) });

  // -- accounts
  route('GET', '/accounts', async (_req, tx) => ({ Accounts: await Promise.all((await tx.list<Account>(ACCOUNT, GLOBAL)).map((a) => accountView(tx, a))) }));
  route('POST', '/accounts', async (req, tx) => {
    const { account, key } = await createAccount(tx, body(req), now(), o.ids);
    return { ...account, AccessKey: withSecret(key) };
  });
  route('GET', '/accounts/:AccountId', async (req, tx) => accountView(tx, await getAccount(tx, prm(req)['AccountId']!)));
  route('PATCH', '/accounts/:AccountId', async (req, tx) => updateAccount(tx, prm(req)['AccountId']!, body(req)));
  route('DELETE', '/accounts/:AccountId', async (req, tx) => {
    await deleteAccount(tx, prm(req)['AccountId']!, force(req));
    return {};
  });

  // -- AccessKeys of an account (UserName absent) or of one of its RAM users
  const keyRoutes = (base: string, user: (req: FastifyRequest) => string | undefined) => {
    route('GET', `${base}/access-keys`, async (req, tx) => {
      const acct = (await getAccount(tx, prm(req)['AccountId']!)).AccountId;
      if (user(req) !== undefined) await getUser(tx, acct, user(req)!);
      return { AccessKeys: (await listKeys(tx, acct, user(req))).map(publicKey) };
    });
    route('POST', `${base}/access-keys`, async (req, tx) => {
      const acct = (await getAccount(tx, prm(req)['AccountId']!)).AccountId;
      if (user(req) !== undefined) await getUser(tx, acct, user(req)!);
      return withSecret(await addKey(tx, acct, now(), user(req), o.ids));
    });
    route('PATCH', `${base}/access-keys/:AccessKeyId`, async (req, tx) => publicKey(await setKeyStatus(tx, prm(req)['AccountId']!, prm(req)['AccessKeyId']!, body(req)['Status'], user(req))));
    route('DELETE', `${base}/access-keys/:AccessKeyId`, async (req, tx) => {
      await deleteKey(tx, prm(req)['AccountId']!, prm(req)['AccessKeyId']!, user(req));
      return {};
    });
  };
  keyRoutes('/accounts/:AccountId', () => undefined);
  keyRoutes('/accounts/:AccountId/ram/users/:UserName', (req) => prm(req)['UserName']);

  // -- RAM users
  const acct = async (tx: Tx, req: FastifyRequest) => (await getAccount(tx, prm(req)['AccountId']!)).AccountId;
  route('GET', '/accounts/:AccountId/ram/users', async (req, tx) => ({ Users: await Promise.all((await tx.list<RamUser>(RAM_USER, ramScope(await acct(tx, req)))).map((u) => userView(tx, u))) }));
  route('POST', '/accounts/:AccountId/ram/users', async (req, tx) => {
    const a = await acct(tx, req);
    const b = body(req);
    const u = await createUser(tx, a, b, now());
    // a user created with `"AccessKey": true` gets its first key pair right away (secret shown once)
    if (b['AccessKey'] === true) return { ...u, AccessKey: withSecret(await addKey(tx, a, now(), u.UserName, o.ids)) };
    return u;
  });
  route('GET', '/accounts/:AccountId/ram/users/:UserName', async (req, tx) => userView(tx, await getUser(tx, await acct(tx, req), prm(req)['UserName']!)));
  route('PATCH', '/accounts/:AccountId/ram/users/:UserName', async (req, tx) => updateUser(tx, await acct(tx, req), prm(req)['UserName']!, body(req)));
  route('DELETE', '/accounts/:AccountId/ram/users/:UserName', async (req, tx) => {
    await deleteUser(tx, await acct(tx, req), prm(req)['UserName']!);
    return {};
  });
  route('PUT', '/accounts/:AccountId/ram/users/:UserName/policies/:PolicyName', async (req, tx) => attach(tx, await acct(tx, req), { user: prm(req)['UserName']! }, prm(req)['PolicyName']!, true));
  route('DELETE', '/accounts/:AccountId/ram/users/:UserName/policies/:PolicyName', async (req, tx) => attach(tx, await acct(tx, req), { user: prm(req)['UserName']! }, prm(req)['PolicyName']!, false));

  // -- policies
  route('GET', '/accounts/:AccountId/ram/policies', async (req, tx) => ({ Policies: await tx.list<RamPolicy>(RAM_POLICY, ramScope(await acct(tx, req))) }));
  route('POST', '/accounts/:AccountId/ram/policies', async (req, tx) => createPolicy(tx, await acct(tx, req), body(req), now()));
  route('GET', '/accounts/:AccountId/ram/policies/:PolicyName', async (req, tx) => getPolicy(tx, await acct(tx, req), prm(req)['PolicyName']!));
  route('PUT', '/accounts/:AccountId/ram/policies/:PolicyName', async (req, tx) => updatePolicy(tx, await acct(tx, req), prm(req)['PolicyName']!, body(req), now()));
  route('DELETE', '/accounts/:AccountId/ram/policies/:PolicyName', async (req, tx) => {
    await deletePolicy(tx, await acct(tx, req), prm(req)['PolicyName']!, force(req));
    return {};
  });

  // -- roles
  route('GET', '/accounts/:AccountId/ram/roles', async (req, tx) => ({ Roles: await tx.list<RamRole>(RAM_ROLE, ramScope(await acct(tx, req))) }));
  route('POST', '/accounts/:AccountId/ram/roles', async (req, tx) => createRole(tx, await acct(tx, req), body(req), now()));
  route('GET', '/accounts/:AccountId/ram/roles/:RoleName', async (req, tx) => getRole(tx, await acct(tx, req), prm(req)['RoleName']!));
  route('PATCH', '/accounts/:AccountId/ram/roles/:RoleName', async (req, tx) => updateRole(tx, await acct(tx, req), prm(req)['RoleName']!, body(req)));
  route('DELETE', '/accounts/:AccountId/ram/roles/:RoleName', async (req, tx) => {
    await deleteRole(tx, await acct(tx, req), prm(req)['RoleName']!);
    return {};
  });
  route('PUT', '/accounts/:AccountId/ram/roles/:RoleName/policies/:PolicyName', async (req, tx) => attach(tx, await acct(tx, req), { role: prm(req)['RoleName']! }, prm(req)['PolicyName']!, true));
  route('DELETE', '/accounts/:AccountId/ram/roles/:RoleName/policies/:PolicyName', async (req, tx) => attach(tx, await acct(tx, req), { role: prm(req)['RoleName']! }, prm(req)['PolicyName']!, false));

  // -- STS
  route('POST', '/sts/assume-role', async (req, tx) => assumeRole(tx, body(req), o.clock.now(), now(), o.ids), 200);
}
