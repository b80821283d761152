// Creating and editing listeners of the four protocols: ports, bandwidth, scheduling, health check,
// the server group they forward to (default, VServer or master-slave), ACL and, for HTTPS, the
// certificate. Editing keeps protocol and port (they name the listener).
import { call, callAll, type Json } from '../api.js';
import { field, h, select } from '../dom.js';
import { t } from '../i18n.js';
import { region } from '../region.js';
import { formDialog, formValue } from '../ui.js';

const PROTOCOLS = ['http', 'https', 'tcp', 'udp'] as const;
type Protocol = (typeof PROTOCOLS)[number];
const NAME: Record<Protocol, string> = { http: 'HTTP', https: 'HTTPS', tcp: 'TCP', udp: 'UDP' };

/** The choices a listener form offers, read once when it opens. */
export interface ListenerChoices {
  vserverGroups: Json[];
  masterSlaveGroups: Json[];
  acls: Json[];
  certificates: Json[];
}

export async function listenerChoices(lbId: string): Promise<ListenerChoices> {
  const base = { RegionId: region(), LoadBalancerId: lbId };
  const [vs, ms, acls, certificates] = await Promise.all([
    call('DescribeVServerGroups', base),
    call('DescribeMasterSlaveServerGroups', base),
    callAll<Json>('DescribeAccessControlLists', { RegionId: region() }, (r) => r.Acls?.Acl ?? []),
    call('DescribeServerCertificates', { RegionId: region() }),
  ]);
  return {
    vserverGroups: vs.VServerGroups?.VServerGroup ?? [],
    masterSlaveGroups: ms.MasterSlaveServerGroups?.MasterSlaveServerGroup ?? [],
    acls,
    certificates: certificates.ServerCertificates?.ServerCertificate ?? [],
  };
}

/** The listener's own settings, whichever protocol's config object holds them. */
export const configOf = (l: Json): Json => l.HTTPListenerConfig ?? l.HTTPSListenerConfig ?? l.TCPListenerConfig ?? l.UDPListenerConfig ?? {};

