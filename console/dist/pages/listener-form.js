import { call, callAll } from '../api.js';
import { field, h, select } from '../dom.js';
import { t } from '../i18n.js';
import { region } from '../region.js';
import { formDialog, formValue } from '../ui.js';
const PROTOCOLS = ['http', 'https', 'tcp', 'udp'];
const NAME = { http: 'HTTP', https: 'HTTPS', tcp: 'TCP', udp: 'UDP' };
export async function listenerChoices(lbId) {
    const base = { RegionId: region(), LoadBalancerId: lbId };
    const [vs, ms, acls, certificates] = await Promise.all([
        call('DescribeVServerGroups', base),
        call('DescribeMasterSlaveServerGroups', base),
        callAll('DescribeAccessControlLists', { RegionId: region() }, (r) => r.Acls?.Acl ?? []),
        call('DescribeServerCertificates', { RegionId: region() }),
    ]);
    return {
        vserverGroups: vs.VServerGroups?.VServerGroup ?? [],
        masterSlaveGroups: ms.MasterSlaveServerGroups?.MasterSlaveServerGroup ?? [],
        acls,
        certificates: certificates.ServerCertificates?.ServerCertificate ?? [],
    };
}
export const configOf = (l) => l.HTTPListenerConfig ?? l.HTTPSListenerConfig ?? l.TCPListenerConfig ?? l.UDPListenerConfig ?? {};
export function listenerDialog(lbId, choices, done, existing) {
    const cfg = existing ? configOf(existing) : {};
    const num = (name, value, min, max, required = true) => h('input', { name, type: 'number', inputmode: 'numeric', min: String(min), max: String(max), value, required });
    const protocol = select('ListenerProtocol', PROTOCOLS.map((p) => [p, NAME[p]]), existing?.ListenerProtocol);
    protocol.disabled = !!existing;
    const port = num('ListenerPort', existing ? String(existing.ListenerPort) : '', 1, 65535);
    port.disabled = !!existing;
    const currentGroup = existing?.VServerGroupId ? `vsg:${existing.VServerGroupId}` : cfg.MasterSlaveServerGroupId ? `msg:${cfg.MasterSlaveServerGroupId}` : '';
    const group = select('group', [
        ['', t('listener.defaultGroup')],
        ...choices.vserverGroups.map((g) => [`vsg:${g.VServerGroupId}`, `${t('lb.vserverGroup')}: ${g.VServerGroupName || g.VServerGroupId}`]),
        ...choices.masterSlaveGroups.map((g) => [`msg:${g.MasterSlaveServerGroupId}`, `${t('lb.msGroup')}: ${g.MasterSlaveServerGroupName || g.MasterSlaveServerGroupId}`]),
    ], currentGroup);
    const backendPort = field(t('listener.backendPort'), num('BackendServerPort', existing?.BackendServerPort ? String(existing.BackendServerPort) : '', 1, 65535, false), t('listener.backendPortHint'));
    backendPort.hidden = !!existing;
    const aclIds = existing?.AclIds ?? (existing?.AclId ? [existing.AclId] : []);
    const acl = field(t('listener.acl'), select('acl', [['', t('common.off')], ...choices.acls.flatMap((a) => [[`white:${a.AclId}`, t('listener.aclWhite', { acl: a.AclName || a.AclId })], [`black:${a.AclId}`, t('listener.aclBlack', { acl: a.AclName || a.AclId })]])], existing?.AclStatus === 'on' && aclIds[0] ? `${existing.AclType}:${aclIds[0]}` : ''));
    const l7 = h('fieldset', {}, h('legend', {}, t('listener.l7')), field(t('listener.healthCheck'), select('HealthCheck', [['on', t('common.on')], ['off', t('common.off')]], cfg.HealthCheck)), field(t('listener.healthCheckURI'), h('input', { name: 'HealthCheckURI', value: cfg.HealthCheckURI ?? '/' })));
    const cert = field(t('listener.certificate'), select('ServerCertificateId', [['', t('listener.chooseCertificate')], ...choices.certificates.map((c) => [c.ServerCertificateId, `${c.ServerCertificateName || c.ServerCertificateId} (${c.ServerCertificateId})`])], cfg.ServerCertificateId), choices.certificates.length ? undefined : t('listener.noCertificates'));
    const sync = () => {
        const p = protocol.value;
        const isL7 = p === 'http' || p === 'https';
        l7.hidden = !isL7;
        cert.hidden = p !== 'https';
        for (const o of group.options)
            o.hidden = isL7 && o.value.startsWith('msg:');
    };
    protocol.addEventListener('change', sync);
    sync();
    formDialog(existing ? t('listener.edit', { listener: `${NAME[existing.ListenerProtocol]}:${existing.ListenerPort}` }) : t('listener.create'), [
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
    ], existing ? t('action.save') : t('action.create'), async (form) => {
        const p = (existing?.ListenerProtocol ?? formValue(form, 'ListenerProtocol'));
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
        }
        else {
            await call(`CreateLoadBalancer${NAME[p]}Listener`, {
                ...common,
                BackendServerPort: formValue(form, 'BackendServerPort'),
                VServerGroupId: kind === 'vsg' ? groupId : undefined,
                MasterSlaveServerGroupId: kind === 'msg' ? groupId : undefined,
            });
        }
        done();
    });
}
