// SetAccessLogsDownloadAttribute, DescribeAccessLogsDownloadAttribute,
// DeleteAccessLogsDownloadAttribute: where a load balancer's layer-7 access logs go, a Log Service
// (project, logstore) pair of the world registry (src/world/log-stores.ts). One document per load
// balancer: kind 'accessLogsDownload', id = LoadBalancerId. See docs/rules-and-extensions.md.
import { fail } from '../../../errors/catalog.js';
import { parseLenientJson, strField, type JsonList } from '../../../util/json-param.js';
import { KINDS, requireLoadBalancer, type LoadBalancerDoc } from '../services/model.js';
import { assertWritable } from '../services/rules.js';
import { scopeOf } from '../services/scope.js';
import { idsWithTag } from '../services/tags.js';
import type { Scope, Tx } from '../../../state/store.js';
import { lookupLogStore } from '../../../world/log-stores.js';
import { defineAction, type Ctx } from '../registry.js';
import { requireRegion } from './regions.js';

export interface AccessLogsDownloadDoc {
  LoadBalancerId: string;
  LogProject: string;
  LogStore: string;
  LogType: 'layer7';
  Region: string;
}

const MAX_PAGE_SIZE = 50;

const badValue = (): never => fail('InvalidParameter', 'The specified parameter is not valid.');
const missing = (name: string): never => fail('MissingParameter', 'The input parameter "{name}" that is mandatory for processing this request is not supplied.', { name });

interface Target {
  LoadBalancerId: string;
  LogProject?: string;
  LogStore?: string;
}

/** The elements of LogsDownloadAttributes; an element without LoadBalancerId takes the top-level one. */
function targets(list: JsonList, top: string | undefined, needStore: boolean): Target[] {
  if (list.length === 0) badValue();
  return list.map((el) => {
    if (typeof el !== 'object') return badValue();
    const lb = strField(el, 'LoadBalancerId')?.trim() || top?.trim() || missing('LoadBalancerId');
    const project = strField(el, 'LogProject')?.trim() || undefined;
    const store = strField(el, 'LogStore')?.trim() || undefined;
    if (needStore && !project) missing('LogProject');
    if (needStore && !store) missing('LogStore');
    return { LoadBalancerId: lb, LogProject: project, LogStore: store };
  });
}

async function loadWritable(ctx: Ctx, tx: Tx, id: string, region: string): Promise<{ scope: Scope; lb: LoadBalancerDoc }> {
  const r = await requireLoadBalancer(tx, ctx.caller.accountId, id, region);
  assertWritable(r.lb);
  return r;
}

defineAction({
  name: 'SetAccessLogsDownloadAttribute',
  async handler(ctx, p) {
    requireRegion(p.RegionId);
    const want = targets(p.LogsDownloadAttributes, p.LoadBalancerId, true);
    return ctx.store.write(async (tx) => {
      const seen = new Set<string>();
      const docs: AccessLogsDownloadDoc[] = [];
      for (const t of want) {
        const { scope, lb } = await loadWritable(ctx, tx, t.LoadBalancerId, p.RegionId!);
        if (seen.has(lb.LoadBalancerId) || (await tx.get(KINDS.accessLogsDownload, scope, lb.LoadBalancerId))) {
          fail('Operation.NotAllowed', 'The AccessLogDownloadAttribute already exists.');
        }
        seen.add(lb.LoadBalancerId);
        const where = await lookupLogStore(tx, scope, t.LogProject!, t.LogStore!);
        if (where === 'noProject') fail('InvalidProject.NotExist', 'The specified project does not exist.');
        if (where === 'noStore') fail('OssInstanceDataNotFound', 'The oss instance of the demand is not exist');
        docs.push({ LoadBalancerId: lb.LoadBalancerId, LogProject: t.LogProject!, LogStore: t.LogStore!, LogType: 'layer7', Region: scope.region });
      }
      const scope = scopeOf(ctx, p.RegionId!);
      for (const d of docs) await tx.put(KINDS.accessLogsDownload, scope, d.LoadBalancerId, d);
      return {};
    });
  },
});

