import { callAll, ECS } from '../api.js';
import { field, h } from '../dom.js';
import { t } from '../i18n.js';
import { region } from '../region.js';
export async function regionInstances() {
    try {
        return await callAll('DescribeInstances', { RegionId: region() }, (r) => r.Instances?.Instance ?? [], ECS);
    }
    catch {
        return [];
    }
}
const ipOf = (i) => i.VpcAttributes?.PrivateIpAddress?.IpAddress?.[0] ?? i.InnerIpAddress?.IpAddress?.[0] ?? '';
export function serverPicker(instances, taken) {
    const free = instances.filter((i) => !taken.has(i.InstanceId));
    const checks = free.map((i) => h('label', { class: 'check' }, h('input', { type: 'checkbox', name: 'ServerId', value: i.InstanceId }), ' ', h('code', {}, i.InstanceId), ` ${i.InstanceName ?? ''} ${ipOf(i)}`));
    return [
        checks.length ? h('fieldset', {}, h('legend', {}, t('backend.instances')), ...checks) : h('p', { class: 'muted' }, t('backend.noInstances')),
        field(t('backend.otherIds'), h('input', { name: 'OtherIds', spellcheck: 'false' }), t('backend.otherIdsHint')),
    ];
}
export function pickedServers(form) {
    const d = new FormData(form);
    const typed = String(d.get('OtherIds') ?? '')
        .split(/[\s,]+/)
        .filter(Boolean);
    const ids = [...new Set([...d.getAll('ServerId').map(String), ...typed])];
    if (!ids.length)
        throw new Error(t('backend.chooseOne'));
    return ids;
}
