// Hash routes: #/signin, #/lbs, #/lb/<id>, #/acls, #/certs, #/operator. A page renders into the
// main element and may return a cleanup (timers) run when the route changes.

export type Cleanup = () => void;
export type Page = (main: HTMLElement, arg: string | undefined) => Cleanup | void | Promise<Cleanup | void>;

export interface Route {
  name: string;
  arg?: string;
}

export function current(): Route {
  const [name = '', ...rest] = location.hash.replace(/^#\/?/, '').split('/');
  return { name, arg: rest.length ? decodeURIComponent(rest.join('/')) : undefined };
}

export const href = (name: string, arg?: string) => `#/${name}${arg !== undefined ? `/${encodeURIComponent(arg)}` : ''}`;

export function go(name: string, arg?: string): void {
  location.hash = href(name, arg);
}
