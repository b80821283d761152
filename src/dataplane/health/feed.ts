// Health probed elsewhere: a data-plane worker does not probe (the control process does, once per
// machine); it is told the state of each pool member and its pools read it from here. A pool is
// named by its listener and rule (`poolKey`), a member by pool.ts's memberKey, as in the health
// events the control process's DataPlane reports.
import { flatKey } from '../../util/flat-key.js';
import type { CheckedMember, HealthChange, MemberHealth } from './checker.js';
import type { HealthState } from './types.js';
import type { HealthCheckSnapshot } from '../snapshot.js';

export const poolKey = (listenerId: string, ruleId: string | null) => flatKey([listenerId, ruleId ?? ''], '|');
// listener ids (`lb-…_http_80`) hold no '|'; rule ids come after it
const listenerOf = (pool: string) => pool.slice(0, pool.indexOf('|'));

interface FeedPool {
  states: Map<string, HealthState>;
  /** the pool reading this entry now, if one is */
  attached?: ExternalHealth;
}

/** The states the control process published, by pool and member; pools attach to read them and hear changes. */
export class HealthFeed {
  private pools = new Map<string, FeedPool>();
  /** pool keys by listener id, so forgetting one listener does not walk every pool */
  private byListener = new Map<string, Set<string>>();

  private pool(key: string): FeedPool {
    let p = this.pools.get(key);
    if (!p) {
      this.pools.set(key, (p = { states: new Map() }));
      const l = listenerOf(key);
      let keys = this.byListener.get(l);
      if (!keys) this.byListener.set(l, (keys = new Set()));
      keys.add(key);
    }
    return p;
  }

  /** One member's state, as the control process's checker last reported it. */
  set(pool: string, member: string, state: HealthState): void {
    const p = this.pool(pool);
    const before = p.states.get(member);
    p.states.set(member, state);
    if (before !== state) p.attached?.changed(member, before);
  }

  /** Every state held, for a new worker (the control process's copy). */
  entries(): [string, string, HealthState][] {
    const out: [string, string, HealthState][] = [];
    for (const [k, p] of this.pools) for (const [m, s] of p.states) out.push([k, m, s]);
    return out;
  }

  /** Forgets one listener's pools (its checker in the control process stopped). */
  forgetListener(listenerId: string): void {
    const keys = this.byListener.get(listenerId);
    if (!keys) return;
    for (const k of keys) {
      const p = this.pools.get(k);
      if (!p) continue;
      if (!p.attached) {
        this.pools.delete(k);
        keys.delete(k);
        continue;
      }
      // a pool still reads it (its listener is being re-created): back to what nothing was said about
      for (const [m, s] of [...p.states]) {
        p.states.delete(m);
        p.attached.changed(m, s);
      }
    }
    if (!keys.size) this.byListener.delete(listenerId);
  }

  /** A pool's view (BackendPool's MemberHealth). */
  attach(pool: string, onChange: (c: HealthChange) => void): MemberHealth {
    const p = this.pool(pool);
    const h = new ExternalHealth(this, pool, p.states, onChange);
    p.attached = h;
    return h;
  }

  /** @internal */
  detach(pool: string, h: ExternalHealth): void {
    const p = this.pools.get(pool);
    if (p?.attached === h) p.attached = undefined;
  }
}

/**
 * A pool's members' health as the feed says. Until the feed names a member, it is what a checker
 * would say before its first probe: `disabled` (check off), `standby` (slave of a master-slave
 * group), else `initial` (routable).
 */
export class ExternalHealth implements MemberHealth {
  private members = new Map<string, CheckedMember>();
  private cfg: HealthCheckSnapshot | undefined;
  private closed = false;

  constructor(
    private readonly feed: HealthFeed,
    private readonly pool: string,
    private readonly states: Map<string, HealthState>,
    private readonly onChange: (c: HealthChange) => void,
  ) {}

  sync(members: readonly CheckedMember[], cfg: HealthCheckSnapshot): void {
    this.cfg = cfg;
    this.members = new Map(members.map((m) => [m.key, m]));
  }

  state(key: string): HealthState {
    return this.view(key, this.states.get(key));
  }

  private view(key: string, s: HealthState | undefined): HealthState {
    if (!this.cfg?.enabled) return 'disabled';
    if (this.members.get(key)?.probed === false) return 'standby';
    // a fixed state from before the check was turned on (or the member became master)
    return s === undefined || s === 'disabled' || s === 'standby' ? 'initial' : s;
  }

  /** @internal the feed got a new state for `key` (it was `before`) */
  changed(key: string, before: HealthState | undefined): void {
    if (this.closed || !this.members.has(key)) return;
    const previous = this.view(key, before);
    const state = this.state(key);
    if (state !== previous) this.onChange({ key, state, previous });
  }

  close(): void {
    this.closed = true;
    this.feed.detach(this.pool, this);
  }
}
