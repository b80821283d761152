// The commerce world around instances (docs/commerce.md), through pop-core (V1) and
// openapi-client (V3): a PrePay load balancer bought and paid, and every account and order
// condition producing its seed row.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { op, opOk } from '../helpers/operator.js';
import { rejects, startTestServer, type TestServer } from '../helpers/server.js';

const R = 'cn-hangzhou';
type Body = Record<string, unknown>;

function kit(s: TestServer) {
  const acct = `/accounts/${s.rootAccountId}/commerce`;
  const call = async (action: string, params: Body = {}) => JSON.parse(JSON.stringify(await s.call(action, params))) as Body;
  const err = async (action: string, params: Body) => {
    const e = await rejects(() => s.call(action, params));
    return [e.code, e.data?.['Message'] as string];
  };
  const errV3 = async (action: string, params: Body) => {
    const e = await rejects(() => s.v3(action, params));
    return [e.code, e.statusCode, (e.data as Body)?.['Message'] as string];
  };
  const set = (patch: Body) => opOk(s, 'PATCH', acct, patch);
  const reset = () => opOk(s, 'DELETE', acct);
  const account = () => opOk(s, 'GET', acct) as Promise<Body & { Balance: number; Arrears: number; Coupons: unknown[] }>;
  const orders = async () => ((await opOk(s, 'GET', `${acct}/orders`)) as { Orders: Body[] }).Orders;
  /** a 1-month subscription, 10 Mbps fixed bandwidth, slb.s1.small: (50 + 20×10) × 1.06 = 265 CNY */
  const sub = { RegionId: R, PayType: 'PrePay', PricingCycle: 'month', Duration: 1, AutoPay: true, InternetChargeType: 'paybybandwidth', Bandwidth: 10 };
  const buy = async (extra: Body = {}) => (await call('CreateLoadBalancer', { ...sub, ...extra })) as Body & { LoadBalancerId: string; OrderId: number };
  const attr = async (id: string) => call('DescribeLoadBalancerAttribute', { LoadBalancerId: id });
  return { acct, call, err, errV3, set, reset, account, orders, sub, buy, attr };
}

