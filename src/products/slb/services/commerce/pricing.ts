// Pricing plans as data: which regions have an SLB commodity, the currencies with their exchange
// rate and tax, and plans per (region, spec, address type) with monthly prices, the periods they
// are sold for, constraints and promotional stock. The operator replaces the whole document
// (PUT /_openslb/commerce/pricing); without one the defaults below apply. Reference: docs/commerce.md.
import { fail } from '../../../../errors/catalog.js';
import { GLOBAL, type Tx } from '../../../../state/store.js';
import { WorldError } from '../../../../world/world.js';
import { money } from './account.js';

export const COMMERCE_PRICING = 'commercePricing';

export interface PricingPlan {
  /** a region id or '*' */
  RegionId: string;
  /** a spec or '*' */
  Spec: string;
  /** 'internet', 'intranet' or '*' */
  AddressType: string;
  /** the spec fee per month, in CNY, before tax */
  MonthlyPrice: number;
  /** per Mbps of fixed bandwidth per month (internet instances), CNY */
  BandwidthMonthlyPrice: number;
  /** durations sold per pricing cycle */
  Durations: { month: number[]; year: number[] };
  /** a year costs this many months */
  MonthsPerYear: number;
  /** most bandwidth (Mbps) the plan accepts; null = no limit (ORDER.SYS_CONSTRAINT_INVALID) */
  MaxBandwidth: number | null;
  /** a promotional plan's remaining stock; null = not limited (ORDER.NOT_ENOUGH_ACTIVITY_STOCK) */
  ActivityStock: number | null;
}

export interface Pricing {
  /** regions with an SLB commodity code ('*' = every region); others: CommodityCodeNotExists */
  CommodityRegions: string[];
  /** currency → exchange rate from CNY and tax rate (null = no tax rule: PRICE.TAXING_ERROR) */
  Currencies: Record<string, { Rate: number; TaxRate: number | null }>;
  /** the first matching plan wins */
  Plans: PricingPlan[];
}

const SPEC_PRICES: [string, number][] = [
  ['slb.s1.small', 50],
  ['slb.s2.small', 100],
  ['slb.s2.medium', 200],
  ['slb.s3.small', 300],
  ['slb.s3.medium', 600],
  ['slb.s3.large', 1200],
];

export function defaultPricing(): Pricing {
  return {
    CommodityRegions: ['*'],
    Currencies: { CNY: { Rate: 1, TaxRate: 0.06 }, USD: { Rate: 0.14, TaxRate: 0 } },
    Plans: SPEC_PRICES.map(([Spec, MonthlyPrice]) => ({
      RegionId: '*',
      Spec,
      AddressType: '*',
      MonthlyPrice,
      BandwidthMonthlyPrice: 20,
      Durations: { month: [1, 2, 3, 4, 5, 6, 7, 8, 9], year: [1, 2, 3, 4, 5] },
      MonthsPerYear: 10,
      MaxBandwidth: null,
      ActivityStock: null,
    })),
  };
}

export async function getPricing(tx: Tx): Promise<Pricing> {
  return (await tx.get<Pricing>(COMMERCE_PRICING, GLOBAL, 'pricing')) ?? defaultPricing();
}

export async function putPricing(tx: Tx, p: Pricing): Promise<void> {
  await tx.put(COMMERCE_PRICING, GLOBAL, 'pricing', p);
}

/** Checks an operator's pricing document. Negative prices are allowed on purpose: they make ORDER.ORDER_AMOUNT_ILLEGAL reachable. */
export function validatePricing(v: unknown): Pricing {
  const bad = (what: string): never => {
    throw new WorldError(400, 'InvalidPricing', what);
  };
  if (typeof v !== 'object' || v === null || Array.isArray(v)) bad('the pricing must be an object');
  const o = v as Record<string, unknown>;
  const d = defaultPricing();
  const regions = o['CommodityRegions'] ?? d.CommodityRegions;
  if (!Array.isArray(regions) || !regions.every((r) => typeof r === 'string')) bad('CommodityRegions: a list of region ids or "*"');
  const cur = (o['Currencies'] ?? d.Currencies) as Record<string, unknown>;
  if (typeof cur !== 'object' || cur === null || Array.isArray(cur)) bad('Currencies: an object keyed by currency code');
  const Currencies: Pricing['Currencies'] = {};
  for (const [k, c] of Object.entries(cur)) {
    if (!/^[A-Z]{3}$/.test(k)) bad(`Currencies.${k}: a three-letter code`);
    const x = c as Record<string, unknown>;
    if (typeof x !== 'object' || x === null || typeof x['Rate'] !== 'number' || !(x['Rate'] > 0)) bad(`Currencies.${k}.Rate: a positive number`);
    const tax = x['TaxRate'];
    if (tax !== null && (typeof tax !== 'number' || tax < 0 || tax > 1)) bad(`Currencies.${k}.TaxRate: null or 0…1`);
    Currencies[k] = { Rate: x['Rate'] as number, TaxRate: tax as number | null };
  }
  const plans = o['Plans'] ?? d.Plans;
  if (!Array.isArray(plans) || plans.length > 1000) bad('Plans: a list (≤1000)');
  const Plans = (plans as unknown[]).map((p, i): PricingPlan => {
    if (typeof p !== 'object' || p === null) bad(`Plans[${i}]: an object`);
    const x = p as Record<string, unknown>;
    const str = (k: string, def: string) => (x[k] === undefined ? def : typeof x[k] === 'string' ? (x[k] as string) : bad(`Plans[${i}].${k}: a string`));
    const num = (k: string, def: number) => (x[k] === undefined ? def : typeof x[k] === 'number' && Number.isFinite(x[k]) ? (x[k] as number) : bad(`Plans[${i}].${k}: a number`));
    const nullable = (k: string) => (x[k] === undefined || x[k] === null ? null : Number.isInteger(x[k]) && (x[k] as number) >= 0 ? (x[k] as number) : bad(`Plans[${i}].${k}: null or an integer ≥ 0`));
    const dur = (x['Durations'] ?? { month: [1, 2, 3, 4, 5, 6, 7, 8, 9], year: [1, 2, 3, 4, 5] }) as Record<string, unknown>;
    const list = (k: string) => (dur[k] === undefined ? [] : Array.isArray(dur[k]) && (dur[k] as unknown[]).every((n) => Number.isInteger(n)) ? (dur[k] as number[]) : bad(`Plans[${i}].Durations.${k}: a list of integers`));
    return {
      RegionId: str('RegionId', '*'),
      Spec: str('Spec', '*'),
      AddressType: str('AddressType', '*'),
      MonthlyPrice: num('MonthlyPrice', 0),
      BandwidthMonthlyPrice: num('BandwidthMonthlyPrice', 0),
      Durations: { month: list('month'), year: list('year') },
      MonthsPerYear: num('MonthsPerYear', 12),
      MaxBandwidth: nullable('MaxBandwidth'),
      ActivityStock: nullable('ActivityStock'),
    };
  });
  return { CommodityRegions: regions as string[], Currencies, Plans };
}

