// Pure commerce logic: pricing math, plan lookup, pricing validation, account patches, payment order.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiError } from '../../src/errors/catalog.js';
import { defaultCommerceAccount, patchCommerceAccount } from '../../src/products/slb/services/commerce/account.js';
import { pay } from '../../src/products/slb/services/commerce/orders.js';
import { defaultPricing, monthlyWithTax, quote, validatePricing } from '../../src/products/slb/services/commerce/pricing.js';
import { WorldError } from '../../src/world/world.js';

const code = (fn: () => unknown) => {
  try {
    fn();
  } catch (e) {
    if (e instanceof ApiError) return e.code;
    if (e instanceof WorldError) return `${e.status} ${e.code}`;
    throw e;
  }
  return 'ok';
};
const inquiry = { region: 'cn-hangzhou', spec: 'slb.s1.small', addressType: 'internet', internetChargeType: 'paybybandwidth', bandwidth: 10, currency: 'CNY', cycle: 'month' as const, duration: 1 };

test('quote: spec + bandwidth per month, years bill 10 months, tax, exchange rate', () => {
  const p = defaultPricing();
  assert.deepEqual(quote(p, inquiry), { plan: 0, monthly: 250, amount: 250, tax: 15, total: 265, months: 1 });
  assert.equal(quote(p, { ...inquiry, cycle: 'year', duration: 2 }).amount, 5000);
  assert.equal(quote(p, { ...inquiry, cycle: 'year', duration: 2 }).months, 24);
  // intranet and traffic billing pay no bandwidth
  assert.equal(quote(p, { ...inquiry, addressType: 'intranet' }).amount, 50);
  const usd = quote(p, { ...inquiry, currency: 'USD' });
  assert.deepEqual([usd.amount, usd.tax, usd.total], [35, 0, 35]);
  assert.equal(quote(p, { ...inquiry, spec: 'slb.s3.large', bandwidth: 1 }).amount, 1220);
  assert.ok(Math.abs(monthlyWithTax(p, inquiry) - 265) < 1e-9);
});

test('quote: every pricing refusal', () => {
  const p = defaultPricing();
  assert.equal(code(() => quote({ ...p, CommodityRegions: ['cn-beijing'] }, inquiry)), 'CommodityCodeNotExists');
  assert.equal(code(() => quote(p, { ...inquiry, currency: 'EUR' })), 'PAY.CURRENCY_NOT_SUPPORTED');
  assert.equal(code(() => quote(p, { ...inquiry, spec: 'slb.s9.huge' })), 'PRICE.PRICING_PLAN_NOT_FOUND');
  const narrow = validatePricing({ Plans: [{ MonthlyPrice: 1, Durations: { month: [1] }, MaxBandwidth: 5, ActivityStock: 0 }] });
  assert.equal(code(() => quote(narrow, { ...inquiry, duration: 2 })), 'PRICE.PRICING_PLAN_RESULT_NOT_FOUND');
  assert.equal(code(() => quote(narrow, inquiry)), 'ORDER.SYS_CONSTRAINT_INVALID');
  assert.equal(code(() => quote(narrow, { ...inquiry, bandwidth: 5 })), 'ORDER.NOT_ENOUGH_ACTIVITY_STOCK');
  assert.equal(code(() => quote(validatePricing({ Currencies: { CNY: { Rate: 1, TaxRate: null } } }), inquiry)), 'PRICE.TAXING_ERROR');
  assert.equal(code(() => quote(validatePricing({ Plans: [{ MonthlyPrice: -1, BandwidthMonthlyPrice: 0 }] }), inquiry)), 'ORDER.ORDER_AMOUNT_ILLEGAL');
  // the first matching plan wins; '*' matches anything
  const two = validatePricing({ Plans: [{ RegionId: 'cn-hangzhou', Spec: 'slb.s1.small', MonthlyPrice: 7 }, { MonthlyPrice: 9 }] });
  assert.equal(quote(two, { ...inquiry, bandwidth: 0 }).amount, 7);
  assert.equal(quote(two, { ...inquiry, region: 'cn-beijing', bandwidth: 0 }).amount, 9);
});

test('validatePricing refuses malformed documents', () => {
  for (const bad of [null, [], { CommodityRegions: 'x' }, { Currencies: { cny: { Rate: 1, TaxRate: 0 } } }, { Currencies: { CNY: { Rate: 0, TaxRate: 0 } } }, { Currencies: { CNY: { Rate: 1, TaxRate: 2 } } }, { Plans: [{ MonthlyPrice: 'x' }] }, { Plans: [{ MaxBandwidth: -1 }] }, { Plans: [{ Durations: { month: ['1'] } }] }]) {
    assert.equal(code(() => validatePricing(bad)), '400 InvalidPricing', JSON.stringify(bad));
  }
});

test('patchCommerceAccount: typed fields, nothing partial on a bad one', () => {
  const a = defaultCommerceAccount('1');
  const b = patchCommerceAccount(a, { Balance: 10.005, Coupons: [{ CouponId: 'c1', Amount: 5 }], Faults: ['PAY.PAY_ORDER_FAILED', 'PAY.PAY_ORDER_FAILED'], AllowedSpecs: null });
  assert.equal(b.Balance, 10.01);
  assert.deepEqual(b.Coupons, [{ CouponId: 'c1', Amount: 5, Currency: 'CNY', MinOrderAmount: 0 }]);
  assert.deepEqual(b.Faults, ['PAY.PAY_ORDER_FAILED']);
  assert.equal(a.Balance, 1_000_000);
  for (const bad of [{ Balance: -1 }, { Balance: 'x' }, { RiskControl: 1 }, { Site: 'eu' }, { Faults: ['X'] }, { Coupons: [{ Amount: 1 }] }, { Currency: 'cny' }, { PrePayQuota: 1.5 }, { AccountId: '2' }, { Other: 1 }]) {
    assert.equal(code(() => patchCommerceAccount(a, bad)), '400 InvalidCommerceField', JSON.stringify(bad));
  }
});

test('pay: coupon, stored card, balance, card, in that order; refusals', () => {
  const a = patchCommerceAccount(defaultCommerceAccount('1'), { Balance: 10, CreditCard: 'valid', Coupons: [{ CouponId: 'c', Amount: 3 }], StoredCards: [{ CardId: 's', Balance: 4 }], UseStoredCard: 's' });
  assert.deepEqual(pay(a, 20, 0), { Coupon: 3, CouponId: 'c', StoredCard: 4, StoredCardId: 's', Balance: 10, CreditCard: 3 });
  assert.deepEqual([a.Balance, a.Coupons.length, a.StoredCards[0]!.Balance], [0, 0, 0]);
  assert.deepEqual(pay(a, 0, 0), { Coupon: 0, StoredCard: 0, Balance: 0, CreditCard: 0 });
  const poor = patchCommerceAccount(defaultCommerceAccount('1'), { Balance: 1 });
  assert.equal(code(() => pay(poor, 2, 0)), 'INSUFFICIENT_BALANCE');
  // a coupon past its ExpiresAt is not used automatically
  const old = patchCommerceAccount(defaultCommerceAccount('1'), { Balance: 1, Coupons: [{ CouponId: 'o', Amount: 5, ExpiresAt: 100 }] });
  assert.equal(code(() => pay(old, 2, 200)), 'INSUFFICIENT_BALANCE');
  assert.equal(pay(old, 2, 50).Coupon, 2);
});
