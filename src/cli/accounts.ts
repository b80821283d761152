// `openslb account …`, `openslb ram …`, `openslb sts …`: tenants, RAM and STS through the operator
// API (/_openslb/accounts…, /_openslb/sts/…) of a running server. Connection as for `openslb world`:
// --url (env OPENSLB_URL, default http://127.0.0.1:8080), operator token from --token, env
// OPENSLB_OPERATOR_TOKEN, or DATA_DIR/operator-token. Reference: docs/accounts-and-ram.md.
import type { Command } from 'commander';
import { connectionOptions as conn, jsonDocument as doc, operatorCall as call } from './operator-client.js';

const e = encodeURIComponent;

export function addAccountCommands(program: Command): void {
  // -- accounts
  const account = conn(program.command('account').description('tenants (accounts) and their AccessKey pairs'));
  account.command('list').action(async (_o: unknown, cmd: Command) => call(cmd, 'GET', '/accounts'));
  account
    .command('create <name>')
    .description('create an account with a first AccessKey pair (the secret is printed once)')
    .option('--id <accountId>', '16-digit account id (default: generated)')
    .option('--managed-by <accountId>', 'reseller account allowed to act for it with ResourceOwnerId/ResourceOwnerAccount')
    .action(async (name: string, o: { id?: string; managedBy?: string }, cmd: Command) => call(cmd, 'POST', '/accounts', { Name: name, AccountId: o.id, ManagedBy: o.managedBy }));
  account.command('show <accountId>').action(async (id: string, _o: unknown, cmd: Command) => call(cmd, 'GET', `/accounts/${e(id)}`));
  account.command('disable <accountId>').description('every key of the account answers InvalidAccessKeyId.Inactive').action(async (id: string, _o: unknown, cmd: Command) => call(cmd, 'PATCH', `/accounts/${e(id)}`, { Status: 'disabled' }));
  account.command('enable <accountId>').action(async (id: string, _o: unknown, cmd: Command) => call(cmd, 'PATCH', `/accounts/${e(id)}`, { Status: 'active' }));
  account
    .command('set <accountId>')
    .description('change an account')
    .option('--name <name>')
    .option('--managed-by <accountId>', 'reseller account ("" to clear)')
    .option('--not-allowed-actions <patterns>', 'comma-separated action patterns answered UserNotAllowed ("" to clear)')
    .action(async (id: string, o: { name?: string; managedBy?: string; notAllowedActions?: string }, cmd: Command) =>
      call(cmd, 'PATCH', `/accounts/${e(id)}`, {
        ...(o.name !== undefined ? { Name: o.name } : {}),
        ...(o.managedBy !== undefined ? { ManagedBy: o.managedBy } : {}),
        ...(o.notAllowedActions !== undefined ? { NotAllowedActions: o.notAllowedActions === '' ? null : o.notAllowedActions.split(',').map((s) => s.trim()) } : {}),
      }),
    );
  account
    .command('delete <accountId>')
    .option('--force', 'delete even when it still owns resources')
    .action(async (id: string, o: { force?: boolean }, cmd: Command) => call(cmd, 'DELETE', `/accounts/${e(id)}${o.force ? '?force=true' : ''}`));

  const keyCommands = (parent: Command, base: (args: string[]) => string, argNames: string) => {
    parent.command(`list ${argNames}`).action(async (...a: unknown[]) => call(a.at(-1) as Command, 'GET', `${base(a.slice(0, -2) as string[])}/access-keys`));
    parent.command(`create ${argNames}`).description('a new AccessKey pair (the secret is printed once)').action(async (...a: unknown[]) => call(a.at(-1) as Command, 'POST', `${base(a.slice(0, -2) as string[])}/access-keys`));
    for (const [verb, status] of [
      ['disable', 'Inactive'],
      ['enable', 'Active'],
    ] as const) {
      parent.command(`${verb} ${argNames} <accessKeyId>`).action(async (...a: unknown[]) => {
        const args = a.slice(0, -2) as string[];
        await call(a.at(-1) as Command, 'PATCH', `${base(args.slice(0, -1))}/access-keys/${e(args.at(-1)!)}`, { Status: status });
      });
    }
    parent.command(`delete ${argNames} <accessKeyId>`).action(async (...a: unknown[]) => {
      const args = a.slice(0, -2) as string[];
      await call(a.at(-1) as Command, 'DELETE', `${base(args.slice(0, -1))}/access-keys/${e(args.at(-1)!)}`);
    });
  };
  keyCommands(account.command('key').description("an account's AccessKey pairs"), ([id]) => `/accounts/${e(id!)}`, '<accountId>');

  // -- RAM
  const ram = conn(program.command('ram').description('RAM users, policies and roles inside an account'));
  const user = ram.command('user').description('RAM users (sub-users)');
  user.command('list <accountId>').action(async (id: string, _o: unknown, cmd: Command) => call(cmd, 'GET', `/accounts/${e(id)}/ram/users`));
  user
    .command('create <accountId> <userName>')
    .option('--display-name <name>')
    .option('--with-key', 'also create its first AccessKey pair (the secret is printed once)')
    .action(async (id: string, name: string, o: { displayName?: string; withKey?: boolean }, cmd: Command) =>
      call(cmd, 'POST', `/accounts/${e(id)}/ram/users`, { UserName: name, DisplayName: o.displayName, ...(o.withKey ? { AccessKey: true } : {}) }),
    );
  user.command('show <accountId> <userName>').action(async (id: string, name: string, _o: unknown, cmd: Command) => call(cmd, 'GET', `/accounts/${e(id)}/ram/users/${e(name)}`));
  user.command('disable <accountId> <userName>').description('its calls answer AUTH.RAM_AUTH_FAILED').action(async (id: string, name: string, _o: unknown, cmd: Command) => call(cmd, 'PATCH', `/accounts/${e(id)}/ram/users/${e(name)}`, { Status: 'Inactive' }));
  user.command('enable <accountId> <userName>').action(async (id: string, name: string, _o: unknown, cmd: Command) => call(cmd, 'PATCH', `/accounts/${e(id)}/ram/users/${e(name)}`, { Status: 'Active' }));
  user.command('delete <accountId> <userName>').action(async (id: string, name: string, _o: unknown, cmd: Command) => call(cmd, 'DELETE', `/accounts/${e(id)}/ram/users/${e(name)}`));
  keyCommands(user.command('key').description("a RAM user's AccessKey pairs"), ([id, name]) => `/accounts/${e(id!)}/ram/users/${e(name!)}`, '<accountId> <userName>');

  const policy = ram.command('policy').description('custom policies (RAM JSON policy language)');
  policy.command('list <accountId>').action(async (id: string, _o: unknown, cmd: Command) => call(cmd, 'GET', `/accounts/${e(id)}/ram/policies`));
  policy
    .command('create <accountId> <policyName> <document>')
    .description('document: JSON inline or @file')
    .option('--description <text>')
    .action(async (id: string, name: string, d: string, o: { description?: string }, cmd: Command) => call(cmd, 'POST', `/accounts/${e(id)}/ram/policies`, { PolicyName: name, PolicyDocument: doc(d, 'the policy document'), Description: o.description }));
  policy.command('show <accountId> <policyName>').action(async (id: string, name: string, _o: unknown, cmd: Command) => call(cmd, 'GET', `/accounts/${e(id)}/ram/policies/${e(name)}`));
  policy.command('update <accountId> <policyName> <document>').action(async (id: string, name: string, d: string, _o: unknown, cmd: Command) => call(cmd, 'PUT', `/accounts/${e(id)}/ram/policies/${e(name)}`, { PolicyDocument: doc(d, 'the policy document') }));
  policy
    .command('delete <accountId> <policyName>')
    .option('--force', 'delete even while attached (holders then answer InvalidAuthorizationStatus)')
    .action(async (id: string, name: string, o: { force?: boolean }, cmd: Command) => call(cmd, 'DELETE', `/accounts/${e(id)}/ram/policies/${e(name)}${o.force ? '?force=true' : ''}`));

  const holderPath = (id: string, o: { user?: string; role?: string }) => {
    if ((o.user === undefined) === (o.role === undefined)) throw new Error('pass exactly one of --user and --role');
    return o.user !== undefined ? `/accounts/${e(id)}/ram/users/${e(o.user)}` : `/accounts/${e(id)}/ram/roles/${e(o.role!)}`;
  };
  ram
    .command('attach <accountId> <policyName>')
    .option('--user <userName>')
    .option('--role <roleName>')
    .action(async (id: string, p: string, o: { user?: string; role?: string }, cmd: Command) => call(cmd, 'PUT', `${holderPath(id, o)}/policies/${e(p)}`));
  ram
    .command('detach <accountId> <policyName>')
    .option('--user <userName>')
    .option('--role <roleName>')
    .action(async (id: string, p: string, o: { user?: string; role?: string }, cmd: Command) => call(cmd, 'DELETE', `${holderPath(id, o)}/policies/${e(p)}`));

  const role = ram.command('role').description('roles assumed through STS');
  role.command('list <accountId>').action(async (id: string, _o: unknown, cmd: Command) => call(cmd, 'GET', `/accounts/${e(id)}/ram/roles`));
  role
    .command('create <accountId> <roleName>')
    .option('--trust <document>', 'AssumeRolePolicyDocument, JSON inline or @file (default: the account itself may assume it)')
    .option('--max-session-duration <seconds>', '3600–43200', Number)
    .action(async (id: string, name: string, o: { trust?: string; maxSessionDuration?: number }, cmd: Command) =>
      call(cmd, 'POST', `/accounts/${e(id)}/ram/roles`, { RoleName: name, ...(o.trust ? { AssumeRolePolicyDocument: doc(o.trust, 'the trust policy') } : {}), ...(o.maxSessionDuration !== undefined ? { MaxSessionDuration: o.maxSessionDuration } : {}) }),
    );
  role.command('show <accountId> <roleName>').action(async (id: string, name: string, _o: unknown, cmd: Command) => call(cmd, 'GET', `/accounts/${e(id)}/ram/roles/${e(name)}`));
  role.command('trust <accountId> <roleName> <document>').description('replace the trust policy').action(async (id: string, name: string, d: string, _o: unknown, cmd: Command) => call(cmd, 'PATCH', `/accounts/${e(id)}/ram/roles/${e(name)}`, { AssumeRolePolicyDocument: doc(d, 'the trust policy') }));
  role.command('delete <accountId> <roleName>').action(async (id: string, name: string, _o: unknown, cmd: Command) => call(cmd, 'DELETE', `/accounts/${e(id)}/ram/roles/${e(name)}`));

  // -- STS
  const sts = conn(program.command('sts').description('temporary credentials'));
  sts
    .command('assume-role <roleArn>')
    .description('issue STS.… credentials + SecurityToken for acs:ram::<account>:role/<name>')
    .requiredOption('--session <name>', 'RoleSessionName')
    .option('--duration <seconds>', '900 … the role MaxSessionDuration (default 3600)', Number)
    .option('--policy <document>', 'session policy, JSON inline or @file')
    .option('--principal <arn>', 'who assumes it: acs:ram::<account>:root (default: the role account) or …:user/<name>')
    .action(async (arn: string, o: { session: string; duration?: number; policy?: string; principal?: string }, cmd: Command) =>
      call(cmd, 'POST', '/sts/assume-role', { RoleArn: arn, RoleSessionName: o.session, ...(o.duration !== undefined ? { DurationSeconds: o.duration } : {}), ...(o.policy ? { Policy: doc(o.policy, 'the session policy') } : {}), ...(o.principal ? { Principal: o.principal } : {}) }),
    );
}
