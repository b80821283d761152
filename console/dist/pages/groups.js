import { call } from '../api.js';
import { field, fill, h, select, table } from '../dom.js';
import { t } from '../i18n.js';
import { region } from '../region.js';
import { button, confirmDialog, formDialog, formValue } from '../ui.js';
import { pickedServers, regionInstances, serverPicker } from './instances.js';
const portField = () => field(t('backend.port'), h('input', { name: 'Port', type: 'number', min: '1', max: '65535', required: true }));
const weightField = () => field(t('backend.weight'), h('input', { name: 'Weight', type: 'number', min: '0', max: '100', value: '100', required: true }));
export async function renderGroups(el, lbId, changed) {
    const base = { RegionId: region(), LoadBalancerId: lbId };
    const [vs, ms] = await Promise.all([call('DescribeVServerGroups', base), call('DescribeMasterSlaveServerGroups', base)]);
    const vgroups = vs.VServerGroups?.VServerGroup ?? [];
    const mgroups = ms.MasterSlaveServerGroups?.MasterSlaveServerGroup ?? [];
    const [members, msMembers] = await Promise.all([
        Promise.all(vgroups.map(async (g) => (await call('DescribeVServerGroupAttribute', { RegionId: region(), VServerGroupId: g.VServerGroupId })).BackendServers?.BackendServer ?? [])),
        Promise.all(mgroups.map(async (g) => (await call('DescribeMasterSlaveServerGroupAttribute', { RegionId: region(), MasterSlaveServerGroupId: g.MasterSlaveServerGroupId })).MasterSlaveBackendServers?.MasterSlaveBackendServer ?? [])),
    ]);
    const reload = changed;
    const createVGroup = async () => {
        const instances = await regionInstances();
        formDialog(t('group.createV'), [field(t('common.name'), h('input', { name: 'VServerGroupName', maxlength: '80' })), ...serverPicker(instances, new Set()), portField(), weightField()], t('action.create'), async (form) => {
            const ids = pickedServers(form);
            await call('CreateVServerGroup', {
                ...base,
                VServerGroupName: formValue(form, 'VServerGroupName'),
                BackendServers: JSON.stringify(ids.map((ServerId) => ({ ServerId, Port: formValue(form, 'Port'), Weight: formValue(form, 'Weight') }))),
            });
            reload();
        });
    };
    const addMembers = async (g, current) => {
        const instances = await regionInstances();
        formDialog(t('group.addMembers', { group: g.VServerGroupName || g.VServerGroupId }), [...serverPicker(instances, new Set()), portField(), weightField()], t('action.add'), async (form) => {
            const ids = pickedServers(form);
            const port = formValue(form, 'Port');
            const fresh = ids.filter((id) => !current.some((m) => m.ServerId === id && String(m.Port) === port));
            await call('AddVServerGroupBackendServers', { RegionId: region(), VServerGroupId: g.VServerGroupId, BackendServers: JSON.stringify(fresh.map((ServerId) => ({ ServerId, Port: port, Weight: formValue(form, 'Weight') }))) });
            reload();
        });
    };
    const removeMember = (g, m) => confirmDialog(t('group.removeMemberTitle'), t('group.removeMemberConfirm', { member: `${m.ServerId}:${m.Port}`, group: g.VServerGroupName || g.VServerGroupId }), async () => {
        await call('RemoveVServerGroupBackendServers', { RegionId: region(), VServerGroupId: g.VServerGroupId, BackendServers: JSON.stringify([{ ServerId: m.ServerId, Port: m.Port }]) });
        reload();
    });
    const renameV = (g) => formDialog(t('action.rename'), [field(t('common.name'), h('input', { name: 'VServerGroupName', value: g.VServerGroupName ?? '', maxlength: '80', required: true }))], t('action.save'), async (form) => {
        await call('SetVServerGroupAttribute', { RegionId: region(), VServerGroupId: g.VServerGroupId, VServerGroupName: formValue(form, 'VServerGroupName') });
        reload();
    });
    const deleteV = (g) => confirmDialog(t('group.deleteTitle'), t('group.deleteConfirm', { group: g.VServerGroupName || g.VServerGroupId }), async () => {
        await call('DeleteVServerGroup', { RegionId: region(), VServerGroupId: g.VServerGroupId });
        reload();
    });
    const createMsGroup = async () => {
        const instances = await regionInstances();
        const choose = (name) => select(name, [['', '—'], ...instances.map((i) => [i.InstanceId, `${i.InstanceId} ${i.InstanceName ?? ''}`])]);
        formDialog(t('group.createMs'), [field(t('common.name'), h('input', { name: 'MasterSlaveServerGroupName', maxlength: '80' })), field(t('group.master'), choose('Master')), field(t('group.slave'), choose('Slave')), portField(), weightField()], t('action.create'), async (form) => {
            const server = (id, ServerType) => ({ ServerId: id, Port: formValue(form, 'Port'), Weight: formValue(form, 'Weight'), ServerType });
            await call('CreateMasterSlaveServerGroup', {
                ...base,
                MasterSlaveServerGroupName: formValue(form, 'MasterSlaveServerGroupName'),
                MasterSlaveBackendServers: JSON.stringify([server(formValue(form, 'Master'), 'Master'), server(formValue(form, 'Slave'), 'Slave')]),
            });
            reload();
        });
    };
    const deleteMs = (g) => confirmDialog(t('group.deleteTitle'), t('group.deleteConfirm', { group: g.MasterSlaveServerGroupName || g.MasterSlaveServerGroupId }), async () => {
        await call('DeleteMasterSlaveServerGroup', { RegionId: region(), MasterSlaveServerGroupId: g.MasterSlaveServerGroupId });
        reload();
    });
    const memberList = (g, list) => h('ul', { class: 'plain' }, ...list.map((m) => h('li', {}, h('code', {}, `${m.ServerId}:${m.Port}`), ` ${t('backend.weight')} ${m.Weight} `, button(t('action.remove'), () => removeMember(g, m), 'link', `${m.ServerId}:${m.Port}`))));
    fill(el, h('div', { class: 'page-head' }, h('h2', {}, t('lb.vserverGroups')), button(t('group.createV'), () => void createVGroup(), 'primary')), vgroups.length
        ? table([t('common.name'), t('common.id'), t('lb.members'), t('common.actions')], vgroups.map((g, i) => [
            g.VServerGroupName ?? '',
            h('code', {}, g.VServerGroupId),
            memberList(g, members[i]),
            h('span', { class: 'actions' }, button(t('group.add'), () => void addMembers(g, members[i]), undefined, g.VServerGroupName || g.VServerGroupId), button(t('action.rename'), () => renameV(g), undefined, g.VServerGroupName || g.VServerGroupId), button(t('action.delete'), () => deleteV(g), 'danger', g.VServerGroupName || g.VServerGroupId)),
        ]), t('lb.vserverGroups'))
        : h('p', { class: 'empty' }, t('common.none')), h('div', { class: 'page-head' }, h('h2', {}, t('lb.msGroups')), button(t('group.createMs'), () => void createMsGroup(), 'primary')), mgroups.length
        ? table([t('common.name'), t('common.id'), t('lb.members'), t('common.actions')], mgroups.map((g, i) => [
            g.MasterSlaveServerGroupName ?? '',
            h('code', {}, g.MasterSlaveServerGroupId),
            msMembers[i].map((m) => `${m.ServerId}:${m.Port} (${m.ServerType === 'Master' ? t('group.master') : t('group.slave')})`).join(', '),
            button(t('action.delete'), () => deleteMs(g), 'danger', g.MasterSlaveServerGroupName || g.MasterSlaveServerGroupId),
        ]), t('lb.msGroups'))
        : h('p', { class: 'empty' }, t('common.none')));
}