export interface Quote {
  plan: number;
  /** per month, in the account currency, before tax */
  monthly: number;
  /** the whole period before tax */
  amount: number;
  tax: number;
  total: number;
  months: number;
}

export interface Inquiry {
  region: string;
  spec: string;
  addressType: string;
  internetChargeType: string;
  bandwidth: number;
  currency: string;
  cycle: 'month' | 'year';
  duration: number;
}

/** Monthly fee of a configuration under a plan (CNY). */
const monthlyOf = (plan: PricingPlan, q: Pick<Inquiry, 'addressType' | 'internetChargeType' | 'bandwidth'>) =>
  plan.MonthlyPrice + (q.addressType === 'internet' && q.internetChargeType === 'paybybandwidth' ? plan.BandwidthMonthlyPrice * q.bandwidth : 0);

export function findPlan(p: Pricing, q: Pick<Inquiry, 'region' | 'spec' | 'addressType'>): number {
  if (!p.CommodityRegions.includes('*') && !p.CommodityRegions.includes(q.region)) fail('CommodityCodeNotExists', "The Account can't get CommodityCode.");
  const i = p.Plans.findIndex((x) => (x.RegionId === '*' || x.RegionId === q.region) && (x.Spec === '*' || x.Spec === q.spec) && (x.AddressType === '*' || x.AddressType === q.addressType));
  if (i < 0) fail('PRICE.PRICING_PLAN_NOT_FOUND', 'The instance pricing plan is not found.');
  return i;
}

/** Prices an inquiry (the checks in docs/commerce.md "pricing"). */
export function quote(p: Pricing, q: Inquiry): Quote {
  const cur = p.Currencies[q.currency];
  if (!cur) fail('PAY.CURRENCY_NOT_SUPPORTED', "The Acount Currency doesn't support.");
  const i = findPlan(p, q);
  const plan = p.Plans[i]!;
  if (!plan.Durations[q.cycle].includes(q.duration)) fail('PRICE.PRICING_PLAN_RESULT_NOT_FOUND', 'The instance pricing plan result is not found.');
  if (plan.MaxBandwidth !== null && q.addressType === 'internet' && q.bandwidth > plan.MaxBandwidth) fail('ORDER.SYS_CONSTRAINT_INVALID', 'The order system constraint is invalid.');
  if (plan.ActivityStock !== null && plan.ActivityStock <= 0) fail('ORDER.NOT_ENOUGH_ACTIVITY_STOCK', 'The order activity stock is not enough.');
  if (cur.TaxRate === null) fail('PRICE.TAXING_ERROR', 'The instance pricing tax is error.');
  const months = q.cycle === 'month' ? q.duration : q.duration * 12;
  const billedMonths = q.cycle === 'month' ? q.duration : q.duration * plan.MonthsPerYear;
  const monthly = monthlyOf(plan, q) * cur.Rate;
  const amount = money(monthly * billedMonths);
  if (!Number.isFinite(amount) || amount < 0) fail('ORDER.ORDER_AMOUNT_ILLEGAL', 'The order amount is illegal.');
  const tax = money(amount * cur.TaxRate);
  return { plan: i, monthly, amount, tax, total: money(amount + tax), months };
}

/** The monthly fee (account currency, with tax) of a configuration, for prorated changes. */
export function monthlyWithTax(p: Pricing, q: Omit<Inquiry, 'cycle' | 'duration'>): number {
  const cur = p.Currencies[q.currency];
  if (!cur) fail('PAY.CURRENCY_NOT_SUPPORTED', "The Acount Currency doesn't support.");
  const plan = p.Plans[findPlan(p, q)]!;
  if (plan.MaxBandwidth !== null && q.addressType === 'internet' && q.bandwidth > plan.MaxBandwidth) fail('ORDER.SYS_CONSTRAINT_INVALID', 'The order system constraint is invalid.');
  if (cur.TaxRate === null) fail('PRICE.TAXING_ERROR', 'The instance pricing tax is error.');
  return monthlyOf(plan, q) * cur.Rate * (1 + cur.TaxRate);
}