test('commerce: subscriptions bought, paid, changed, released', async (t) => {
  const s = await startTestServer({ commerceSweepMs: 0 });
  t.after(() => s.stop());
  const k = kit(s);

  await t.test('a fresh server: the root account is in good standing with a large balance', async () => {
    const a = await k.account();
    assert.equal(a['RealNameAuthenticated'], true);
    assert.equal(a['ProfileComplete'], true);
    assert.equal(a.Balance, 1_000_000);
    assert.equal(a.Arrears, 0);
    assert.deepEqual(await opOk(s, 'GET', '/commerce/settings'), { Enabled: true, TimeOffsetMs: 0 });
  });

  await t.test('a PrePay load balancer is bought and its order paid from the balance (pop-core and openapi-client)', async () => {
    await k.reset();
    const lb = await k.buy();
    assert.equal(typeof lb.OrderId, 'number');
    const a = await k.attr(lb.LoadBalancerId);
    assert.deepEqual([a['PayType'], a['LoadBalancerStatus'], a['Bandwidth'], a['RenewalStatus']], ['PrePay', 'active', 10, 'Normal']);
    // a month of 30 days from now
    const end = a['EndTimeStamp'] as number;
    assert.ok(Math.abs(end - (Date.now() + 30 * 24 * 3600 * 1000)) < 60_000, `EndTimeStamp ${end}`);
    assert.equal(a['EndTime'], new Date(end).toISOString().replace(/\.\d{3}Z$/, 'Z'));
    const order = (await k.orders()).find((o) => o['OrderId'] === lb.OrderId)!;
    assert.deepEqual([order['Type'], order['Status'], order['Amount'], order['Tax'], order['Total']], ['New', 'Paid', 250, 15, 265]);
    assert.deepEqual(order['Payment'], { Coupon: 0, StoredCard: 0, Balance: 265, CreditCard: 0 });
    assert.equal((await k.account()).Balance, 999_735);
    // the same through openapi-client (V3): a year costs 10 months
    const v3 = await s.v3('CreateLoadBalancer', { ...k.sub, PricingCycle: 'year', Duration: 1 });
    assert.equal(v3.statusCode, 200);
    assert.equal(typeof v3.body['OrderId'], 'number');
    assert.equal((await k.account()).Balance, 999_735 - 2650);
    // subscriptions refuse delete protection (the action's own error)
    const [code] = await k.err('SetLoadBalancerDeleteProtection', { RegionId: R, LoadBalancerId: lb.LoadBalancerId, DeleteProtection: 'on' });
    assert.equal(code, 'OperationUnsupported.DeleteProtectionForPrePayInstance');
  });

  await t.test('AutoPay false: the instance waits locked until the order is paid', async () => {
    await k.reset();
    const lb = await k.buy({ AutoPay: false });
    assert.equal((await k.attr(lb.LoadBalancerId))['LoadBalancerStatus'], 'locked');
    assert.deepEqual(await k.err('SetLoadBalancerName', { LoadBalancerId: lb.LoadBalancerId, LoadBalancerName: 'x' }), ['ActionNotAllowed', 'Locked for any Business Reason.']);
    assert.deepEqual(await k.errV3('DeleteLoadBalancer', { LoadBalancerId: lb.LoadBalancerId }), ['ActionNotAllowed', 400, 'Locked for any Business Reason.']);
    const before = (await k.account()).Balance;
    const paid = await opOk(s, 'POST', `${k.acct}/orders/${lb.OrderId}/pay`);
    assert.equal(paid['Status'], 'Paid');
    assert.equal((await k.account()).Balance, before - 265);
    assert.equal((await k.attr(lb.LoadBalancerId))['LoadBalancerStatus'], 'active');
    assert.equal((await op(s, 'POST', `${k.acct}/orders/${lb.OrderId}/pay`)).status, 409);
    // an unpaid purchase can be cancelled: its instance goes with it
    const other = await k.buy({ AutoPay: false });
    assert.equal((await opOk(s, 'POST', `${k.acct}/orders/${other.OrderId}/cancel`))['Status'], 'Cancelled');
    assert.equal((await rejects(() => k.attr(other.LoadBalancerId))).code, 'InvalidLoadBalancerId.NotFound');
    assert.equal((await op(s, 'POST', `${k.acct}/orders/${other.OrderId}/pay`)).status, 409);
  });

  await t.test('spec and bandwidth changes of a subscription are orders: upgrade paid, unpaid waits, downgrade refunded', async () => {
    await k.reset();
    const lb = await k.buy();
    const id = lb.LoadBalancerId;
    let bal = (await k.account()).Balance;
    // upgrade with AutoPay: the prorated difference is paid, the spec changes
    const up = await k.call('ModifyLoadBalancerInstanceSpec', { LoadBalancerId: id, LoadBalancerSpec: 'slb.s2.small', AutoPay: true });
    assert.equal(typeof up['OrderId'], 'number');
    assert.equal((await k.attr(id))['LoadBalancerSpec'], 'slb.s2.small');
    const paidUp = (await k.account()).Balance;
    assert.ok(paidUp < bal && paidUp >= bal - 53, `paid ${bal - paidUp}`);
    bal = paidUp;
    // upgrade without AutoPay: nothing changes until the order is paid; meanwhile other orders wait
    const wait = await k.call('ModifyLoadBalancerInternetSpec', { LoadBalancerId: id, Bandwidth: 20, AutoPay: false });
    assert.equal((await k.attr(id))['Bandwidth'], 10);
    assert.deepEqual(await k.err('ModifyLoadBalancerInstanceSpec', { LoadBalancerId: id, LoadBalancerSpec: 'slb.s2.medium', AutoPay: true }), ['ORDER.INST_HAS_UNPAID_ORDER', 'The instance has unpaid order.']);
    await opOk(s, 'POST', `${k.acct}/orders/${wait['OrderId']}/pay`);
    assert.equal((await k.attr(id))['Bandwidth'], 20);
    bal = (await k.account()).Balance;
    // downgrade: the difference comes back to the balance
    const down = await k.call('ModifyLoadBalancerInstanceSpec', { LoadBalancerId: id, LoadBalancerSpec: 'slb.s1.small' });
    assert.equal((await k.attr(id))['LoadBalancerSpec'], 'slb.s1.small');
    assert.ok((await k.account()).Balance > bal);
    assert.equal((await k.orders()).find((o) => o['OrderId'] === down['OrderId'])!['Status'], 'Refunded');
    // a subscription stays billed by fixed bandwidth
    assert.deepEqual(await k.err('ModifyLoadBalancerInternetSpec', { LoadBalancerId: id, InternetChargeType: 'paybytraffic' }), ['COMMODITY.INVALID_COMPONENT', 'The instance component is invalid.']);
  });

  await t.test('release refunds the unused period; without an account book the refund fails and nothing is deleted', async () => {
    await k.reset();
    const lb = await k.buy();
    await k.set({ AccountBook: false });
    assert.deepEqual(await k.err('DeleteLoadBalancer', { LoadBalancerId: lb.LoadBalancerId }), ['PAY.REFUND_FAILED', 'The Acount failed to Refund.']);
    assert.equal((await k.attr(lb.LoadBalancerId))['PayType'], 'PrePay');
    await k.set({ AccountBook: true });
    const before = (await k.account()).Balance;
    await k.call('DeleteLoadBalancer', { LoadBalancerId: lb.LoadBalancerId });
    const back = (await k.account()).Balance - before;
    assert.ok(back > 264 && back <= 265, `refunded ${back}`);
    assert.equal((await k.orders()).at(-1)!['Type'], 'Refund');
  });

  await t.test('pay-as-you-go to subscription: unpaid, the conversion is an inactive change; paid, it takes effect', async () => {
    await k.reset();
    const lb = (await k.call('CreateLoadBalancer', { RegionId: R, InternetChargeType: 'paybybandwidth', Bandwidth: 5 })) as { LoadBalancerId: string };
    const conv = await k.call('ModifyLoadBalancerPayType', { RegionId: R, LoadBalancerId: lb.LoadBalancerId, PayType: 'PrePay', PricingCycle: 'month', Duration: 2 });
    assert.equal(typeof conv['OrderId'], 'number');
    assert.equal((await k.attr(lb.LoadBalancerId))['PayType'], 'PayOnDemand');
    assert.deepEqual(await k.err('ModifyLoadBalancerPayType', { RegionId: R, LoadBalancerId: lb.LoadBalancerId, PayType: 'PrePay', PricingCycle: 'month', Duration: 1 }), ['ORDER.INSTANCE_HAS_INACTIVE_CHANGE', 'The instance has inactive change.']);
    // the actions' own documented error while the purchase is unfinished
    assert.deepEqual(await k.err('ModifyLoadBalancerInstanceSpec', { RegionId: R, LoadBalancerId: lb.LoadBalancerId, LoadBalancerSpec: 'slb.s2.small' }), ['Operation.NotAllowed', 'Operation Denied. Unfinished purchase exists.']);
    assert.deepEqual(await k.errV3('ModifyLoadBalancerInternetSpec', { RegionId: R, LoadBalancerId: lb.LoadBalancerId, Bandwidth: 6 }), ['Operation.NotAllowed', 400, 'Operation Denied. Unfinished purchase exists.']);
    await opOk(s, 'POST', `${k.acct}/orders/${conv['OrderId']}/pay`);
    assert.equal((await k.attr(lb.LoadBalancerId))['PayType'], 'PrePay');
  });

  await t.test('bills: arrears at once, a financial lock once due, unlocked when paid', async () => {
    await k.reset();
    const lb = (await k.call('CreateLoadBalancer', { RegionId: R, InternetChargeType: 'paybybandwidth', Bandwidth: 5 })) as { LoadBalancerId: string };
    await opOk(s, 'POST', `${k.acct}/bills`, { LoadBalancerId: lb.LoadBalancerId, Amount: 30, DueInHours: 24 });
    assert.equal((await k.account()).Arrears, 30);
    assert.deepEqual(await k.err('ModifyLoadBalancerPayType', { RegionId: R, LoadBalancerId: lb.LoadBalancerId, PayType: 'PrePay', PricingCycle: 'month', Duration: 1, AutoPay: true }), ['ORDER.INST_HAS_UNSETTLED_BILLS', 'The instance has unsettled bills.']);
    assert.deepEqual(await k.err('CreateLoadBalancer', { RegionId: R }), ['AccountHasArrearage', 'Account has some arrearage.']);
    assert.deepEqual(await k.err('ModifyLoadBalancerInternetSpec', { RegionId: R, LoadBalancerId: lb.LoadBalancerId, Bandwidth: 8 }), ['OperationFailed.UnpaidBillsExist', 'The account has unpaid bills. Please pay your overdue bill first.']);
    assert.deepEqual(await k.err('CreateLoadBalancer', k.sub), ['ORDER.ARREARAGE', 'The account is arrearage.']);
    const adv = await opOk(s, 'POST', '/commerce/advance', { Hours: 25 });
    assert.deepEqual(adv['Locked'], [lb.LoadBalancerId]);
    assert.equal((await k.attr(lb.LoadBalancerId))['LoadBalancerStatus'], 'locked');
    assert.deepEqual(await k.err('SetLoadBalancerStatus', { RegionId: R, LoadBalancerId: lb.LoadBalancerId, LoadBalancerStatus: 'inactive' }), ['ActionNotAllowed', 'Locked for any Business Reason.']);
    await k.set({ Balance: 0 });
    await opOk(s, 'POST', `${k.acct}/topup`, { Amount: 100 });
    const a = await k.account();
    assert.deepEqual([a.Balance, a.Arrears], [70, 0]);
    assert.equal((await k.attr(lb.LoadBalancerId))['LoadBalancerStatus'], 'active');
  });

  await t.test('expiry: past its end a subscription is released for orders, locked by the sweep, unlocked by renewal', async () => {
    await k.reset();
    const lb = await k.buy();
    await opOk(s, 'POST', '/commerce/advance', { Hours: 31 * 24, Sweep: false });
    assert.deepEqual(await k.err('ModifyLoadBalancerInstanceSpec', { LoadBalancerId: lb.LoadBalancerId, LoadBalancerSpec: 'slb.s2.small', AutoPay: true }), ['PRODUCT.INSTANCE_RELEASED', 'The Instance is released.']);
    const swept = await opOk(s, 'POST', '/commerce/sweep');
    assert.ok((swept['Locked'] as string[]).includes(lb.LoadBalancerId));
    assert.equal((await k.attr(lb.LoadBalancerId))['LoadBalancerStatus'], 'locked');
    await opOk(s, 'POST', `${k.acct}/subscriptions/${lb.LoadBalancerId}/renew`, { PricingCycle: 'month', Duration: 1 });
    assert.equal((await k.attr(lb.LoadBalancerId))['LoadBalancerStatus'], 'active');
    // expired again; the operator lifts the lock and the next sweep leaves it alone, so it can be deleted
    await opOk(s, 'POST', '/commerce/advance', { Hours: 31 * 24 });
    assert.equal((await k.attr(lb.LoadBalancerId))['LoadBalancerStatus'], 'locked');
    await opOk(s, 'PUT', `/load-balancers/${lb.LoadBalancerId}/lock`, { Locked: false });
    assert.deepEqual((await opOk(s, 'POST', '/commerce/sweep'))['Locked'], []);
    await k.call('DeleteLoadBalancer', { LoadBalancerId: lb.LoadBalancerId });
  });
});

