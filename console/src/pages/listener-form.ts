// Creating a listener of any of the four protocols.
import { call, callAll, type Json } from '../api.js';
import { field, h, select } from '../dom.js';
import { t } from '../i18n.js';
import { region } from '../region.js';
import { formDialog, formValue } from '../ui.js';

export const PROTOCOLS = ['http', 'https', 'tcp', 'udp'] as const;
export type Protocol = (typeof PROTOCOLS)[number];
const ACTION: Record<Protocol, string> = { http: 'HTTP', https: 'HTTPS', tcp: 'TCP', udp: 'UDP' };

export async function createListenerDialog(lbId: string, done: () => void): Promise<void> {
  const certs = await callAll<Json>('DescribeServerCertificates', { RegionId: region() }, (r) => r.ServerCertificates?.ServerCertificate ?? []).catch((): Json[] => []);
  const protocol = select('ListenerProtocol', PROTOCOLS.map((p): [string, string] => [p, p.toUpperCase()]));
  const num = (name: string, value: string, min: number, max: number) => h('input', { name, type: 'number', inputmode: 'numeric', min: String(min), max: String(max), value, required: true });
  const l7 = h(
    'fieldset',
    {},
    h('legend', {}, t('listener.l7')),
    field(t('listener.healthCheck'), select('HealthCheck', [['on', t('common.on')], ['off', t('common.off')]])),
    field(t('listener.healthCheckURI'), h('input', { name: 'HealthCheckURI', value: '/' })),
  );
  const cert = field(
    t('listener.certificate'),
    select('ServerCertificateId', [['', t('listener.chooseCertificate')], ...certs.map((c: Json): [string, string] => [c.ServerCertificateId, `${c.ServerCertificateName || c.ServerCertificateId} (${c.ServerCertificateId})`])]),
    certs.length ? undefined : t('listener.noCertificates'),
  );
  const sync = () => {
    const p = protocol.value as Protocol;
    l7.hidden = p !== 'http' && p !== 'https';
    cert.hidden = p !== 'https';
  };
  protocol.addEventListener('change', sync);
  sync();
  formDialog(
    t('listener.create'),
    [
      field(t('listener.protocol'), protocol),
      field(t('listener.port'), num('ListenerPort', '', 1, 65535)),
      field(t('listener.backendPort'), num('BackendServerPort', '', 1, 65535)),
      field(t('listener.bandwidth'), num('Bandwidth', '-1', -1, 5120), t('listener.bandwidthHint')),
      field(t('listener.scheduler'), select('Scheduler', [['wrr', 'WRR'], ['wlc', 'WLC'], ['rr', 'RR']])),
      field(t('listener.healthCheckInterval'), num('HealthCheckInterval', '2', 1, 50), t('listener.seconds')),
      l7,
      cert,
    ],
    t('action.create'),
    async (form) => {
      const p = formValue(form, 'ListenerProtocol') as Protocol;
      const isL7 = p === 'http' || p === 'https';
      const interval = formValue(form, 'HealthCheckInterval');
      await call(`CreateLoadBalancer${ACTION[p]}Listener`, {
        RegionId: region(),
        LoadBalancerId: lbId,
        ListenerPort: formValue(form, 'ListenerPort'),
        BackendServerPort: formValue(form, 'BackendServerPort'),
        Bandwidth: formValue(form, 'Bandwidth'),
        Scheduler: formValue(form, 'Scheduler'),
        HealthCheckInterval: interval,
        HealthyThreshold: 2,
        UnhealthyThreshold: 2,
        ...(isL7 ? { HealthCheck: formValue(form, 'HealthCheck'), HealthCheckURI: formValue(form, 'HealthCheckURI'), StickySession: 'off', HealthCheckTimeout: 1 } : { HealthCheckConnectTimeout: 1 }),
        ...(p === 'https' ? { ServerCertificateId: formValue(form, 'ServerCertificateId') } : {}),
      });
      done();
    },
  );
}
