import { call, callAll } from '../api.js';
import { field, fill, h, select, table } from '../dom.js';
import { t } from '../i18n.js';
import { region } from '../region.js';
import { button, confirmDialog, errorPanel, formDialog, formValue } from '../ui.js';
export function aclsPage(main) {
    const list = h('div', { 'aria-live': 'polite' });
    const load = async () => {
        try {
            const acls = await callAll('DescribeAccessControlLists', { RegionId: region() }, (r) => r.Acls?.Acl ?? []);
            const rows = await Promise.all(acls.map(async (a) => {
                const attr = await call('DescribeAccessControlListAttribute', { RegionId: region(), AclId: a.AclId });
                const entries = attr.AclEntrys?.AclEntry ?? [];
                return [
                    a.AclName ?? '',
                    h('code', {}, a.AclId),
                    a.AddressIPVersion ?? 'ipv4',
                    h('ul', { class: 'plain' }, ...entries.map((e) => h('li', {}, h('code', {}, e.AclEntryIP), e.AclEntryComment ? ` ${e.AclEntryComment} ` : ' ', button(t('action.remove'), () => removeEntry(a, e), 'link', e.AclEntryIP)))),
                    h('span', { class: 'actions' }, button(t('acl.addEntry'), () => addEntry(a), undefined, a.AclName || a.AclId), button(t('action.delete'), () => remove(a), 'danger', a.AclName || a.AclId)),
                ];
            }));
            fill(list, rows.length ? table([t('common.name'), t('common.id'), t('acl.ipVersion'), t('acl.entries'), t('common.actions')], rows, t('nav.acls')) : h('p', { class: 'empty' }, t('acl.empty')));
        }
        catch (e) {
            fill(list, errorPanel(e));
        }
    };
    const reload = () => void load();
    const create = () => formDialog(t('acl.create'), [field(t('common.name'), h('input', { name: 'AclName', required: true, maxlength: '80' })), field(t('acl.ipVersion'), select('AddressIPVersion', [['ipv4', 'IPv4'], ['ipv6', 'IPv6']]))], t('action.create'), async (form) => {
        await call('CreateAccessControlList', { RegionId: region(), AclName: formValue(form, 'AclName'), AddressIPVersion: formValue(form, 'AddressIPVersion') });
        reload();
    });
    const addEntry = (a) => formDialog(t('acl.addEntry'), [field(t('acl.cidr'), h('input', { name: 'entry', required: true, spellcheck: 'false', placeholder: '10.0.0.0/8' })), field(t('common.description'), h('input', { name: 'comment', maxlength: '100' }))], t('action.add'), async (form) => {
        await call('AddAccessControlListEntry', { RegionId: region(), AclId: a.AclId, AclEntrys: JSON.stringify([{ entry: formValue(form, 'entry'), comment: formValue(form, 'comment') }]) });
        reload();
    });
    const removeEntry = (a, e) => confirmDialog(t('acl.removeEntryTitle'), t('acl.removeEntryConfirm', { entry: e.AclEntryIP, acl: a.AclName || a.AclId }), async () => {
        await call('RemoveAccessControlListEntry', { RegionId: region(), AclId: a.AclId, AclEntrys: JSON.stringify([{ entry: e.AclEntryIP }]) });
        reload();
    });
    const remove = (a) => confirmDialog(t('acl.deleteTitle'), t('acl.deleteConfirm', { acl: a.AclName || a.AclId }), async () => {
        await call('DeleteAccessControlList', { RegionId: region(), AclId: a.AclId });
        reload();
    });
    fill(main, h('div', { class: 'page-head' }, h('h1', {}, t('nav.acls')), button(t('acl.create'), create, 'primary')), list);
    void load();
}