test('commerce: every account and order condition answers its seed row', async (t) => {
  const s = await startTestServer({ commerceSweepMs: 0 });
  t.after(() => s.stop());
  const k = kit(s);
  // an `undefined` in `extra` leaves the parameter out
  const prePay = (extra: Body = {}) => k.err('CreateLoadBalancer', Object.fromEntries(Object.entries({ ...k.sub, ...extra }).filter(([, v]) => v !== undefined)));
  const onDemand = (extra: Body = {}) => k.err('CreateLoadBalancer', { RegionId: R, ...extra });
  const defaults = await opOk(s, 'GET', '/commerce/pricing');

  await t.test('account standing', async () => {
    const cases: [Body, [string, string] | null, [string, string] | null][] = [
      [{ RiskControl: true }, ['RISK.RISK_CONTROL_REJECTION', 'The Account is rejected by risk control system.'], ['RISK.RISK_CONTROL_REJECTION', 'The Account is rejected by risk control system.']],
      [{ BidUser: true }, ['ORDER.BID_USER_ORDER_FORBIDDEN', 'The order of bid user is forbidden.'], null],
      [{ OrderStatus: 'frozen' }, ['ORDER.ACCOUNT_STATUS_ILLEGAL', 'The order account status is illegal.'], null],
      [{ SlbOrderOpen: false }, ['ORDER.OPEND', 'The account order is open to buy loadbalancer.'], null],
      [{ RealNameAuthenticated: false }, ['ORDER.NO_REAL_NAME_AUTHENTICATION', 'The account is not real name authentication.'], ['NoNameAuthentication', 'Account should be Name Authenticated.']],
      [{ ProfileComplete: false }, ['UserProfileNotComplete', 'User profile is not completed.'], ['UserProfileNotComplete', 'User profile is not completed.']],
      [{ Arrears: 12.5 }, ['ORDER.ARREARAGE', 'The account is arrearage.'], ['AccountHasArrearage', 'Account has some arrearage.']],
      [{ Site: 'intl', CreditCard: 'none' }, null, ['NOCARD', "User Profile doesn't have card."]],
      [{ AllowedRegions: ['cn-beijing'] }, ['PURCHASE.NO_VAILD_PURCHASE', 'The purchase is invalid.'], ['PURCHASE.NO_VAILD_PURCHASE', 'The purchase is invalid.']],
      [{ AllowedSpecs: ['slb.s3.large'] }, ['INVALID_COMPONENT', "This Account can't buy such type loadbalancer."], ['INVALID_COMPONENT', "This Account can't buy such type loadbalancer."]],
      [{ PrePayQuota: 0 }, ['ORDER.QUOTA_EXCEEDED', 'The order quota exceeded.'], null],
      [{ TotalBandwidthQuota: 5 }, ['OverQuota', 'The Total is over the quota.'], ['OverQuota', 'The Total is over the quota.']],
    ];
    for (const [patch, sub, payg] of cases) {
      await k.reset();
      await k.set(patch);
      if (sub) assert.deepEqual(await prePay(), sub, JSON.stringify(patch));
      else await k.buy();
      if (payg) assert.deepEqual(await onDemand({ InternetChargeType: 'paybybandwidth', Bandwidth: 10 }), payg, JSON.stringify(patch));
      else await k.call('CreateLoadBalancer', { RegionId: R });
    }
    // real name outside mainland China is not needed for pay-as-you-go
    await k.reset();
    await k.set({ RealNameAuthenticated: false });
    await k.call('CreateLoadBalancer', { RegionId: 'ap-southeast-1' });
  });

  await t.test('changes of a subscription: the change-order codes', async () => {
    await k.reset();
    const lb = await k.buy();
    const change = () => k.err('ModifyLoadBalancerInstanceSpec', { LoadBalancerId: lb.LoadBalancerId, LoadBalancerSpec: 'slb.s2.small', AutoPay: true });
    await k.set({ RealNameAuthenticated: false });
    assert.deepEqual(await change(), ['NO_REAL_NAME_AUTHENTICATION', 'The Account should be Real Name Authenticated.']);
    await k.reset();
    await k.set({ Arrears: 1 });
    assert.deepEqual(await change(), ['ARREARAGE', 'The Account has some ARREARAGE.']);
    await k.reset();
    await k.set({ Faults: ['OrderFailed'] });
    assert.deepEqual(await change(), ['OrderFailed', 'The Account failed to create order.']);
    await k.reset();
  });

  await t.test('the product and the period', async () => {
    await k.reset();
    assert.deepEqual(await prePay({ InstanceChargeType: 'PayByCLCU' }), ['PRODUCT.INSTANCE_TYPE_NOT_SUPPORTED', "The Instance type doesn't support."]);
    assert.deepEqual(await prePay({ InternetChargeType: 'paybytraffic', Bandwidth: undefined }), ['COMMODITY.INVALID_COMPONENT', 'The instance component is invalid.']);
    assert.deepEqual(await prePay({ PricingCycle: undefined, Duration: undefined }), ['ORDER.PERIOD_INVALID', 'The order period is invalid.']);
    assert.deepEqual(await prePay({ Duration: undefined }), ['PRICE.INVALID_INQUIRY_PARAMETER', 'The instance pricing inquiry parameter is invalid.']);
    // intranet subscriptions are priced by spec alone
    const intranet = await k.call('CreateLoadBalancer', { RegionId: R, AddressType: 'intranet', PayType: 'PrePay', PricingCycle: 'month', Duration: 1, AutoPay: true });
    assert.equal(typeof intranet['OrderId'], 'number');
  });

  await t.test('pricing data', async () => {
    await k.reset();
    const put = (p: Body) => opOk(s, 'PUT', '/commerce/pricing', p);
    try {
      await put({ ...defaults, CommodityRegions: ['cn-beijing'] });
      assert.deepEqual(await prePay(), ['CommodityCodeNotExists', "The Account can't get CommodityCode."]);
      await put({ ...defaults, Plans: [{ Spec: 'slb.s2.small', MonthlyPrice: 1 }] });
      assert.deepEqual(await prePay(), ['PRICE.PRICING_PLAN_NOT_FOUND', 'The instance pricing plan is not found.']);
      await put({ ...defaults, Plans: [{ MonthlyPrice: 1, Durations: { month: [1], year: [] } }] });
      assert.deepEqual(await prePay({ Duration: 2 }), ['PRICE.PRICING_PLAN_RESULT_NOT_FOUND', 'The instance pricing plan result is not found.']);
      await put({ ...defaults, Plans: [{ MonthlyPrice: 1, Durations: { month: [1] }, MaxBandwidth: 5 }] });
      assert.deepEqual(await prePay(), ['ORDER.SYS_CONSTRAINT_INVALID', 'The order system constraint is invalid.']);
      await put({ ...defaults, Plans: [{ MonthlyPrice: 1, Durations: { month: [1] }, ActivityStock: 1 }] });
      await k.buy();
      assert.deepEqual(await prePay(), ['ORDER.NOT_ENOUGH_ACTIVITY_STOCK', 'The order activity stock is not enough.']);
      await put({ ...defaults, Plans: [{ MonthlyPrice: -5, Durations: { month: [1] } }] });
      assert.deepEqual(await prePay(), ['ORDER.ORDER_AMOUNT_ILLEGAL', 'The order amount is illegal.']);
      await put({ ...defaults, Currencies: { CNY: { Rate: 1, TaxRate: null } } });
      assert.deepEqual(await prePay(), ['PRICE.TAXING_ERROR', 'The instance pricing tax is error.']);
      await put(defaults);
      await k.set({ Currency: 'EUR' });
      assert.deepEqual(await prePay(), ['PAY.CURRENCY_NOT_SUPPORTED', "The Acount Currency doesn't support."]);
      // a bad pricing document is refused by the operator API
      assert.equal((await op(s, 'PUT', '/commerce/pricing', { Currencies: { CNY: { Rate: -1 } } })).status, 400);
    } finally {
      await put(defaults);
    }
  });

  await t.test('payment: coupon, stored card, balance, credit card', async () => {
    const cases: [Body, [string, string]][] = [
      [{ Balance: 10 }, ['INSUFFICIENT_BALANCE', 'The Acount Balance is insufficient.']],
      [{ Balance: 10, Site: 'intl', CreditCard: 'none', StoredCards: [{ CardId: 'sc-1', Balance: 0 }] }, ['PAY.NO_CREDIT_CARD', "The Acount doesn't have Credit Card."]],
      [{ Balance: 10, CreditCard: 'invalid' }, ['PAY.INVALID_CREDIT_CARD', 'The Acount Credit card is invalid.']],
      [{ Balance: 10, CreditCard: 'declined' }, ['PAY.USER_DECLINED', 'The Acount declined to pay.']],
      [{ Balance: 10, CreditCard: 'valid', WithholdingAgreement: 'illegal' }, ['PAY.WITHHOLDING_AGREEMENT_ILLEGAL', 'The Acount withholding agreement is illegal.']],
      [{ Balance: 10, CreditCard: 'valid', PaymentLimit: 100 }, ['PAY.AMOUNT_LIMIT_EXCEEDED', 'The Acount amount limit exceeded.']],
      [{ AccountBook: false }, ['PAY.ACCOUNT_BOOK_NOT_EXIST', "The Acount Book doesn't exist."]],
      [{ UseCoupon: 'cp-missing' }, ['PAY.COUPON_NOT_EXIST', "The Acount coupon doesn't exist."]],
      [{ Coupons: [{ CouponId: 'cp-old', Amount: 10, ExpiresAt: 1 }], UseCoupon: 'cp-old' }, ['PAY.COUPON_NOT_EXIST', "The Acount coupon doesn't exist."]],
      [{ Coupons: [{ CouponId: 'cp-big', Amount: 10, MinOrderAmount: 1000 }], UseCoupon: 'cp-big' }, ['PAY.COUPON_NOT_MEET_CONSUMPTION_RULE', "The Acount coupon doesn't meet consumption rule."]],
      [{ Coupons: [{ CouponId: 'cp-usd', Amount: 10, Currency: 'USD' }], UseCoupon: 'cp-usd' }, ['PAY.CURRENCY_INCONSISTENCY', 'The Acount Currency is inconsistency.']],
      [{ UseStoredCard: 'sc-missing' }, ['PAY.STORED_CARD_NOT_EXIST', "The Acount stored card doesn't exist."]],
    ];
    for (const [patch, want] of cases) {
      await k.reset();
      await k.set(patch);
      assert.deepEqual(await prePay(), want, JSON.stringify(patch));
    }
    // a refused payment leaves nothing behind: no instance, no order, the coupon still there
    await k.reset();
    await k.set({ Balance: 10, Coupons: [{ CouponId: 'cp-1', Amount: 5 }] });
    const n = (await k.orders()).length;
    await prePay();
    assert.equal((await k.orders()).length, n);
    assert.equal((await k.account()).Coupons.length, 1);
    // coupon first (the largest that applies), then the stored card, then the balance, then the card
    await k.set({ Balance: 100, CreditCard: 'valid', Coupons: [{ CouponId: 'cp-1', Amount: 5 }, { CouponId: 'cp-2', Amount: 15 }], StoredCards: [{ CardId: 'sc-1', Balance: 45 }], UseStoredCard: 'sc-1' });
    const lb = await k.buy();
    const order = (await k.orders()).find((o) => o['OrderId'] === lb.OrderId)!;
    assert.deepEqual(order['Payment'], { Coupon: 15, CouponId: 'cp-2', StoredCard: 45, StoredCardId: 'sc-1', Balance: 100, CreditCard: 105 });
    const a = await k.account();
    assert.deepEqual([a.Balance, (a.Coupons as { CouponId: string }[]).map((c) => c.CouponId)], [0, ['cp-1']]);
    await k.reset();
  });

  await t.test('injected service faults (one knob per account)', async () => {
    const viaCreate: [string, string][] = [
      ['PURCHASE.PURCHASE_QUERY_FAILED', 'The purchase failed to query.'],
      ['PAY.QUERY_QUOTA_BOOK_FAILED', 'The Acount failed to query quota book.'],
      ['PRICE.INQUIRY_FAILED', 'The instance pricing inquiry is failed.'],
      ['PAY.TAX_CALC_FAILED', 'The Acount Tax failed to calculate.'],
      ['CreateOrderFailed', 'The Account failed to create order.'],
      ['PAY.PAYMENT_PARAMETER_INVALID', 'The Acount payment parameters are invalid.'],
      ['PAY.INVALID_AMOUNT', 'The Acount amount is invalid.'],
      ['PAY.PAY_ORDER_FAILED', 'The Acount failed to pay order.'],
    ];
    for (const [code, message] of viaCreate) {
      await k.reset();
      await k.set({ Faults: [code] });
      assert.deepEqual(await prePay(), [code, message]);
    }
    await k.reset();
    await k.set({ Faults: ['PAY.GET_PAY_URL_ERROR'] });
    await k.buy();
    assert.deepEqual(await prePay({ AutoPay: false }), ['PAY.GET_PAY_URL_ERROR', 'The Acount failed to get Pay Url.']);
    await k.reset();
    const lb = await k.buy();
    await k.set({ Faults: ['PAY.REFUND_FAILED'] });
    assert.deepEqual(await k.errV3('DeleteLoadBalancer', { LoadBalancerId: lb.LoadBalancerId }), ['PAY.REFUND_FAILED', 400, 'The Acount failed to Refund.']);
    // unknown faults and fields are refused by the operator API
    assert.equal((await op(s, 'PATCH', k.acct, { Faults: ['Nope'] })).status, 400);
    assert.equal((await op(s, 'PATCH', k.acct, { Balance: -1 })).status, 400);
    assert.equal((await op(s, 'PATCH', k.acct, { Wat: 1 })).status, 400);
    await k.reset();
  });

  await t.test('commerce off: everything free, PrePay without payment or checks', async () => {
    await opOk(s, 'PUT', '/commerce/settings', { Enabled: false });
    try {
      await k.set({ RiskControl: true, Balance: 0 });
      const lb = (await k.call('CreateLoadBalancer', { RegionId: R, PayType: 'PrePay', PricingCycle: 'month', Duration: 1 })) as { LoadBalancerId: string; OrderId: number };
      assert.equal(typeof lb.OrderId, 'number');
      assert.equal((await k.attr(lb.LoadBalancerId))['LoadBalancerStatus'], 'active');
      await k.call('ModifyLoadBalancerInstanceSpec', { LoadBalancerId: lb.LoadBalancerId, LoadBalancerSpec: 'slb.s3.large' });
      await k.call('CreateLoadBalancer', { RegionId: R });
      await k.call('DeleteLoadBalancer', { LoadBalancerId: lb.LoadBalancerId });
    } finally {
      await opOk(s, 'PUT', '/commerce/settings', { Enabled: true });
      await k.reset();
    }
  });
});

