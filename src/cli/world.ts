// `openslb world …` and `openslb lb …`: operator commands that call the operator API (/_openslb/…)
// of a running server. Connection: --url (env OPENSLB_URL, default http://127.0.0.1:8080) and the
// operator token from --token, env OPENSLB_OPERATOR_TOKEN, or DATA_DIR/operator-token.
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { type Conn, connectionOptions, operatorCall, parseJson as json } from './operator-client.js';

/** An operator call on behalf of --account (sent as AccountId) when one is given. */
const call = (cmd: Command, method: string, path: string, body?: unknown, query: Record<string, string | undefined> = {}): Promise<void> =>
  operatorCall(cmd, method, path, body, { AccountId: cmd.optsWithGlobals<Conn>().account || undefined, ...query });

export function addWorldCommands(program: Command): void {
  const conn = (c: Command) => connectionOptions(c).option('--account <id>', 'account id (default: the root account)');

  const world = conn(program.command('world').description('manage the world around the load balancers (VPCs, vSwitches, instances, pools, stock, quotas)'));

  world
    .command('show')
    .description('print the world of the account')
    .option('--region <id>', 'one region only')
    .action(async (o: { region?: string }, cmd: Command) => call(cmd, 'GET', '/world', undefined, { RegionId: o.region }));
  world
    .command('load <file>')
    .description('load a world file (docs/world.md) into the running server')
    .action(async (file: string, _o: unknown, cmd: Command) => call(cmd, 'POST', '/world/load', json(readFileSync(file, 'utf8'), file)));

  const vpc = world.command('vpc').description('VPCs');
  vpc.command('list').option('--region <id>').action(async (o: { region?: string }, cmd: Command) => call(cmd, 'GET', '/world/vpcs', undefined, { RegionId: o.region }));
  vpc
    .command('create')
    .requiredOption('--region <id>')
    .requiredOption('--cidr <block>')
    .option('--id <vpc-id>')
    .option('--name <name>')
    .option('--status <status>', 'Creating | Available | Deleting | Deleted')
    .action(async (o: { region: string; cidr: string; id?: string; name?: string; status?: string }, cmd: Command) =>
      call(cmd, 'POST', '/world/vpcs', { RegionId: o.region, CidrBlock: o.cidr, VpcId: o.id, VpcName: o.name, Status: o.status }),
    );
  vpc.command('status <region> <vpcId> <status>').description('set a VPC status').action(async (region: string, id: string, status: string, _o: unknown, cmd: Command) => call(cmd, 'PATCH', `/world/vpcs/${region}/${id}`, { Status: status }));
  vpc
    .command('delete <region> <vpcId>')
    .option('--purge', 'forget it instead of keeping it as Deleted')
    .action(async (region: string, id: string, o: { purge?: boolean }, cmd: Command) => call(cmd, 'DELETE', `/world/vpcs/${region}/${id}`, undefined, { purge: o.purge ? 'true' : undefined }));

  const vsw = world.command('vswitch').description('vSwitches');
  vsw.command('list').option('--region <id>').option('--vpc <id>').action(async (o: { region?: string; vpc?: string }, cmd: Command) => call(cmd, 'GET', '/world/vswitches', undefined, { RegionId: o.region, VpcId: o.vpc }));
  vsw
    .command('create')
    .requiredOption('--region <id>')
    .requiredOption('--vpc <id>')
    .requiredOption('--zone <id>')
    .requiredOption('--cidr <block>')
    .option('--id <vsw-id>')
    .action(async (o: { region: string; vpc: string; zone: string; cidr: string; id?: string }, cmd: Command) =>
      call(cmd, 'POST', '/world/vswitches', { RegionId: o.region, VpcId: o.vpc, ZoneId: o.zone, CidrBlock: o.cidr, VSwitchId: o.id }),
    );
  vsw.command('delete <region> <vswId>').action(async (region: string, id: string, _o: unknown, cmd: Command) => call(cmd, 'DELETE', `/world/vswitches/${region}/${id}`));

  const inst = world.command('instance').description('backend instances');
  inst.command('list').option('--region <id>').action(async (o: { region?: string }, cmd: Command) => call(cmd, 'GET', '/world/instances', undefined, { RegionId: o.region }));
  inst
    .command('create')
    .requiredOption('--region <id>')
    .requiredOption('--ip <address>')
    .option('--id <instance-id>')
    .option('--vswitch <id>')
    .option('--zone <id>')
    .option('--status <status>', 'Running | Stopped')
    .action(async (o: { region: string; ip: string; id?: string; vswitch?: string; zone?: string; status?: string }, cmd: Command) =>
      call(cmd, 'POST', '/world/instances', { RegionId: o.region, PrivateIpAddress: o.ip, InstanceId: o.id, VSwitchId: o.vswitch, ZoneId: o.zone, Status: o.status }),
    );
  inst.command('status <region> <instanceId> <status>').action(async (region: string, id: string, status: string, _o: unknown, cmd: Command) => call(cmd, 'PATCH', `/world/instances/${region}/${id}`, { Status: status }));
  inst.command('delete <region> <instanceId>').action(async (region: string, id: string, _o: unknown, cmd: Command) => call(cmd, 'DELETE', `/world/instances/${region}/${id}`));

  const rg = world.command('resource-group').description('resource groups');
  rg.command('list').action(async (_o: unknown, cmd: Command) => call(cmd, 'GET', '/world/resource-groups'));
  rg.command('create <name>').option('--id <rg-id>').action(async (name: string, o: { id?: string }, cmd: Command) => call(cmd, 'POST', '/world/resource-groups', { Name: name, Id: o.id }));

  const SETTINGS = ['pools', 'stock', 'quotas', 'settings'];
  world
    .command('get <what>')
    .description(`print ${SETTINGS.join(' | ')} | leases`)
    .action(async (what: string, _o: unknown, cmd: Command) => {
      if (![...SETTINGS, 'leases'].includes(what)) throw new Error(`expected one of ${[...SETTINGS, 'leases'].join(', ')}`);
      await call(cmd, 'GET', `/world/${what}`);
    });
  world
    .command('set <what> <json>')
    .description(`replace ${SETTINGS.join(' | ')}, e.g. set stock '{"Stock":[{"RegionId":"cn-hangzhou","ZoneId":"cn-hangzhou-b","Spec":"*","Available":0}]}'`)
    .action(async (what: string, body: string, _o: unknown, cmd: Command) => {
      if (!SETTINGS.includes(what)) throw new Error(`expected one of ${SETTINGS.join(', ')}`);
      await call(cmd, 'PUT', `/world/${what}`, json(body, 'the value'));
    });

  const lb = conn(program.command('lb').description('operator hooks on load balancers'));
  lb.command('lock <loadBalancerId>')
    .option('--reason <reason>', 'financial | security', 'financial')
    .action(async (id: string, o: { reason: string }, cmd: Command) => call(cmd, 'PUT', `/load-balancers/${id}/lock`, { Locked: true, Reason: o.reason }));
  lb.command('unlock <loadBalancerId>').action(async (id: string, _o: unknown, cmd: Command) => call(cmd, 'PUT', `/load-balancers/${id}/lock`, { Locked: false }));
}