defineAction({
  name: 'DeleteAccessLogsDownloadAttribute',
  async handler(ctx, p) {
    requireRegion(p.RegionId);
    const want = targets(p.LogsDownloadAttributes, p.LoadBalancerId, false);
    return ctx.store.write(async (tx) => {
      const drop: string[] = [];
      const scope = scopeOf(ctx, p.RegionId!);
      for (const t of want) {
        const { lb } = await loadWritable(ctx, tx, t.LoadBalancerId, p.RegionId!);
        const cur = await tx.get<AccessLogsDownloadDoc>(KINDS.accessLogsDownload, scope, lb.LoadBalancerId);
        // Nothing configured, or a configuration that points somewhere else: the target is not there.
        if (!cur || (t.LogProject && t.LogProject !== cur.LogProject) || (t.LogStore && t.LogStore !== cur.LogStore)) {
          fail('OssInstanceDataNotFound', 'The oss instance of the demand is not exist');
        }
        drop.push(lb.LoadBalancerId);
      }
      for (const id of drop) await tx.delete(KINDS.accessLogsDownload, scope, id);
      return {};
    });
  },
});

/** The legacy JSON `Tags` filter: `[{"tagKey":"k","tagValue":"v"}]` (keys case-insensitive). */
function tagFilter(raw: string | undefined): { Key: string; Value?: string }[] {
  if (raw === undefined || raw.trim() === '') return [];
  const v = parseLenientJson(raw);
  const arr = Array.isArray(v) ? v : v && typeof v === 'object' ? [v] : badValue();
  if (arr.length > 10) badValue();
  return arr.map((el) => {
    if (!el || typeof el !== 'object' || Array.isArray(el)) return badValue();
    const lower = Object.fromEntries(Object.entries(el as Record<string, unknown>).map(([k, x]) => [k.toLowerCase(), x]));
    const key = lower['tagkey'];
    const value = lower['tagvalue'];
    if (typeof key !== 'string' || key === '') return badValue();
    return { Key: key, ...(value !== undefined && value !== null ? { Value: String(value) } : {}) };
  });
}

defineAction({
  name: 'DescribeAccessLogsDownloadAttribute',
  async handler(ctx, p) {
    requireRegion(p.RegionId);
    const pageNumber = p.PageNumber ?? 1;
    const pageSize = p.PageSize ?? 10;
    if (pageSize < 1 || pageSize > MAX_PAGE_SIZE) badValue();
    const tags = tagFilter(p.Tags);
    const scope = scopeOf(ctx, p.RegionId!);
    return ctx.store.read(async (tx) => {
      const only = p.LoadBalancerId?.trim();
      if (only) await requireLoadBalancer(tx, ctx.caller.accountId, only, scope.region);
      // one load balancer's attribute, or the region's, filtered, counted and paged by the store
      let ids: string[] | undefined = only ? [only] : undefined;
      for (const t of tags) {
        const tagged = new Set(await idsWithTag(tx, scope, 'instance', t));
        ids = (ids ?? [...tagged]).filter((id) => tagged.has(id));
      }
      const q = { ...(p.LogType ? { match: { LogType: p.LogType } } : {}), ...(ids ? { ids } : {}) };
      const total = await tx.count(KINDS.accessLogsDownload, scope, q);
      const page = (await tx.query<AccessLogsDownloadDoc>(KINDS.accessLogsDownload, scope, { ...q, limit: pageSize, offset: (pageNumber - 1) * pageSize })).map((r) => r.doc);
      return {
        LogsDownloadAttributes: {
          LogsDownloadAttribute: page.map((d) => ({ LoadBalancerId: d.LoadBalancerId, LogProject: d.LogProject, LogStore: d.LogStore, LogType: d.LogType, Region: d.Region })),
        },
        PageNumber: pageNumber,
        PageSize: pageSize,
        TotalCount: total,
      };
    });
  },
});
