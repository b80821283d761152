export function current() {
    const [name = '', ...rest] = location.hash.replace(/^#\/?/, '').split('/');
    return { name, arg: rest.length ? decodeURIComponent(rest.join('/')) : undefined };
}
export const href = (name, arg) => `#/${name}${arg !== undefined ? `/${encodeURIComponent(arg)}` : ''}`;
export function go(name, arg) {
    location.hash = href(name, arg);
}
