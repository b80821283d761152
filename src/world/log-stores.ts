// The Log Service (SLS) projects and logstores of the world around the SLB. Access-log download
// attributes and the high-definition monitor point at a (project, logstore) pair; the real service
// refuses targets that do not exist, so OpenSLB keeps a small registry per (account, region) that
// the operator manages (create/delete projects and their logstores). Nothing here is an SLB action.
import type { Scope, Tx } from '../state/store.js';

/** Store kind of a log project document, id = ProjectName, in the project's (account, region). */
export const LOG_PROJECT_KIND = 'logProject';

export interface LogProjectDoc {
  ProjectName: string;
  Description: string;
  LogStores: string[];
  CreateTime: string;
}

// SLS naming rules: projects 3–63 chars of a-z 0-9 '-', starting and ending with a letter or digit;
// logstores 2–64 chars of a-z 0-9 '-' '_', same ends. (The SLB API's own parameter docs ask for
// 4–63 chars on LogProject; the SLB actions check that separately.)
export const PROJECT_NAME = /^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/;
export const LOGSTORE_NAME = /^[a-z0-9][a-z0-9_-]{0,62}[a-z0-9]$/;

export class LogStoreRegistryError extends Error {}

export async function getLogProject(tx: Tx, scope: Scope, name: string): Promise<LogProjectDoc | undefined> {
  return tx.get<LogProjectDoc>(LOG_PROJECT_KIND, scope, name);
}

export async function listLogProjects(tx: Tx, scope: Scope): Promise<LogProjectDoc[]> {
  return tx.list<LogProjectDoc>(LOG_PROJECT_KIND, scope);
}

/** Creates a project (idempotent for an existing one: its description is kept). */
export async function createLogProject(tx: Tx, scope: Scope, name: string, now: string, description = ''): Promise<LogProjectDoc> {
  if (!PROJECT_NAME.test(name)) throw new LogStoreRegistryError(`invalid log project name "${name}"`);
  const prev = await getLogProject(tx, scope, name);
  if (prev) return prev;
  const doc: LogProjectDoc = { ProjectName: name, Description: description, LogStores: [], CreateTime: now };
  await tx.put(LOG_PROJECT_KIND, scope, name, doc);
  return doc;
}

export async function deleteLogProject(tx: Tx, scope: Scope, name: string): Promise<boolean> {
  return tx.delete(LOG_PROJECT_KIND, scope, name);
}

/** Adds a logstore to an existing project (idempotent). */
export async function createLogStore(tx: Tx, scope: Scope, project: string, store: string): Promise<LogProjectDoc> {
  if (!LOGSTORE_NAME.test(store)) throw new LogStoreRegistryError(`invalid logstore name "${store}"`);
  const doc = await getLogProject(tx, scope, project);
  if (!doc) throw new LogStoreRegistryError(`log project "${project}" does not exist`);
  if (!doc.LogStores.includes(store)) {
    doc.LogStores = [...doc.LogStores, store];
    await tx.put(LOG_PROJECT_KIND, scope, project, doc);
  }
  return doc;
}

export async function deleteLogStore(tx: Tx, scope: Scope, project: string, store: string): Promise<boolean> {
  const doc = await getLogProject(tx, scope, project);
  if (!doc || !doc.LogStores.includes(store)) return false;
  doc.LogStores = doc.LogStores.filter((s) => s !== store);
  await tx.put(LOG_PROJECT_KIND, scope, project, doc);
  return true;
}

/** Where a (project, logstore) target stands: both exist, the project is missing, or only the logstore. */
export async function lookupLogStore(tx: Tx, scope: Scope, project: string, store: string): Promise<'ok' | 'noProject' | 'noStore'> {
  const doc = await getLogProject(tx, scope, project);
  if (!doc) return 'noProject';
  return doc.LogStores.includes(store) ? 'ok' : 'noStore';
}
