// EnableHighDefinationMonitor, ModifyHighDefinationMonitor, DescribeHighDefinationMonitor (the API's
// own spelling): the per-region Log Service target of second-level monitoring data. One document
// per (account, region): kind 'hdMonitor', id 'region'. See docs/rules-and-extensions.md.
import { fail } from '../../../errors/catalog.js';
import { KINDS } from '../services/model.js';
import { scopeOf } from '../services/scope.js';
import type { Scope, Tx } from '../../../state/store.js';
import { isoSeconds } from '../../../util/clock.js';
import { lookupLogStore } from '../../../world/log-stores.js';
import { defineAction } from '../registry.js';
import { requireRegion } from './regions.js';

export interface HdMonitorDoc {
  LogProject: string;
  LogStore: string;
  Tags?: string;
  UpdateTime: string;
}

export const HD_MONITOR_ID = 'region';

// The documented name rules (lengths are checked from the spec: 4–63 and 2–64).
const PROJECT = /^[a-z0-9][a-z0-9-]*[a-z0-9]$/;
const STORE = /^[a-z0-9][a-z0-9_-]*[a-z0-9]$/;

function checkNames(project: string, store: string): void {
  if (!PROJECT.test(project) || !STORE.test(store)) fail('InvalidParameter', 'The specified parameter is not valid.');
}

async function checkTarget(tx: Tx, scope: Scope, project: string, store: string): Promise<void> {
  const where = await lookupLogStore(tx, scope, project, store);
  if (where === 'noProject') fail('InvalidProject.NotExist', 'The specified project does not exist.');
  if (where === 'noStore') fail('OssInstanceDataNotFound', 'The oss instance of the demand is not exist');
}

defineAction({
  name: 'EnableHighDefinationMonitor',
  async handler(ctx, p) {
    requireRegion(p.RegionId);
    checkNames(p.LogProject, p.LogStore);
    const scope = scopeOf(ctx, p.RegionId!);
    const now = isoSeconds(ctx.clock.now());
    return ctx.store.write(async (tx) => {
      if (await tx.get(KINDS.hdMonitor, scope, HD_MONITOR_ID)) {
        fail('OperationNotAllowed.HighDefinitionMonitorEnabled', 'The operation is not allowed because HighDefinitionMonitor is already enabled in this region.');
      }
      await checkTarget(tx, scope, p.LogProject, p.LogStore);
      const doc: HdMonitorDoc = { LogProject: p.LogProject, LogStore: p.LogStore, ...(p.Tags ? { Tags: p.Tags } : {}), UpdateTime: now };
      await tx.put(KINDS.hdMonitor, scope, HD_MONITOR_ID, doc);
      return { Success: 'true' };
    });
  },
});

defineAction({
  name: 'ModifyHighDefinationMonitor',
  async handler(ctx, p) {
    requireRegion(p.RegionId);
    checkNames(p.LogProject, p.LogStore);
    const scope = scopeOf(ctx, p.RegionId!);
    const now = isoSeconds(ctx.clock.now());
    return ctx.store.write(async (tx) => {
      await checkTarget(tx, scope, p.LogProject, p.LogStore);
      const prev = await tx.get<HdMonitorDoc>(KINDS.hdMonitor, scope, HD_MONITOR_ID);
      // Modify on a region that was never enabled sets the target too (docs: decision).
      await tx.put<HdMonitorDoc>(KINDS.hdMonitor, scope, HD_MONITOR_ID, { ...prev, LogProject: p.LogProject, LogStore: p.LogStore, UpdateTime: now });
      return { Success: 'true' };
    });
  },
});

defineAction({
  name: 'DescribeHighDefinationMonitor',
  async handler(ctx, p) {
    requireRegion(p.RegionId);
    const scope = scopeOf(ctx, p.RegionId!);
    return ctx.store.read(async (tx) => {
      const d = await tx.get<HdMonitorDoc>(KINDS.hdMonitor, scope, HD_MONITOR_ID);
      return { LogProject: d?.LogProject ?? '', LogStore: d?.LogStore ?? '', Success: 'true' };
    });
  },
});