test('commerce: `commerce: false` in the server config (npm start -- --commerce off)', async (t) => {
  const s = await startTestServer({ commerce: false, commerceSweepMs: 0 });
  t.after(() => s.stop());
  assert.equal((await opOk(s, 'GET', '/commerce/settings'))['Enabled'], false);
  const lb = await s.call('CreateLoadBalancer', { RegionId: R, PayType: 'PrePay', PricingCycle: 'year', Duration: 1 });
  assert.equal(typeof lb['OrderId'], 'number');
});

test('commerce: each tenant has its own wallet and standing; concurrent purchases never overspend', async (t) => {
  const s = await startTestServer({ commerceSweepMs: 0 });
  t.after(() => s.stop());
  const created = (await opOk(s, 'POST', '/accounts', { Name: 'tenant-b' })) as { AccountId: string; AccessKey: { AccessKeyId: string; AccessKeySecret: string } };
  const b = s.pop({ accessKeyId: created.AccessKey.AccessKeyId, accessKeySecret: created.AccessKey.AccessKeySecret });
  await opOk(s, 'PATCH', `/accounts/${created.AccountId}/commerce`, { Arrears: 3 });
  const e = await rejects(() => b.request('CreateLoadBalancer', { RegionId: R }));
  assert.deepEqual([e.code, e.data['Message']], ['AccountHasArrearage', 'Account has some arrearage.']);
  await s.call('CreateLoadBalancer', { RegionId: R });
  assert.equal((await opOk(s, 'GET', '/accounts/root/commerce'))['Arrears'], 0);
  assert.equal((await op(s, 'GET', '/accounts/1234567890123456/commerce')).status, 404);

  // balance for exactly two of five concurrent 265 CNY purchases
  await opOk(s, 'PATCH', `/accounts/${created.AccountId}/commerce`, { Arrears: 0, Balance: 600 });
  const sub = { RegionId: R, PayType: 'PrePay', PricingCycle: 'month', Duration: 1, AutoPay: true, InternetChargeType: 'paybybandwidth', Bandwidth: 10 };
  const results = await Promise.allSettled([1, 2, 3, 4, 5].map(() => b.request('CreateLoadBalancer', sub)));
  const ok = results.filter((r) => r.status === 'fulfilled').length;
  const refused = results.filter((r) => r.status === 'rejected').map((r) => (r as PromiseRejectedResult).reason.code as string);
  assert.equal(ok, 2);
  assert.deepEqual([...new Set(refused)], ['INSUFFICIENT_BALANCE']);
  assert.equal((await opOk(s, 'GET', `/accounts/${created.AccountId}/commerce`))['Balance'], 70);
  const list = (await b.request('DescribeLoadBalancers', { RegionId: R, PayType: 'PrePay' })) as { TotalCount: number };
  assert.equal(list.TotalCount, 2);
});
