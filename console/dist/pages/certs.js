import { call } from '../api.js';
import { field, fill, h, table } from '../dom.js';
import { t } from '../i18n.js';
import { region } from '../region.js';
import { button, confirmDialog, errorPanel, formDialog, formValue } from '../ui.js';
function pemField(label, name, required) {
    const area = h('textarea', { name, rows: '5', spellcheck: 'false', required, placeholder: '-----BEGIN …-----' });
    const file = h('input', { type: 'file', accept: '.pem,.crt,.key,.cer' });
    file.setAttribute('aria-label', t('cert.fromFile', { what: label }));
    file.addEventListener('change', () => void file.files?.[0]?.text().then((s) => (area.value = s)));
    return h('div', {}, field(label, area), file);
}
export function certsPage(main) {
    const servers = h('div', { 'aria-live': 'polite' });
    const cas = h('div', { 'aria-live': 'polite' });
    const load = async () => {
        try {
            const list = (await call('DescribeServerCertificates', { RegionId: region() })).ServerCertificates?.ServerCertificate ?? [];
            const rows = list.map((c) => [
                c.ServerCertificateName ?? '',
                h('code', {}, c.ServerCertificateId),
                c.CommonName ?? '',
                (c.SubjectAlternativeNames?.SubjectAlternativeName ?? []).join(', '),
                c.ExpireTime ?? '',
                h('code', {}, c.Fingerprint ?? ''),
                button(t('action.delete'), () => removeServer(c), 'danger', c.ServerCertificateName || c.ServerCertificateId),
            ]);
            fill(servers, rows.length ? table([t('common.name'), t('common.id'), t('cert.commonName'), t('cert.altNames'), t('cert.expires'), t('cert.fingerprint'), t('common.actions')], rows, t('cert.server')) : h('p', { class: 'empty' }, t('cert.empty')));
        }
        catch (e) {
            fill(servers, errorPanel(e));
        }
        try {
            const list = (await call('DescribeCACertificates', { RegionId: region() })).CACertificates?.CACertificate ?? [];
            const rows = list.map((c) => [
                c.CACertificateName ?? '',
                h('code', {}, c.CACertificateId),
                c.CommonName ?? '',
                c.ExpireTime ?? '',
                button(t('action.delete'), () => removeCa(c), 'danger', c.CACertificateName || c.CACertificateId),
            ]);
            fill(cas, rows.length ? table([t('common.name'), t('common.id'), t('cert.commonName'), t('cert.expires'), t('common.actions')], rows, t('cert.ca')) : h('p', { class: 'empty' }, t('cert.empty')));
        }
        catch (e) {
            fill(cas, errorPanel(e));
        }
    };
    const reload = () => void load();
    const upload = () => formDialog(t('cert.upload'), [field(t('common.name'), h('input', { name: 'ServerCertificateName', maxlength: '80' })), pemField(t('cert.certificate'), 'ServerCertificate', true), pemField(t('cert.privateKey'), 'PrivateKey', true)], t('cert.upload'), async (form) => {
        await call('UploadServerCertificate', {
            RegionId: region(),
            ServerCertificateName: formValue(form, 'ServerCertificateName'),
            ServerCertificate: formValue(form, 'ServerCertificate'),
            PrivateKey: formValue(form, 'PrivateKey'),
        });
        reload();
    });
    const uploadCa = () => formDialog(t('cert.uploadCa'), [field(t('common.name'), h('input', { name: 'CACertificateName', maxlength: '80' })), pemField(t('cert.certificate'), 'CACertificate', true)], t('cert.upload'), async (form) => {
        await call('UploadCACertificate', { RegionId: region(), CACertificateName: formValue(form, 'CACertificateName'), CACertificate: formValue(form, 'CACertificate') });
        reload();
    });
    const removeServer = (c) => confirmDialog(t('cert.deleteTitle'), t('cert.deleteConfirm', { name: c.ServerCertificateName || c.ServerCertificateId }), async () => {
        await call('DeleteServerCertificate', { RegionId: region(), ServerCertificateId: c.ServerCertificateId });
        reload();
    });
    const removeCa = (c) => confirmDialog(t('cert.deleteTitle'), t('cert.deleteConfirm', { name: c.CACertificateName || c.CACertificateId }), async () => {
        await call('DeleteCACertificate', { RegionId: region(), CACertificateId: c.CACertificateId });
        reload();
    });
    fill(main, h('div', { class: 'page-head' }, h('h1', {}, t('nav.certs')), h('span', { class: 'actions' }, button(t('cert.upload'), upload, 'primary'), button(t('cert.uploadCa'), uploadCa))), h('section', { class: 'card' }, h('h2', {}, t('cert.server')), servers), h('section', { class: 'card' }, h('h2', {}, t('cert.ca')), cas));
    void load();
}
