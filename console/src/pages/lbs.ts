// The load balancer list of the region: search by name, id or address, filter by tag, paging, create.
import { call, callAll, type Json } from '../api.js';
import { field, fill, h, select, table, uid } from '../dom.js';
import { t } from '../i18n.js';
import { statusBadge, tagBadge } from '../labels.js';
import { region } from '../region.js';
import { go, href } from '../router.js';
import { errorPanel, formDialog, formValue } from '../ui.js';

const PAGE = 10;
const IP = /^[0-9a-f.:]+$/i;

/** What a search text stands for: an id, an address (both API filters), or part of a name. */
function searchOf(q: string): { params: Record<string, string>; name?: string } {
  if (!q) return { params: {} };
  if (/^lb-/.test(q)) return { params: { LoadBalancerId: q } };
  if (IP.test(q) && /[.:]/.test(q)) return { params: { Address: q } };
  // DescribeLoadBalancers matches whole names only: part of a name is matched here, over every page
  return { params: {}, name: q.toLowerCase() };
}

/** One page of the region's load balancers matching the search and tag filter, and how many match. */
async function pageOf(q: string, tags: string | undefined, page: number): Promise<{ lbs: Json[]; total: number }> {
  const search = searchOf(q);
  const params = { RegionId: region(), Tags: tags, ...search.params };
  if (search.name === undefined) {
    const r = await call('DescribeLoadBalancers', { ...params, PageNumber: page, PageSize: PAGE });
    return { lbs: r.LoadBalancers?.LoadBalancer ?? [], total: Number(r.TotalCount ?? 0) };
  }
  const all = await callAll<Json>('DescribeLoadBalancers', params, (r) => r.LoadBalancers?.LoadBalancer ?? []);
  const hits = all.filter((lb) => String(lb.LoadBalancerName ?? '').toLowerCase().includes(search.name!));
  return { lbs: hits.slice((page - 1) * PAGE, page * PAGE), total: hits.length };
}

export function lbsPage(main: HTMLElement): void {
  let page = 1;
  const q = h('input', { name: 'q', type: 'search' });
  const tagKey = h('input', { name: 'tagKey' });
  const tagValue = h('input', { name: 'tagValue' });
  const list = h('div', { 'aria-live': 'polite', 'aria-busy': 'true' });
  const searchHint = h('small', { id: uid('hint'), class: 'hint' }, t('lbs.searchHint'));
  q.setAttribute('aria-describedby', searchHint.id);
  const filters = h(
    'form',
    {
      class: 'filters',
      role: 'search',
      onsubmit: (e: Event) => {
        e.preventDefault();
        show(1);
      },
    },
    field(t('lbs.search'), q),
    field(t('lbs.tagKey'), tagKey),
    field(t('lbs.tagValue'), tagValue),
    h('div', { class: 'actions' }, h('button', { type: 'submit' }, t('action.search'))),
    // below the row of fields, so they line up
    searchHint,
  );

  const show = (p: number) => {
    page = p;
    void load();
  };

  async function load(): Promise<void> {
    list.setAttribute('aria-busy', 'true');
    try {
      const tags = tagKey.value.trim() ? JSON.stringify([{ TagKey: tagKey.value.trim(), ...(tagValue.value.trim() ? { TagValue: tagValue.value.trim() } : {}) }]) : undefined;
      const { lbs, total } = await pageOf(q.value.trim(), tags, page);
      const pages = Math.max(1, Math.ceil(total / PAGE));
      const rows = lbs.map((lb) => [
        h('a', { href: href('lb', lb.LoadBalancerId) }, lb.LoadBalancerName || lb.LoadBalancerId),
        h('code', {}, lb.LoadBalancerId),
        statusBadge(lb.LoadBalancerStatus),
        lb.Address,
        `${t(lb.AddressType === 'internet' ? 'lb.internet' : 'lb.intranet')} · ${lb.NetworkType}`,
        lb.LoadBalancerSpec ?? t('lb.payByCLCU'),
        h('span', { class: 'tags' }, ...(lb.Tags?.Tag ?? []).map(tagBadge)),
      ]);
      fill(
        list,
        lbs.length
          ? table([t('lbs.name'), t('lbs.id'), t('lbs.status'), t('lbs.address'), t('lbs.network'), t('lbs.spec'), t('lbs.tags')], rows, t('nav.lbs'))
          : h('p', { class: 'empty' }, t('lbs.empty')),
        h(
          'nav',
          { class: 'pager', 'aria-label': t('lbs.paging') },
          h('button', { type: 'button', disabled: page <= 1, onclick: () => show(page - 1) }, t('action.prev')),
          h('span', {}, t('lbs.page', { page, pages, total })),
          h('button', { type: 'button', disabled: page >= pages, onclick: () => show(page + 1) }, t('action.next')),
        ),
      );
    } catch (e) {
      fill(list, errorPanel(e));
    } finally {
      list.setAttribute('aria-busy', 'false');
    }
  }

  const create = () =>
    formDialog(
      t('lbs.create'),
      [
        field(t('lbs.name'), h('input', { name: 'LoadBalancerName', maxlength: '80' })),
        field(t('lb.addressType'), select('AddressType', [['internet', t('lb.internet')], ['intranet', t('lb.intranet')]])),
        field(t('lbs.spec'), select('LoadBalancerSpec', [['', t('lb.payByCLCU')], ...['slb.s1.small', 'slb.s2.small', 'slb.s2.medium', 'slb.s3.small', 'slb.s3.medium', 'slb.s3.large'].map((s): [string, string] => [s, s])])),
      ],
      t('action.create'),
      async (form) => {
        const r = await call('CreateLoadBalancer', {
          RegionId: region(),
          LoadBalancerName: formValue(form, 'LoadBalancerName'),
          AddressType: formValue(form, 'AddressType'),
          LoadBalancerSpec: formValue(form, 'LoadBalancerSpec'),
        });
        go('lb', r.LoadBalancerId);
      },
    );

  fill(
    main,
    h('div', { class: 'page-head' }, h('h1', {}, t('nav.lbs'), ' ', h('small', { class: 'muted' }, region())), h('button', { type: 'button', class: 'primary', onclick: create }, t('lbs.create'))),
    filters,
    list,
  );
  void load();
}
