import { ApiError, call, operator, signIn, signInOperator, signOut } from '../api.js';
import { field, fill, h } from '../dom.js';
import { t } from '../i18n.js';
import { go } from '../router.js';
import { busy, errorPanel } from '../ui.js';
export function signInPage(main) {
    const err = h('div', { 'aria-live': 'assertive' });
    const input = (name, type = 'text', required = true) => h('input', { name, type, required, autocomplete: 'off', spellcheck: 'false' });
    const keyForm = h('form', { class: 'form', id: 'panel-key', role: 'tabpanel', 'aria-labelledby': 'tab-key' }, field(t('signin.accessKeyId'), input('accessKeyId')), field(t('signin.accessKeySecret'), input('accessKeySecret', 'password')), field(t('signin.securityToken'), input('securityToken', 'password', false), t('signin.securityTokenHint')), h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary' }, t('action.signIn'))));
    const opForm = h('form', { class: 'form', id: 'panel-op', role: 'tabpanel', 'aria-labelledby': 'tab-op', hidden: true }, field(t('signin.operatorToken'), input('operatorToken', 'password'), t('signin.operatorHint')), h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary' }, t('action.signIn'))));
    const tab = (id, label, panel, selected) => h('button', { type: 'button', role: 'tab', id, 'aria-controls': panel.id, 'aria-selected': String(selected), tabindex: selected ? '0' : '-1' }, label);
    const tabs = [tab('tab-key', t('signin.tabKey'), keyForm, true), tab('tab-op', t('signin.tabOperator'), opForm, false)];
    const panels = [keyForm, opForm];
    const choose = (i) => {
        tabs.forEach((b, j) => {
            b.setAttribute('aria-selected', String(i === j));
            b.tabIndex = i === j ? 0 : -1;
            panels[j].hidden = i !== j;
        });
        tabs[i].focus();
        fill(err);
    };
    tabs.forEach((b, i) => {
        b.addEventListener('click', () => choose(i));
        b.addEventListener('keydown', (e) => {
            if (e.key === 'ArrowRight' || e.key === 'ArrowLeft')
                choose((i + 1) % 2);
        });
    });
    const submitting = (form, fn) => form.addEventListener('submit', (ev) => {
        ev.preventDefault();
        const button = form.querySelector('button[type=submit]');
        void busy(button, async () => {
            fill(err);
            try {
                await fn(new FormData(form));
            }
            catch (e) {
                signOut();
                fill(err, errorPanel(e));
            }
        });
    });
    submitting(keyForm, async (d) => {
        const token = String(d.get('securityToken') ?? '').trim();
        signIn({ accessKeyId: String(d.get('accessKeyId')).trim(), accessKeySecret: String(d.get('accessKeySecret')), ...(token ? { securityToken: token } : {}) });
        try {
            await call('DescribeRegions');
        }
        catch (e) {
            if (!(e instanceof ApiError && e.status === 403))
                throw e;
        }
        go('lbs');
    });
    submitting(opForm, async (d) => {
        signInOperator(String(d.get('operatorToken')).trim());
        await operator('GET', '/accounts');
        go('operator');
    });
    fill(main, h('section', { class: 'card signin' }, h('h1', {}, t('signin.title')), h('p', { class: 'muted' }, t('signin.intro')), h('div', { role: 'tablist', class: 'tabs', 'aria-label': t('signin.title') }, ...tabs), keyForm, opForm, err));
    keyForm.querySelector('input').focus();
}
