// Calls the operator API (/_openslb/…) of a test server with its operator token.
import type { TestServer } from './server.js';

export async function op(s: TestServer, method: string, path: string, body?: unknown, token = s.operatorToken): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${s.url}/_openslb${path}`, {
    method,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
}

/** Like op, but throws unless the status is 2xx. */
export async function opOk(s: TestServer, method: string, path: string, body?: unknown): Promise<Record<string, unknown>> {
  const r = await op(s, method, path, body);
  if (r.status >= 300) throw new Error(`${method} ${path} → ${r.status} ${JSON.stringify(r.body)}`);
  return r.body;
}

export interface VSwitchView {
  VSwitchId: string;
  VpcId: string;
  ZoneId: string;
  CidrBlock: string;
  AvailableIpAddressCount: number;
}

/** The default vSwitches of the root account in a region (created on first touch). */
export async function defaultVSwitches(s: TestServer, region: string): Promise<VSwitchView[]> {
  const r = await opOk(s, 'GET', `/world/vswitches?RegionId=${region}`);
  return r['VSwitches'] as VSwitchView[];
}
