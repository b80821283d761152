// Forwarding rules of a load balancer's HTTP/HTTPS listeners (domain and path to a VServer group)
// and the domain extensions (SNI certificates) of its HTTPS listeners: create and delete.
import { call, type Json } from '../api.js';
import { field, fill, h, select, table, type Child } from '../dom.js';
import { t } from '../i18n.js';
import { region } from '../region.js';
import { button, confirmDialog, formDialog, formValue } from '../ui.js';

const name = (l: Json) => `${String(l.ListenerProtocol).toUpperCase()}:${l.ListenerPort}`;

export async function renderRules(el: HTMLElement, lbId: string, listeners: Json[], onError: (e: unknown) => void): Promise<void> {
  const base = { RegionId: region(), LoadBalancerId: lbId };
  const l7 = listeners.filter((l) => l.ListenerProtocol === 'http' || l.ListenerProtocol === 'https');
  const https = l7.filter((l) => l.ListenerProtocol === 'https');
  const [vs, certs, ruleLists, domainLists] = await Promise.all([
    call('DescribeVServerGroups', base),
    https.length ? call('DescribeServerCertificates', { RegionId: region() }) : Promise.resolve({} as Json),
    Promise.all(l7.map(async (l) => (await call('DescribeRules', { ...base, ListenerPort: l.ListenerPort, ListenerProtocol: l.ListenerProtocol })).Rules?.Rule ?? [])),
    Promise.all(https.map(async (l) => (await call('DescribeDomainExtensions', { ...base, ListenerPort: l.ListenerPort })).DomainExtensions?.DomainExtension ?? [])),
  ]);
  const groups: Json[] = vs.VServerGroups?.VServerGroup ?? [];
  const certificates: Json[] = certs.ServerCertificates?.ServerCertificate ?? [];
  const reload = () => void renderRules(el, lbId, listeners, onError).catch(onError);
  const listenerSelect = (list: Json[]) => select('listener', list.map((l, i): [string, string] => [String(i), name(l)]));

  const createRule = () =>
    formDialog(
      t('rule.create'),
      [
        field(t('listener.listener'), listenerSelect(l7)),
        field(t('common.name'), h('input', { name: 'RuleName', maxlength: '80', required: true })),
        field(t('rule.domain'), h('input', { name: 'Domain', spellcheck: 'false', placeholder: 'www.example.com' })),
        field(t('rule.url'), h('input', { name: 'Url', spellcheck: 'false', placeholder: '/images' })),
        field(t('lb.vserverGroup'), select('VServerGroupId', groups.map((g): [string, string] => [g.VServerGroupId, g.VServerGroupName || g.VServerGroupId]))),
      ],
      t('action.create'),
      async (form) => {
        const l = l7[Number(formValue(form, 'listener'))]!;
        const rule = { RuleName: formValue(form, 'RuleName'), Domain: formValue(form, 'Domain') || undefined, Url: formValue(form, 'Url') || undefined, VServerGroupId: formValue(form, 'VServerGroupId') };
        await call('CreateRules', { ...base, ListenerPort: l.ListenerPort, ListenerProtocol: l.ListenerProtocol, RuleList: JSON.stringify([rule]) });
        reload();
      },
    );
  const deleteRule = (r: Json) =>
    confirmDialog(t('rule.deleteTitle'), t('rule.deleteConfirm', { rule: r.RuleName || r.RuleId }), async () => {
      await call('DeleteRules', { RegionId: region(), RuleIds: JSON.stringify([r.RuleId]) });
      reload();
    });
  const createDomain = () =>
    formDialog(
      t('domain.create'),
      [
        field(t('listener.listener'), listenerSelect(https)),
        field(t('rule.domain'), h('input', { name: 'Domain', required: true, spellcheck: 'false', placeholder: '*.example.com' })),
        field(t('listener.certificate'), select('ServerCertificateId', certificates.map((c): [string, string] => [c.ServerCertificateId, c.ServerCertificateName || c.ServerCertificateId]))),
      ],
      t('action.create'),
      async (form) => {
        const l = https[Number(formValue(form, 'listener'))]!;
        await call('CreateDomainExtension', { ...base, ListenerPort: l.ListenerPort, Domain: formValue(form, 'Domain'), ServerCertificateId: formValue(form, 'ServerCertificateId') });
        reload();
      },
    );
  const deleteDomain = (d: Json) =>
    confirmDialog(t('domain.deleteTitle'), t('domain.deleteConfirm', { domain: d.Domain }), async () => {
      await call('DeleteDomainExtension', { RegionId: region(), DomainExtensionId: d.DomainExtensionId });
      reload();
    });

  const groupName = (id: string) => groups.find((g) => g.VServerGroupId === id)?.VServerGroupName || id;
  const ruleRows: Child[][] = l7.flatMap((l, i) =>
    ruleLists[i]!.map((r: Json) => [name(l), r.RuleName ?? '', r.Domain ?? '', r.Url ?? '', groupName(r.VServerGroupId ?? ''), button(t('action.delete'), () => deleteRule(r), 'danger', r.RuleName || r.RuleId)]),
  );
  const domainRows: Child[][] = https.flatMap((l, i) =>
    domainLists[i]!.map((d: Json) => [name(l), d.Domain ?? '', h('code', {}, d.ServerCertificateId ?? ''), button(t('action.delete'), () => deleteDomain(d), 'danger', d.Domain)]),
  );
  fill(
    el,
    h('div', { class: 'page-head' }, h('h2', {}, t('lb.rules')), l7.length && groups.length ? button(t('rule.create'), createRule, 'primary') : null),
    !l7.length ? h('p', { class: 'muted' }, t('rule.needsL7')) : !groups.length && !ruleRows.length ? h('p', { class: 'muted' }, t('rule.needsGroup')) : null,
    ruleRows.length ? table([t('listener.listener'), t('common.name'), t('rule.domain'), t('rule.url'), t('lb.vserverGroup'), t('common.actions')], ruleRows, t('lb.rules')) : null,
    h('div', { class: 'page-head' }, h('h2', {}, t('lb.domainExtensions')), https.length && certificates.length ? button(t('domain.create'), createDomain, 'primary') : null),
    !https.length ? h('p', { class: 'muted' }, t('domain.needsHttps')) : null,
    domainRows.length ? table([t('listener.listener'), t('rule.domain'), t('listener.certificate'), t('common.actions')], domainRows, t('lb.domainExtensions')) : null,
  );
}
