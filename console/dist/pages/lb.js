import { call } from '../api.js';
import { fill, field, h, table } from '../dom.js';
import { t } from '../i18n.js';
import { region } from '../region.js';
import { go, href } from '../router.js';
import { healthBadge, statusBadge, tagBadge, tagText } from '../labels.js';
import { announce, busy, button, confirmDialog, errorPanel, errorSlot, formDialog, formValue } from '../ui.js';
import { trafficPanel } from './charts.js';
import { renderGroups } from './groups.js';
import { pickedServers, regionInstances, serverPicker } from './instances.js';
import { configOf, listenerChoices, listenerDialog } from './listener-form.js';
import { renderRules } from './rules.js';
const POLL_MS = 2500;
export async function lbPage(main, id) {
    if (!id)
        throw new Error('no load balancer id');
    const lbId = id;
    const base = { RegionId: region(), LoadBalancerId: lbId };
    const errors = errorSlot();
    const summary = h('section', { class: 'card' });
    const listeners = h('section', { class: 'card' });
    const traffic = h('section', { class: 'card', hidden: true });
    const health = h('section', { class: 'card', 'aria-labelledby': 'health-h' });
    const backends = h('section', { class: 'card' });
    const groups = h('section', { class: 'card' });
    const rules = h('section', { class: 'card' });
    let stopTraffic;
    let timer;
    let alive = true;
    const describeListeners = async () => (await call('DescribeLoadBalancerListeners', { RegionId: region(), 'LoadBalancerId.1': lbId, MaxResults: 100 })).Listeners ?? [];
    const statesOf = (ls) => ls.map((l) => `${l.ListenerProtocol}:${l.ListenerPort}:${l.Status}`).join(',');
    let shownStates = '';
    async function refresh() {
        const [lb, ls] = await Promise.all([call('DescribeLoadBalancerAttribute', base), describeListeners()]);
        renderSummary(lb);
        renderListeners(ls);
        renderBackends(lb.BackendServers?.BackendServer ?? []);
        await Promise.all([renderGroups(groups, lbId, reload), renderRules(rules, lbId, ls, errors.show)]);
    }
    const reload = () => void refresh().catch(errors.show);
    function renderSummary(lb) {
        const protectedOn = lb.DeleteProtection === 'on';
        const tags = lb.Tags?.Tag ?? [];
        const dl = (pairs) => h('dl', { class: 'facts' }, ...pairs.flatMap(([k, v]) => [h('dt', {}, k), h('dd', {}, v)]));
        fill(summary, h('div', { class: 'page-head' }, h('h1', {}, lb.LoadBalancerName || lbId), h('div', { class: 'actions' }, button(t('action.rename'), () => rename(lb)), button(t('action.delete'), () => deleteLb(protectedOn), 'danger'))), dl([
            [t('lbs.id'), h('code', {}, lbId)],
            [t('lbs.status'), statusBadge(lb.LoadBalancerStatus)],
            [t('lbs.address'), lb.Address],
            [t('lbs.network'), `${t(lb.AddressType === 'internet' ? 'lb.internet' : 'lb.intranet')} · ${lb.NetworkType}`],
            [t('lbs.spec'), lb.LoadBalancerSpec ?? t('lb.payByCLCU')],
            [
                t('lbs.tags'),
                h('span', { class: 'tags' }, ...tags.map((tg) => h('span', {}, tagBadge(tg), h('button', { type: 'button', class: 'link', 'aria-label': t('tag.removeLabel', { tag: tagText(tg) }), onclick: () => removeTag(tg) }, '×'))), button(t('tag.add'), addTag, 'link')),
            ],
            [
                t('lb.deleteProtection'),
                h('span', {}, protectedOn ? t('common.on') : t('common.off'), ' ', button(protectedOn ? t('lb.protectionOff') : t('lb.protectionOn'), (e) => void setProtection(e.currentTarget, !protectedOn))),
            ],
        ]));
    }
    async function setProtection(b, on) {
        await busy(b, async () => {
            try {
                await call('SetLoadBalancerDeleteProtection', { ...base, DeleteProtection: on ? 'on' : 'off' });
                announce(t(on ? 'lb.protectionIsOn' : 'lb.protectionIsOff'));
                await refresh();
            }
            catch (e) {
                errors.show(e);
            }
        });
    }
    const rename = (lb) => formDialog(t('action.rename'), [field(t('lbs.name'), h('input', { name: 'LoadBalancerName', value: lb.LoadBalancerName ?? '', maxlength: '80', required: true }))], t('action.save'), async (form) => {
        await call('SetLoadBalancerName', { ...base, LoadBalancerName: formValue(form, 'LoadBalancerName') });
        reload();
    });
    const addTag = () => formDialog(t('tag.add'), [field(t('lbs.tagKey'), h('input', { name: 'TagKey', required: true, maxlength: '64' })), field(t('lbs.tagValue'), h('input', { name: 'TagValue', maxlength: '128' }))], t('action.add'), async (form) => {
        await call('AddTags', { ...base, Tags: JSON.stringify([{ TagKey: formValue(form, 'TagKey'), TagValue: formValue(form, 'TagValue') }]) });
        reload();
    });
    const removeTag = (tg) => confirmDialog(t('tag.removeTitle'), t('tag.removeConfirm', { tag: tagText(tg) }), async () => {
        await call('RemoveTags', { ...base, Tags: JSON.stringify([{ TagKey: tg.TagKey, TagValue: tg.TagValue }]) });
        reload();
    });
    function deleteLb(protectedOn) {
        const extra = [];
        if (protectedOn) {
            const off = button(t('lb.protectionOff'), () => void busy(off, async () => {
                await call('SetLoadBalancerDeleteProtection', { ...base, DeleteProtection: 'off' });
                fill(note, t('lb.protectionIsOff'));
                reload();
            }));
            const note = h('p', { class: 'warn' }, t('lb.protectedNote'), ' ', off);
            extra.push(note);
        }
        confirmDialog(t('lb.deleteTitle'), t('lb.deleteConfirm', { id: lbId }), async () => {
            await call('DeleteLoadBalancer', base);
            announce(t('lb.deleted', { id: lbId }));
            go('lbs');
        }, extra);
    }
    const openListenerDialog = (existing) => void listenerChoices(lbId)
        .then((c) => listenerDialog(lbId, c, reload, existing))
        .catch(errors.show);
    function renderListeners(ls) {
        shownStates = statesOf(ls);
        const rows = ls.map((l) => {
            const p = String(l.ListenerProtocol);
            const running = l.Status === 'running';
            const key = { ...base, ListenerPort: l.ListenerPort, ListenerProtocol: p };
            const about = `${p.toUpperCase()}:${l.ListenerPort}`;
            const toggle = button(t(running ? 'action.stop' : 'action.start'), () => void busy(toggle, async () => {
                try {
                    await call(running ? 'StopLoadBalancerListener' : 'StartLoadBalancerListener', key);
                    announce(t(running ? 'listener.stopped' : 'listener.started', { port: l.ListenerPort }));
                }
                catch (e) {
                    errors.show(e);
                }
                reload();
            }), undefined, about);
            const remove = button(t('action.delete'), () => confirmDialog(t('listener.deleteTitle'), t('listener.deleteConfirm', { protocol: p.toUpperCase(), port: l.ListenerPort }), async () => {
                await call('DeleteLoadBalancerListener', key);
                reload();
            }), 'danger', about);
            const cfg = configOf(l);
            const group = l.VServerGroupId ?? cfg.MasterSlaveServerGroupId;
            return [
                p.toUpperCase(),
                String(l.ListenerPort),
                group ? h('code', {}, group) : String(l.BackendServerPort ?? ''),
                statusBadge(l.Status),
                l.AclStatus === 'on' ? `${l.AclType === 'white' ? t('acl.white') : t('acl.black')}: ${(l.AclIds ?? [l.AclId]).join(', ')}` : t('common.off'),
                cfg.ServerCertificateId ? h('code', {}, cfg.ServerCertificateId) : '',
                l.Description ?? '',
                h('span', { class: 'actions' }, toggle, button(t('action.edit'), () => openListenerDialog(l), undefined, about), button(t('listener.traffic'), () => showTraffic(p, Number(l.ListenerPort)), undefined, about), remove),
            ];
        });
        fill(listeners, h('div', { class: 'page-head' }, h('h2', {}, t('lb.listeners')), button(t('listener.create'), () => openListenerDialog(), 'primary')), ls.length
            ? table([t('listener.protocol'), t('listener.port'), t('listener.backendPortOrGroup'), t('lbs.status'), t('listener.acl'), t('listener.certificate'), t('common.description'), t('common.actions')], rows, t('lb.listeners'))
            : h('p', { class: 'empty' }, t('lb.noListeners')));
    }
    function showTraffic(protocol, port) {
        stopTraffic?.();
        traffic.hidden = false;
        stopTraffic = trafficPanel(traffic, lbId, protocol, port, () => {
            traffic.hidden = true;
            stopTraffic = undefined;
        });
    }
    function renderBackends(servers) {
        const rows = servers.map((s) => [
            h('code', {}, s.ServerId),
            String(s.Weight),
            s.Type ?? 'ecs',
            h('span', { class: 'actions' }, button(t('backend.setWeight'), () => setWeight(s), undefined, s.ServerId), button(t('action.remove'), () => confirmDialog(t('backend.removeTitle'), t('backend.removeConfirm', { id: s.ServerId }), async () => {
                await call('RemoveBackendServers', { ...base, BackendServers: JSON.stringify([{ ServerId: s.ServerId, Type: s.Type ?? 'ecs' }]) });
                reload();
            }), 'danger', s.ServerId)),
        ]);
        fill(backends, h('div', { class: 'page-head' }, h('h2', {}, t('lb.backends')), button(t('backend.add'), () => void addBackends(servers), 'primary')), servers.length ? table([t('backend.server'), t('backend.weight'), t('backend.type'), t('common.actions')], rows, t('lb.backends')) : h('p', { class: 'empty' }, t('lb.noBackends')));
    }
    const setWeight = (s) => formDialog(t('backend.setWeight'), [field(t('backend.weight'), h('input', { name: 'Weight', type: 'number', min: '0', max: '100', value: String(s.Weight), required: true }), t('backend.weightHint'))], t('action.save'), async (form) => {
        await call('SetBackendServers', { ...base, BackendServers: JSON.stringify([{ ServerId: s.ServerId, Weight: formValue(form, 'Weight'), Type: s.Type ?? 'ecs' }]) });
        reload();
    });
    async function addBackends(existing) {
        const instances = await regionInstances();
        formDialog(t('backend.add'), [...serverPicker(instances, new Set(existing.map((s) => s.ServerId))), field(t('backend.weight'), h('input', { name: 'Weight', type: 'number', min: '0', max: '100', value: '100', required: true }))], t('action.add'), async (form) => {
            const ids = pickedServers(form);
            await call('AddBackendServers', { ...base, BackendServers: JSON.stringify(ids.map((ServerId) => ({ ServerId, Weight: formValue(form, 'Weight') }))) });
            reload();
        });
    }
    async function poll() {
        if (!alive)
            return;
        if (document.visibilityState === 'visible') {
            try {
                const [list, ls] = await Promise.all([call('DescribeHealthStatus', base).then((r) => r.BackendServers?.BackendServer ?? []), describeListeners()]);
                if (statesOf(ls) !== shownStates)
                    renderListeners(ls);
                const rows = list.map((b) => [`${String(b.Protocol ?? '').toUpperCase()}:${b.ListenerPort}`, h('code', {}, b.ServerId), b.ServerIp ?? '', String(b.Port), healthBadge(b.ServerHealthStatus)]);
                fill(health, h('h2', { id: 'health-h' }, t('lb.health'), ' ', h('small', { class: 'muted' }, t('lb.healthLive'))), rows.length ? table([t('listener.listener'), t('backend.server'), t('backend.ip'), t('backend.port'), t('backend.health')], rows, t('lb.health')) : h('p', { class: 'empty' }, t('lb.noHealth')));
            }
            catch (e) {
                fill(health, h('h2', { id: 'health-h' }, t('lb.health')), errorPanel(e));
            }
        }
        if (alive)
            timer = setTimeout(() => void poll(), POLL_MS);
    }
    fill(main, h('p', {}, h('a', { href: href('lbs') }, `← ${t('nav.lbs')}`)), errors.el, summary, listeners, traffic, health, backends, groups, rules);
    await refresh();
    void poll();
    return () => {
        alive = false;
        clearTimeout(timer);
        stopTraffic?.();
    };
}
