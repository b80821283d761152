// Products: one server answers several Alibaba Cloud APIs (SLB, VPC, ECS, Location), each chosen
// by its API version (V1 `Version`, V3 `x-acs-version`) together with the action. A product has
// its own parameter specs and response trees (generated from reference/<product>-api.json), its
// own action table and its own error catalog; the gateway, signatures, RAM, accounts and the store
// are shared. Reference: docs/products.md.
import type { ActionSpec, ParamErrors } from '../api/spec.js';
import type { Ctx, Result } from '../world/request.js';
import { registerProductAnchors, type ApiError, type CatalogRecord } from '../errors/catalog.js';

export type ProductCode = 'slb' | 'vpc' | 'ecs' | 'location';

export interface ProductAction {
  name: string;
  errors?: Record<string, ParamErrors>;
  handler(ctx: Ctx, p: Record<string, unknown>): Promise<Result>;
}

export interface Product {
  code: ProductCode;
  /** the API version that selects it */
  version: string;
  /** every action of the product's API this server knows the parameters of */
  specs: Record<string, ActionSpec>;
  /** an action with a spec but no handler answers UnsupportedOperation "The specified action is not supported." */
  action(name: string): ProductAction | undefined;
  /** every error the product's actions can answer (the gateway's codes come from the SLB catalog) */
  catalog: readonly CatalogRecord[];
  /** what the product answers while it is down (the `vpc` / `ecs` dependency outages, docs/faults.md) */
  unavailable?: () => ApiError;
}

const byVersion = new Map<string, Product>();
const byCode = new Map<ProductCode, Product>();

export function registerProduct(p: Product): Product {
  if (p.code !== 'slb') registerProductAnchors(p.code, p.catalog);
  byVersion.set(p.version, p);
  byCode.set(p.code, p);
  return p;
}

export const productByVersion = (v: string): Product | undefined => byVersion.get(v);
export const productByCode = (c: string): Product | undefined => byCode.get(c as ProductCode);
export const products = (): Product[] => [...byCode.values()];

/** An action table for a product whose handlers take the parsed parameters as a plain record. */
export class ActionTable {
  private table = new Map<string, ProductAction>();
  define(a: ProductAction): ProductAction {
    this.table.set(a.name, a);
    return a;
  }
  get(name: string): ProductAction | undefined {
    return this.table.get(name);
  }
  names(): string[] {
    return [...this.table.keys()].sort();
  }
}
