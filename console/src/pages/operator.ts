// The operator's pages (operator token): accounts and their AccessKeys, the world's inventory and
// what the data plane has bound. Only the existing /_openslb endpoints are used.
import { operator, type Json } from '../api.js';
import { fill, h, table } from '../dom.js';
import { t } from '../i18n.js';
import { accountBadge, bindingBadge } from '../labels.js';
import { busy, dialog, errorPanel, errorSlot } from '../ui.js';

export function operatorPage(main: HTMLElement): void {
  const errors = errorSlot();
  const accounts = h('section', { class: 'card' }, h('h2', {}, t('op.accounts')));
  const world = h('section', { class: 'card' }, h('h2', {}, t('op.world')));
  const plane = h('section', { class: 'card' }, h('h2', {}, t('op.dataplane')));

  const newKey = async (b: HTMLButtonElement, a: Json) =>
    busy(b, async () => {
      try {
        const k = await operator('POST', `/accounts/${encodeURIComponent(a.AccountId)}/access-keys`);
        const d = dialog(t('op.newKey'), [
          h('p', {}, t('op.newKeyOnce')),
          h('dl', { class: 'facts' }, h('dt', {}, t('signin.accessKeyId')), h('dd', {}, h('code', {}, k.AccessKeyId)), h('dt', {}, t('signin.accessKeySecret')), h('dd', {}, h('code', {}, k.AccessKeySecret))),
          h('div', { class: 'actions' }, h('button', { type: 'button', class: 'primary', onclick: () => d.close() }, t('action.close'))),
        ]);
        await loadAccounts();
      } catch (e) {
        errors.show(e);
      }
    });

  async function loadAccounts(): Promise<void> {
    try {
      const list: Json[] = (await operator('GET', '/accounts')).Accounts ?? [];
      const rows = list.map((a) => {
        const b = h('button', { type: 'button' }, t('op.createKey'));
        b.addEventListener('click', () => void newKey(b, a));
        return [h('code', {}, a.AccountId), a.Name ?? '', accountBadge(a.Status), a.Root ? t('common.yes') : '', String((a.AccessKeys ?? []).length), b];
      });
      fill(accounts, h('h2', {}, t('op.accounts')), table([t('common.id'), t('common.name'), t('lbs.status'), t('op.root'), t('op.keys'), t('common.actions')], rows, t('op.accounts')));
    } catch (e) {
      fill(accounts, h('h2', {}, t('op.accounts')), errorPanel(e));
    }
  }

  async function loadWorld(): Promise<void> {
    try {
      const w = await operator('GET', '/world');
      const rows = (w.Instances ?? []).map((i: Json) => [h('code', {}, i.InstanceId), i.InstanceName ?? '', i.RegionId ?? '', i.PrivateIpAddress ?? i.VpcAttributes?.PrivateIpAddress?.IpAddress?.[0] ?? '', i.Status ?? '']);
      fill(
        world,
        h('h2', {}, t('op.world')),
        h('p', {}, t('op.worldSummary', { vpcs: (w.Vpcs ?? []).length, instances: rows.length, groups: (w.ResourceGroups ?? []).length })),
        rows.length ? table([t('common.id'), t('common.name'), t('op.region'), t('backend.ip'), t('lbs.status')], rows, t('op.instances')) : h('p', { class: 'empty' }, t('op.noInstances')),
      );
    } catch (e) {
      fill(world, h('h2', {}, t('op.world')), errorPanel(e));
    }
  }

  async function loadPlane(): Promise<void> {
    try {
      const d = await operator('GET', '/dataplane');
      if (!d.Enabled) return fill(plane, h('h2', {}, t('op.dataplane')), h('p', { class: 'empty' }, t('op.dataplaneOff')));
      const rows = (d.Listeners ?? []).map((l: Json) => [h('code', {}, l.loadBalancerId), `${String(l.protocol).toUpperCase()}:${l.port}`, bindingBadge(String(l.state)), l.error ?? '']);
      fill(
        plane,
        h('h2', {}, t('op.dataplane')),
        h('p', {}, t('op.dataplaneVersion', { version: d.Version, problems: (d.LeftOut ?? []).length })),
        rows.length ? table([t('lbs.id'), t('listener.listener'), t('lbs.status'), t('op.error')], rows, t('op.dataplane')) : h('p', { class: 'empty' }, t('op.noBound')),
      );
    } catch (e) {
      fill(plane, h('h2', {}, t('op.dataplane')), errorPanel(e));
    }
  }

  fill(main, h('h1', {}, t('nav.operator')), errors.el, accounts, world, plane);
  void loadAccounts();
  void loadWorld();
  void loadPlane();
}
