import { call, credentials, operatorToken, signOut } from './api.js';
import { fill, h, select } from './dom.js';
import { lang, setLang, t } from './i18n.js';
import { aclsPage } from './pages/acls.js';
import { certsPage } from './pages/certs.js';
import { lbPage } from './pages/lb.js';
import { lbsPage } from './pages/lbs.js';
import { operatorPage } from './pages/operator.js';
import { signInPage } from './pages/signin.js';
import { region, setRegion } from './region.js';
import { current, go, href } from './router.js';
import { closeDialogs, errorPanel } from './ui.js';
const pages = {
    signin: { page: signInPage, title: 'signin.title', needs: 'none' },
    lbs: { page: lbsPage, title: 'nav.lbs', needs: 'key' },
    lb: { page: lbPage, title: 'lb.title', needs: 'key' },
    acls: { page: aclsPage, title: 'nav.acls', needs: 'key' },
    certs: { page: certsPage, title: 'nav.certs', needs: 'key' },
    operator: { page: operatorPage, title: 'nav.operator', needs: 'operator' },
};
const header = h('header', { class: 'top' });
const main = h('main', { id: 'main', tabindex: '-1' });
let cleanup;
let renders = 0;
let regions;
async function regionOptions() {
    if (regions)
        return regions;
    const list = (await call('DescribeRegions')).Regions.Region;
    regions = list.map((r) => [r.RegionId, `${r.LocalName} (${r.RegionId})`]);
    return regions;
}
async function renderHeader() {
    const signedKey = !!credentials();
    const signedOp = !!operatorToken();
    const nav = h('nav', { 'aria-label': t('nav.label') }, signedKey ? [h('a', { href: href('lbs') }, t('nav.lbs')), h('a', { href: href('acls') }, t('nav.acls')), h('a', { href: href('certs') }, t('nav.certs'))] : null, signedOp ? h('a', { href: href('operator') }, t('nav.operator')) : null);
    const other = lang() === 'en' ? 'zh-CN' : 'en';
    const langButton = h('button', { type: 'button', lang: other, onclick: () => switchLang(other) }, other === 'en' ? 'English' : '中文');
    const tools = h('div', { class: 'tools' });
    if (signedKey) {
        try {
            const s = select('region', await regionOptions(), region());
            s.setAttribute('aria-label', t('region.label'));
            s.addEventListener('change', () => {
                setRegion(s.value);
                if (current().name === 'lbs')
                    void render();
                else
                    go('lbs');
            });
            tools.append(s);
        }
        catch {
        }
    }
    tools.append(langButton);
    if (signedKey || signedOp) {
        tools.append(h('button', {
            type: 'button',
            onclick: () => {
                signOut();
                regions = undefined;
                go('signin');
            },
        }, t('action.signOut')));
    }
    const skip = h('a', { class: 'skip', href: '#main' }, t('nav.skip'));
    skip.addEventListener('click', (e) => {
        e.preventDefault();
        main.focus();
    });
    fill(header, skip, h('a', { class: 'brand', href: href(signedKey ? 'lbs' : 'signin') }, 'OpenSLB'), nav, tools);
}
function switchLang(l) {
    setLang(l);
    void render();
}
async function render() {
    cleanup?.();
    cleanup = undefined;
    closeDialogs();
    const mine = ++renders;
    const r = current();
    let entry = pages[r.name];
    const signed = { key: !!credentials(), operator: !!operatorToken(), none: true };
    if (!entry || !signed[entry.needs]) {
        const to = signed.key ? 'lbs' : signed.operator ? 'operator' : 'signin';
        if (r.name !== to)
            return go(to);
        entry = pages[to];
    }
    document.title = `${t(entry.title)} · OpenSLB`;
    await renderHeader();
    if (mine !== renders)
        return;
    fill(main);
    try {
        const done = await entry.page(main, r.arg);
        if (mine !== renders) {
            done?.();
            return;
        }
        cleanup = done;
    }
    catch (e) {
        if (mine === renders)
            fill(main, errorPanel(e));
    }
    if (!main.contains(document.activeElement))
        main.focus({ preventScroll: true });
}
document.body.append(header, main, h('div', { id: 'live', class: 'sr-only', role: 'status', 'aria-live': 'polite' }));
window.addEventListener('hashchange', () => void render());
void render();
