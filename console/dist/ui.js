import { ApiError, chineseDescription } from './api.js';
import { h, fill, uid } from './dom.js';
import { lang, t } from './i18n.js';
export function announce(text) {
    const live = document.getElementById('live');
    if (!live)
        return;
    fill(live, '');
    requestAnimationFrame(() => fill(live, text));
}
export function errorPanel(e) {
    const box = h('div', { class: 'error', role: 'alert' });
    if (!(e instanceof ApiError)) {
        fill(box, h('strong', {}, t('error.title')), ' ', e instanceof Error ? e.message : String(e));
        return box;
    }
    const zh = h('p', { lang: 'zh-CN' });
    fill(box, h('p', {}, h('strong', {}, t('error.title')), ' ', h('code', { class: 'code' }, e.code)), zh, h('p', { lang: 'en' }, e.message), e.requestId ? h('p', { class: 'muted' }, t('error.requestId'), ' ', h('code', {}, e.requestId)) : null, e.recommend && /^https?:\/\//i.test(e.recommend) ? h('p', {}, h('a', { href: e.recommend, target: '_blank', rel: 'noopener' }, t('error.recommend'))) : null);
    if (lang() === 'zh-CN')
        void chineseDescription(e).then((d) => fill(zh, d ?? ''));
    else
        zh.remove();
    return box;
}
export function errorSlot() {
    const el = h('div');
    const show = (e) => {
        const panel = errorPanel(e);
        panel.append(h('button', { type: 'button', class: 'link', onclick: () => fill(el) }, t('action.dismiss')));
        fill(el, panel);
    };
    return { el, show };
}
const open = new Set();
export function closeDialogs() {
    for (const close of [...open])
        close();
}
export function dialog(title, content) {
    const opener = document.activeElement;
    const titleId = uid('dlg');
    const box = h('div', { class: 'dialog', role: 'dialog', 'aria-modal': 'true', 'aria-labelledby': titleId, tabindex: '-1' }, h('h2', { id: titleId }, title), ...content);
    const backdrop = h('div', { class: 'backdrop' }, box);
    const focusables = () => [...box.querySelectorAll('a[href],button:not([disabled]),input:not([disabled]),select:not([disabled]),textarea:not([disabled])')];
    const close = () => {
        open.delete(close);
        backdrop.remove();
        document.removeEventListener('keydown', onKey, true);
        opener?.focus();
    };
    const onKey = (ev) => {
        if (ev.key === 'Escape') {
            ev.preventDefault();
            close();
        }
        else if (ev.key === 'Tab') {
            const f = focusables();
            if (!f.length)
                return;
            const first = f[0];
            const last = f[f.length - 1];
            if (ev.shiftKey && document.activeElement === first) {
                ev.preventDefault();
                last.focus();
            }
            else if (!ev.shiftKey && document.activeElement === last) {
                ev.preventDefault();
                first.focus();
            }
        }
    };
    document.addEventListener('keydown', onKey, true);
    open.add(close);
    document.body.appendChild(backdrop);
    (focusables()[0] ?? box).focus();
    return { close };
}
export function formDialog(title, fields, submitLabel, submit, danger = false) {
    const err = h('div', { 'aria-live': 'assertive' });
    const ok = h('button', { type: 'submit', class: danger ? 'danger' : 'primary' }, submitLabel);
    const form = h('form', { class: 'form' }, ...fields, err, h('div', { class: 'actions' }, h('button', { type: 'button', onclick: () => d.close() }, t('action.cancel')), ok));
    const d = dialog(title, [form]);
    form.addEventListener('submit', (ev) => {
        ev.preventDefault();
        void busy(ok, async () => {
            fill(err);
            try {
                await submit(form);
                d.close();
            }
            catch (e) {
                fill(err, errorPanel(e));
            }
        });
    });
    return d;
}
export function confirmDialog(title, message, act, extra = []) {
    return formDialog(title, [h('p', {}, message), ...extra], t('action.delete'), act, true);
}
export async function busy(button, fn) {
    button.disabled = true;
    button.setAttribute('aria-busy', 'true');
    try {
        await fn();
    }
    finally {
        button.disabled = false;
        button.removeAttribute('aria-busy');
    }
}
export const button = (label, onclick, cls, about) => h('button', { type: 'button', class: cls, onclick, 'aria-label': about ? `${label} ${about}` : undefined }, label);
export const formValue = (form, name) => {
    const v = new FormData(form).get(name);
    return typeof v === 'string' ? v.trim() : '';
};