export function listenerDialog(lbId: string, choices: ListenerChoices, done: () => void, existing?: Json): void {
  const cfg = existing ? configOf(existing) : {};
  const num = (name: string, value: string, min: number, max: number, required = true) =>
    h('input', { name, type: 'number', inputmode: 'numeric', min: String(min), max: String(max), value, required });
  const protocol = select('ListenerProtocol', PROTOCOLS.map((p): [string, string] => [p, NAME[p]]), existing?.ListenerProtocol);
  protocol.disabled = !!existing;
  const port = num('ListenerPort', existing ? String(existing.ListenerPort) : '', 1, 65535);
  port.disabled = !!existing;
  const currentGroup = existing?.VServerGroupId ? `vsg:${existing.VServerGroupId}` : cfg.MasterSlaveServerGroupId ? `msg:${cfg.MasterSlaveServerGroupId}` : '';
  const group = select(
    'group',
    [
      ['', t('listener.defaultGroup')],
      ...choices.vserverGroups.map((g): [string, string] => [`vsg:${g.VServerGroupId}`, `${t('lb.vserverGroup')}: ${g.VServerGroupName || g.VServerGroupId}`]),
      ...choices.masterSlaveGroups.map((g): [string, string] => [`msg:${g.MasterSlaveServerGroupId}`, `${t('lb.msGroup')}: ${g.MasterSlaveServerGroupName || g.MasterSlaveServerGroupId}`]),
    ],
    currentGroup,
  );
  const backendPort = field(t('listener.backendPort'), num('BackendServerPort', existing?.BackendServerPort ? String(existing.BackendServerPort) : '', 1, 65535, false), t('listener.backendPortHint'));
  backendPort.hidden = !!existing;
  const aclIds: string[] = existing?.AclIds ?? (existing?.AclId ? [existing.AclId] : []);
  const acl = field(
    t('listener.acl'),
    select('acl', [['', t('common.off')], ...choices.acls.flatMap((a): [string, string][] => [[`white:${a.AclId}`, t('listener.aclWhite', { acl: a.AclName || a.AclId })], [`black:${a.AclId}`, t('listener.aclBlack', { acl: a.AclName || a.AclId })]])], existing?.AclStatus === 'on' && aclIds[0] ? `${existing.AclType}:${aclIds[0]}` : ''),
  );
  const l7 = h(
    'fieldset',
    {},
    h('legend', {}, t('listener.l7')),
    field(t('listener.healthCheck'), select('HealthCheck', [['on', t('common.on')], ['off', t('common.off')]], cfg.HealthCheck)),
    field(t('listener.healthCheckURI'), h('input', { name: 'HealthCheckURI', value: cfg.HealthCheckURI ?? '/' })),
  );
  const cert = field(
    t('listener.certificate'),
    select('ServerCertificateId', [['', t('listener.chooseCertificate')], ...choices.certificates.map((c): [string, string] => [c.ServerCertificateId, `${c.ServerCertificateName || c.ServerCertificateId} (${c.ServerCertificateId})`])], cfg.ServerCertificateId),
    choices.certificates.length ? undefined : t('listener.noCertificates'),
  );
  const sync = () => {
    const p = protocol.value as Protocol;
    const isL7 = p === 'http' || p === 'https';
    l7.hidden = !isL7;
    cert.hidden = p !== 'https';
    // master-slave groups serve TCP and UDP listeners only
    for (const o of group.options) o.hidden = isL7 && o.value.startsWith('msg:');
  };
  protocol.addEventListener('change', sync);
  sync();

  formDialog(
    existing ? t('listener.edit', { listener: `${NAME[existing.ListenerProtocol as Protocol]}:${existing.ListenerPort}` }) : t('listener.create'),
    [
      field(t('listener.protocol'), protocol),
      field(t('listener.port'), port),
      field(t('listener.group'), group),
      backendPort,
      field(t('listener.bandwidth'), num('Bandwidth', String(existing?.Bandwidth ?? -1), -1, 5120), t('listener.bandwidthHint')),
      field(t('listener.scheduler'), select('Scheduler', [['wrr', 'WRR'], ['wlc', 'WLC'], ['rr', 'RR']], existing?.Scheduler)),
      field(t('listener.healthCheckInterval'), num('HealthCheckInterval', String(cfg.HealthCheckInterval ?? 2), 1, 50), t('listener.seconds')),
      field(t('listener.healthyThreshold'), num('HealthyThreshold', String(cfg.HealthyThreshold ?? 2), 2, 10), t('listener.thresholdHint')),
      field(t('listener.unhealthyThreshold'), num('UnhealthyThreshold', String(cfg.UnhealthyThreshold ?? 2), 2, 10), t('listener.thresholdHint')),
      field(t('common.description'), h('input', { name: 'Description', maxlength: '80', value: existing?.Description ?? '' })),
      acl,
      l7,
      cert,
    ],
    existing ? t('action.save') : t('action.create'),
    async (form) => {
      const p = (existing?.ListenerProtocol ?? formValue(form, 'ListenerProtocol')) as Protocol;
      const isL7 = p === 'http' || p === 'https';
      const [kind, groupId] = formValue(form, 'group').split(':');
      const [aclType, aclId] = formValue(form, 'acl').split(':');
      const interval = formValue(form, 'HealthCheckInterval');
      const common = {
        RegionId: region(),
        LoadBalancerId: lbId,
        ListenerPort: existing?.ListenerPort ?? formValue(form, 'ListenerPort'),
        Bandwidth: formValue(form, 'Bandwidth'),
        Scheduler: formValue(form, 'Scheduler'),
        Description: formValue(form, 'Description'),
        // UDP names the interval in lower camel case (as the real API does)
        [p === 'udp' && !existing ? 'healthCheckInterval' : 'HealthCheckInterval']: interval,
        HealthyThreshold: formValue(form, 'HealthyThreshold'),
        UnhealthyThreshold: formValue(form, 'UnhealthyThreshold'),
        AclStatus: aclId ? 'on' : 'off',
        AclId: aclId,
        AclType: aclType || undefined,
        ...(isL7 ? { HealthCheck: formValue(form, 'HealthCheck'), HealthCheckURI: formValue(form, 'HealthCheckURI'), ...(existing ? {} : { StickySession: 'off' }) } : {}),
        ...(p === 'https' ? { ServerCertificateId: formValue(form, 'ServerCertificateId') } : {}),
      };
      if (existing) {
        await call(`SetLoadBalancer${NAME[p]}ListenerAttribute`, {
          ...common,
          VServerGroup: kind === 'vsg' ? 'on' : 'off',
          VServerGroupId: kind === 'vsg' ? groupId : undefined,
          ...(isL7 ? {} : { MasterSlaveServerGroup: kind === 'msg' ? 'on' : 'off', MasterSlaveServerGroupId: kind === 'msg' ? groupId : undefined }),
        });
      } else {
        await call(`CreateLoadBalancer${NAME[p]}Listener`, {
          ...common,
          BackendServerPort: formValue(form, 'BackendServerPort'),
          VServerGroupId: kind === 'vsg' ? groupId : undefined,
          MasterSlaveServerGroupId: kind === 'msg' ? groupId : undefined,
        });
      }
      done();
    },
  );
}
