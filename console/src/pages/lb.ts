// One load balancer: summary, listeners (start/stop/delete, traffic), default backends with their
// live health, server groups, forwarding rules and domain extensions; delete with its protection.
import { call, callAll, ECS, type Json } from '../api.js';
import { fill, field, h, table, type Child } from '../dom.js';
import { t } from '../i18n.js';
import { region } from '../region.js';
import { go, href, type Cleanup } from '../router.js';
import { announce, badge, busy, confirmDialog, errorPanel, formDialog, formValue } from '../ui.js';
import { trafficPanel } from './charts.js';
import { createListenerDialog } from './listener-form.js';
import { statusBadge } from './lbs.js';

const POLL_MS = 2500;

const healthBadge = (s: string) => badge(t(s === 'normal' ? 'health.normal' : s === 'abnormal' ? 'health.abnormal' : 'health.unavailable'), `health-${s}`);
const button = (label: string, onclick: (e: Event) => void, cls?: string, extra: Record<string, string> = {}) => h('button', { type: 'button', class: cls, onclick, ...extra }, label);

export async function lbPage(main: HTMLElement, id: string | undefined): Promise<Cleanup> {
  if (!id) throw new Error('no load balancer id');
  const lbId = id;
  const base = { RegionId: region(), LoadBalancerId: lbId };
  const summary = h('section', { class: 'card' });
  const listeners = h('section', { class: 'card' });
  const backends = h('section', { class: 'card' });
  const health = h('section', { class: 'card', 'aria-labelledby': 'health-h' });
  const groups = h('section', { class: 'card' });
  const traffic = h('section', { class: 'card', hidden: true });
  let stopTraffic: Cleanup | undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let alive = true;

  async function refresh(): Promise<void> {
    const lb = await call('DescribeLoadBalancerAttribute', base);
    renderSummary(lb);
    const ls = await describeListeners();
    renderListeners(ls);
    renderBackends(lb.BackendServers?.BackendServer ?? []);
    await renderGroups(ls);
  }
  const describeListeners = async (): Promise<Json[]> => (await call('DescribeLoadBalancerListeners', { RegionId: region(), 'LoadBalancerId.1': lbId, MaxResults: 100 })).Listeners ?? [];
  /** what the listener table shows that changes on its own (starting → running, …) */
  const statesOf = (ls: Json[]) => ls.map((l) => `${l.ListenerProtocol}:${l.ListenerPort}:${l.Status}`).join(',');
  let shownStates = '';

  const reload = () => void refresh().catch((e) => fill(summary, errorPanel(e)));

  function renderSummary(lb: Json): void {
    const protectedOn = lb.DeleteProtection === 'on';
    const dl = (pairs: [string, Child][]) => h('dl', { class: 'facts' }, ...pairs.flatMap(([k, v]) => [h('dt', {}, k), h('dd', {}, v)]));
    fill(
      summary,
      h('div', { class: 'page-head' }, h('h1', {}, lb.LoadBalancerName || lbId), h('div', { class: 'actions' }, button(t('action.rename'), () => rename(lb)), button(t('action.delete'), () => deleteLb(protectedOn), 'danger'))),
      dl([
        [t('lbs.id'), h('code', {}, lbId)],
        [t('lbs.status'), statusBadge(lb.LoadBalancerStatus)],
        [t('lbs.address'), lb.Address],
        [t('lbs.network'), `${t(lb.AddressType === 'internet' ? 'lb.internet' : 'lb.intranet')} · ${lb.NetworkType}`],
        [t('lbs.spec'), lb.LoadBalancerSpec ?? t('lb.payByCLCU')],
        [t('lbs.tags'), h('span', { class: 'tags' }, ...(lb.Tags?.Tag ?? []).map((tg: Json) => badge(`${tg.TagKey}${tg.TagValue ? `=${tg.TagValue}` : ''}`, 'tag')))],
        [
          t('lb.deleteProtection'),
          h('span', {}, protectedOn ? t('common.on') : t('common.off'), ' ', button(protectedOn ? t('lb.protectionOff') : t('lb.protectionOn'), (e) => void setProtection(e.currentTarget as HTMLButtonElement, !protectedOn))),
        ],
      ]),
    );
  }

  async function setProtection(b: HTMLButtonElement, on: boolean): Promise<void> {
    await busy(b, async () => {
      try {
        await call('SetLoadBalancerDeleteProtection', { ...base, DeleteProtection: on ? 'on' : 'off' });
        announce(t(on ? 'lb.protectionIsOn' : 'lb.protectionIsOff'));
        await refresh();
      } catch (e) {
        summary.append(errorPanel(e));
      }
    });
  }

  function rename(lb: Json): void {
    formDialog(t('action.rename'), [field(t('lbs.name'), h('input', { name: 'LoadBalancerName', value: lb.LoadBalancerName ?? '', maxlength: '80', required: true }))], t('action.save'), async (form) => {
      await call('SetLoadBalancerName', { ...base, LoadBalancerName: formValue(form, 'LoadBalancerName') });
      reload();
    });
  }

  function deleteLb(protectedOn: boolean): void {
    const extra: Child[] = [];
    if (protectedOn) {
      const off = button(t('lb.protectionOff'), () =>
        void busy(off, async () => {
          await call('SetLoadBalancerDeleteProtection', { ...base, DeleteProtection: 'off' });
          fill(note, t('lb.protectionIsOff'));
          off.remove();
          reload();
        }),
      );
      const note = h('p', { class: 'warn' }, t('lb.protectedNote'), ' ', off);
      extra.push(note);
    }
    confirmDialog(t('lb.deleteTitle'), t('lb.deleteConfirm', { id: lbId }), async () => {
      await call('DeleteLoadBalancer', base);
      announce(t('lb.deleted', { id: lbId }));
      go('lbs');
    }, extra);
  }

  function renderListeners(ls: Json[]): void {
    shownStates = statesOf(ls);
    const rows = ls.map((l) => {
      const p = String(l.ListenerProtocol);
      const running = l.Status === 'running';
      const key = { ...base, ListenerPort: l.ListenerPort, ListenerProtocol: p };
      const toggle = button(t(running ? 'action.stop' : 'action.start'), () =>
        void busy(toggle, async () => {
          try {
            await call(running ? 'StopLoadBalancerListener' : 'StartLoadBalancerListener', key);
            announce(t(running ? 'listener.stopped' : 'listener.started', { port: l.ListenerPort }));
          } catch (e) {
            listeners.append(errorPanel(e));
          }
          reload();
        }),
      );
      const remove = button(t('action.delete'), () =>
        confirmDialog(t('listener.deleteTitle'), t('listener.deleteConfirm', { protocol: p.toUpperCase(), port: l.ListenerPort }), async () => {
          await call('DeleteLoadBalancerListener', key);
          reload();
        }),
        'danger',
      );
      const chart = button(t('listener.traffic'), () => showTraffic(p, Number(l.ListenerPort)));
      return [
        p.toUpperCase(),
        String(l.ListenerPort),
        l.VServerGroupId ? h('code', {}, l.VServerGroupId) : String(l.BackendServerPort ?? ''),
        statusBadge(l.Status),
        l.Description ?? '',
        h('span', { class: 'actions' }, toggle, chart, remove),
      ];
    });
    fill(
      listeners,
      h('div', { class: 'page-head' }, h('h2', {}, t('lb.listeners')), button(t('listener.create'), () => void createListenerDialog(lbId, reload).catch((e) => listeners.append(errorPanel(e))), 'primary')),
      ls.length ? table([t('listener.protocol'), t('listener.port'), t('listener.backendPortOrGroup'), t('lbs.status'), t('common.description'), t('common.actions')], rows, t('lb.listeners')) : h('p', { class: 'empty' }, t('lb.noListeners')),
    );
  }

  function showTraffic(protocol: string, port: number): void {
    stopTraffic?.();
    traffic.hidden = false;
    stopTraffic = trafficPanel(traffic, lbId, protocol, port, () => {
      traffic.hidden = true;
      stopTraffic = undefined;
    });
    traffic.scrollIntoView({ block: 'nearest' });
  }

  function renderBackends(servers: Json[]): void {
    const rows = servers.map((s) => [
      h('code', {}, s.ServerId),
      String(s.Weight),
      s.Type ?? 'ecs',
      button(t('action.remove'), () =>
        confirmDialog(t('backend.removeTitle'), t('backend.removeConfirm', { id: s.ServerId }), async () => {
          await call('RemoveBackendServers', { ...base, BackendServers: JSON.stringify([{ ServerId: s.ServerId, Type: s.Type ?? 'ecs' }]) });
          reload();
        }),
        'danger',
      ),
    ]);
    fill(
      backends,
      h('div', { class: 'page-head' }, h('h2', {}, t('lb.backends')), button(t('backend.add'), () => void addBackends(servers), 'primary')),
      servers.length ? table([t('backend.server'), t('backend.weight'), t('backend.type'), t('common.actions')], rows, t('lb.backends')) : h('p', { class: 'empty' }, t('lb.noBackends')),
    );
  }

  async function addBackends(existing: Json[]): Promise<void> {
    const taken = new Set(existing.map((s) => s.ServerId));
    let instances: Json[] = [];
    try {
      instances = await callAll('DescribeInstances', { RegionId: region() }, (r) => r.Instances?.Instance ?? [], ECS);
    } catch {
      // without ECS rights the ids can still be typed in
    }
    const free = instances.filter((i) => !taken.has(i.InstanceId));
    const checks = free.map((i) => {
      const ip = i.VpcAttributes?.PrivateIpAddress?.IpAddress?.[0] ?? i.InnerIpAddress?.IpAddress?.[0] ?? '';
      const box = h('input', { type: 'checkbox', name: 'ServerId', value: i.InstanceId });
      return h('label', { class: 'check' }, box, ' ', h('code', {}, i.InstanceId), ` ${i.InstanceName ?? ''} ${ip}`);
    });
    formDialog(
      t('backend.add'),
      [
        checks.length ? h('fieldset', {}, h('legend', {}, t('backend.instances')), ...checks) : h('p', { class: 'muted' }, t('backend.noInstances')),
        field(t('backend.otherIds'), h('input', { name: 'OtherIds', spellcheck: 'false' }), t('backend.otherIdsHint')),
        field(t('backend.weight'), h('input', { name: 'Weight', type: 'number', min: '0', max: '100', value: '100', required: true })),
      ],
      t('action.add'),
      async (form) => {
        const d = new FormData(form);
        const ids = [...d.getAll('ServerId').map(String), ...formValue(form, 'OtherIds').split(/[\s,]+/).filter(Boolean)];
        if (!ids.length) throw new Error(t('backend.chooseOne'));
        await call('AddBackendServers', { ...base, BackendServers: JSON.stringify(ids.map((ServerId) => ({ ServerId, Weight: formValue(form, 'Weight') }))) });
        reload();
      },
    );
  }

  /**
   * DescribeHealthStatus now, and again every few seconds while the page is shown; the listener
   * table is redrawn only when a status changed by itself (so focus stays where it is).
   */
  async function poll(): Promise<void> {
    if (!alive) return;
    if (document.visibilityState === 'visible') {
      try {
        const [list, ls] = await Promise.all([call('DescribeHealthStatus', base).then((r): Json[] => r.BackendServers?.BackendServer ?? []), describeListeners()]);
        if (statesOf(ls) !== shownStates) renderListeners(ls);
        const rows = list.map((b) => [`${String(b.Protocol ?? '').toUpperCase()}:${b.ListenerPort}`, h('code', {}, b.ServerId), b.ServerIp ?? '', String(b.Port), healthBadge(b.ServerHealthStatus)]);
        fill(
          health,
          h('h2', { id: 'health-h' }, t('lb.health'), ' ', h('small', { class: 'muted' }, t('lb.healthLive'))),
          rows.length ? table([t('listener.listener'), t('backend.server'), t('backend.ip'), t('backend.port'), t('backend.health')], rows, t('lb.health')) : h('p', { class: 'empty' }, t('lb.noHealth')),
        );
      } catch (e) {
        fill(health, h('h2', { id: 'health-h' }, t('lb.health')), errorPanel(e));
      }
    }
    if (alive) timer = setTimeout(() => void poll(), POLL_MS);
  }

  async function renderGroups(ls: Json[]): Promise<void> {
    const vgroups: Json[] = (await call('DescribeVServerGroups', base)).VServerGroups?.VServerGroup ?? [];
    const msgroups: Json[] = (await call('DescribeMasterSlaveServerGroups', base)).MasterSlaveServerGroups?.MasterSlaveServerGroup ?? [];
    const l7 = ls.filter((l) => l.ListenerProtocol === 'http' || l.ListenerProtocol === 'https');
    const rules: Child[][] = [];
    const domains: Child[][] = [];
    for (const l of l7) {
      const key = { ...base, ListenerPort: l.ListenerPort, ListenerProtocol: l.ListenerProtocol };
      for (const r of (await call('DescribeRules', key)).Rules?.Rule ?? []) rules.push([`${String(l.ListenerProtocol).toUpperCase()}:${l.ListenerPort}`, r.RuleName ?? '', r.Domain ?? '', r.Url ?? '', h('code', {}, r.VServerGroupId ?? '')]);
      if (l.ListenerProtocol === 'https') {
        for (const d of (await call('DescribeDomainExtensions', { ...base, ListenerPort: l.ListenerPort })).DomainExtensions?.DomainExtension ?? []) {
          domains.push([`HTTPS:${l.ListenerPort}`, d.Domain ?? '', h('code', {}, d.ServerCertificateId ?? '')]);
        }
      }
    }
    const sub = (title: string, head: string[], rows: Child[][], empty: string) => [h('h3', {}, title), rows.length ? table(head, rows, title) : h('p', { class: 'empty' }, empty)];
    fill(
      groups,
      h('h2', {}, t('lb.groups')),
      sub(t('lb.vserverGroups'), [t('common.name'), t('common.id'), t('lb.members')], vgroups.map((g) => [g.VServerGroupName ?? '', h('code', {}, g.VServerGroupId), members(g.BackendServers?.BackendServer)]), t('common.none')),
      sub(t('lb.msGroups'), [t('common.name'), t('common.id'), t('lb.members')], msgroups.map((g) => [g.MasterSlaveServerGroupName ?? '', h('code', {}, g.MasterSlaveServerGroupId), members(g.MasterSlaveBackendServers?.MasterSlaveBackendServer)]), t('common.none')),
      sub(t('lb.rules'), [t('listener.listener'), t('common.name'), t('rule.domain'), t('rule.url'), t('lb.vserverGroup')], rules, t('common.none')),
      sub(t('lb.domainExtensions'), [t('listener.listener'), t('rule.domain'), t('listener.certificate')], domains, t('common.none')),
    );
  }

  const members = (list: Json[] | undefined) => (list ?? []).map((m) => `${m.ServerId}:${m.Port}${m.ServerType ? ` (${m.ServerType})` : ''}`).join(', ');

  fill(main, h('p', {}, h('a', { href: href('lbs') }, `← ${t('nav.lbs')}`)), summary, listeners, traffic, health, backends, groups);
  await refresh();
  void poll();
  return () => {
    alive = false;
    clearTimeout(timer);
    stopTraffic?.();
    document.querySelectorAll('.backdrop').forEach((b) => b.remove());
  };
}
