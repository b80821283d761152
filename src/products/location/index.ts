// Location 2015-06-12: how SDKs find a product's endpoint. Every client that discovers endpoints
// (aliyungo given LOCATION_ENDPOINT, the Terraform provider, the PHP SDK) asks DescribeEndpoints for
// (region, service code, "openAPI") and uses the host:port it gets; OpenSLB answers its own
// address — the host the client reached it by, with the scheme it used — for every product it
// serves, in every region. Reference: docs/products.md, reference/products-notes.md §4.2.
import { readFileSync } from 'node:fs';
import type { ActionSpec } from '../../api/spec.js';
import type { Ctx } from '../../world/request.js';
import type { CatalogRecord } from '../../errors/catalog.js';
import { REGIONS } from '../../world/regions.js';
import { ActionTable, products, registerProduct } from '../product.js';

const specs = JSON.parse(readFileSync(new URL('./specs.data.json', import.meta.url), 'utf8')) as Record<string, ActionSpec>;
const catalog = JSON.parse(readFileSync(new URL('./catalog.data.json', import.meta.url), 'utf8')) as CatalogRecord[];
const actions = new ActionTable();

interface EndpointItem {
  Endpoint: string;
  Id: string;
  Namespace: string;
  SerivceCode: string;
  Type: string;
  Protocols: string[];
}

/** The endpoints this server answers for (region, service code, type); empty when it serves none. */
function endpointsFor(ctx: Ctx, region: string | undefined, serviceCode: string | undefined, type: string | undefined): EndpointItem[] {
  const host = ctx.endpoint?.host ?? '';
  if (!host) return [];
  if (region && !REGIONS.some((r) => r.RegionId === region)) return [];
  if (type && type !== 'openAPI') return [];
  const codes = products().map((p) => p.code);
  const wanted = serviceCode ? codes.filter((c) => c === serviceCode.toLowerCase()) : codes;
  return wanted.map((code) => ({
    Endpoint: host,
    Id: region ?? '',
    Namespace: '',
    SerivceCode: code,
    Type: 'openAPI',
    Protocols: [ctx.endpoint!.scheme.toUpperCase()],
  }));
}

actions.define({
  name: 'DescribeEndpoints',
  async handler(ctx, p) {
    const list = endpointsFor(ctx, p['Id'] as string | undefined, p['ServiceCode'] as string | undefined, p['Type'] as string | undefined);
    return { Success: true, Endpoints: list };
  },
});

actions.define({
  name: 'DescribeEndpoint',
  async handler(ctx, p) {
    const e = endpointsFor(ctx, p['Id'] as string | undefined, p['ServiceCode'] as string | undefined, undefined)[0];
    return e ? { ...e } : { Endpoint: '', Id: (p['Id'] as string | undefined) ?? '', Namespace: '', SerivceCode: (p['ServiceCode'] as string | undefined) ?? '', Type: '', Protocols: [] };
  },
});

export const LOCATION = registerProduct({ code: 'location', version: '2015-06-12', specs, action: (n) => actions.get(n), catalog });
