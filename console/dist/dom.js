export function h(tag, attrs = {}, ...children) {
    const el = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs)) {
        if (v === undefined || v === null || v === false)
            continue;
        if (typeof v === 'function')
            el.addEventListener(k.replace(/^on/, ''), v);
        else if (k === 'class')
            el.className = String(v);
        else
            el.setAttribute(k, v === true ? '' : String(v));
    }
    append(el, children);
    return el;
}
function append(el, children) {
    for (const c of children) {
        if (c === undefined || c === null || c === false)
            continue;
        if (Array.isArray(c))
            append(el, c);
        else
            el.appendChild(typeof c === 'string' || typeof c === 'number' ? document.createTextNode(String(c)) : c);
    }
}
export function fill(el, ...children) {
    while (el.firstChild)
        el.removeChild(el.firstChild);
    append(el, children);
}
let seq = 0;
export const uid = (p) => `${p}-${++seq}`;
export function field(label, control, hint) {
    control.id ||= uid('f');
    const hintEl = hint ? h('small', { id: `${control.id}-hint`, class: 'hint' }, hint) : undefined;
    if (hintEl)
        control.setAttribute('aria-describedby', hintEl.id);
    return h('div', { class: 'field' }, h('label', { for: control.id }, label), control, hintEl);
}
export function select(name, options, value) {
    const s = h('select', { name }, ...options.map(([v, l]) => h('option', { value: v }, l)));
    if (value !== undefined)
        s.value = value;
    return s;
}
export function table(head, rows, caption) {
    return h('div', { class: 'table-wrap' }, h('table', {}, caption ? h('caption', { class: 'sr-only' }, caption) : null, h('thead', {}, h('tr', {}, ...head.map((c) => h('th', { scope: 'col' }, c)))), h('tbody', {}, ...rows.map((r) => h('tr', {}, ...r.map((c) => h('td', {}, c)))))));
}
