// Orders, payment, refunds, bills, subscriptions and their expiry. Installed into the load balancer
// family through its commerce hooks (src/products/slb/services/load-balancers.ts). Every refusal is a catalog
// error raised by the account or order condition that causes it (table in docs/commerce.md).
import { apiError, fail, type ErrorCode } from '../../../../errors/catalog.js';
import { GLOBAL, type Scope, type Tx } from '../../../../state/store.js';
import { isoSeconds } from '../../../../util/clock.js';
import { getSettings, moveStock, putSettings, releaseLease } from '../../../../world/world.js';
import { CLCU_SPEC, commerceHooks, deleteLoadBalancerCascade, setCommerceHooks, setPrePayHandler, type PricedOrder } from '../load-balancers.js';
import { KINDS, type LoadBalancerDoc } from '../model.js';
import { COMMERCE_ACCOUNT, COMMERCE_SETTINGS, getCommerceAccount, getCommerceSettings, money, putCommerceAccount, putCommerceSettings, type CommerceAccount, type Fault } from './account.js';
import { getPricing, monthlyWithTax, putPricing, quote } from './pricing.js';

export const COMMERCE_ORDER = 'commerceOrder';
export const SUBSCRIPTION = 'commerceSubscription';
export const BILL = 'commerceBill';

const DAY = 24 * 3600 * 1000;
/** a month of a subscription, for periods and prorating */
export const MONTH = 30 * DAY;

export interface OrderDoc {
  OrderId: number;
  AccountId: string;
  RegionId: string;
  LoadBalancerId: string;
  /** New: bought with CreateLoadBalancer · Convert: ModifyLoadBalancerPayType · Upgrade/Downgrade: spec or bandwidth change · Renew · Refund: release */
  Type: 'New' | 'Convert' | 'Upgrade' | 'Downgrade' | 'Renew' | 'Refund';
  Status: 'Unpaid' | 'Paid' | 'Refunded' | 'Cancelled';
  Currency: string;
  /** before tax */
  Amount: number;
  Tax: number;
  Total: number;
  PricingCycle?: 'month' | 'year';
  Duration?: number;
  /** the configuration an Upgrade order applies when paid */
  Change?: { LoadBalancerSpec: string; InternetChargeType: string; Bandwidth: number };
  Payment?: { Coupon: number; CouponId?: string; StoredCard: number; StoredCardId?: string; Balance: number; CreditCard: number };
  CreatedAt: string;
  PaidAt?: string;
}

export interface SubscriptionDoc {
  LoadBalancerId: string;
  RegionId: string;
  PricingCycle: 'month' | 'year';
  Duration: number;
  StartTime: number;
  EndTime: number;
  /** the monthly fee with tax (account currency), for prorated changes and refunds */
  Monthly: number;
  Currency: string;
  Expired?: boolean;
}

export interface BillDoc {
  BillId: string;
  LoadBalancerId: string;
  RegionId: string;
  Amount: number;
  CreatedAt: string;
  /** ms: an unsettled bill past this locks its instance */
  DueAt: number;
  Settled: boolean;
  /** the sweep has locked its instance once */
  Locked?: boolean;
}

const orderScope = (account: string): Scope => ({ account, region: '' });

const FAULT_MESSAGES: Record<Fault, string> = {
  'PRICE.INQUIRY_FAILED': 'The instance pricing inquiry is failed.',
  'PURCHASE.PURCHASE_QUERY_FAILED': 'The purchase failed to query.',
  'PAY.QUERY_QUOTA_BOOK_FAILED': 'The Acount failed to query quota book.',
  'PAY.TAX_CALC_FAILED': 'The Acount Tax failed to calculate.',
  CreateOrderFailed: 'The Account failed to create order.',
  OrderFailed: 'The Account failed to create order.',
  'PAY.PAYMENT_PARAMETER_INVALID': 'The Acount payment parameters are invalid.',
  'PAY.INVALID_AMOUNT': 'The Acount amount is invalid.',
  'PAY.PAY_ORDER_FAILED': 'The Acount failed to pay order.',
  'PAY.GET_PAY_URL_ERROR': 'The Acount failed to get Pay Url.',
  'PAY.REFUND_FAILED': 'The Acount failed to Refund.',
};

/** An injected service failure fires when the account lists it. */
function fault(a: CommerceAccount, code: Fault): void {
  if (a.Faults.includes(code)) throw apiError(code as ErrorCode, FAULT_MESSAGES[code] as never);
}

/** Commerce time: the request's time moved by the operator's offset (POST /_openslb/commerce/advance). */
export async function commerceNow(tx: Tx, now: number): Promise<number> {
  return now + (await getCommerceSettings(tx)).TimeOffsetMs;
}

async function nextOrderId(tx: Tx): Promise<number> {
  const s = await getCommerceSettings(tx);
  const id = 20260000000000 + s.OrderSeq;
  s.OrderSeq += 1;
  await putCommerceSettings(tx, s);
  return id;
}

export async function listOrders(tx: Tx, account: string): Promise<OrderDoc[]> {
  return tx.list<OrderDoc>(COMMERCE_ORDER, orderScope(account));
}
export async function listBills(tx: Tx, account: string): Promise<BillDoc[]> {
  return tx.list<BillDoc>(BILL, orderScope(account));
}
/** The orders and bills of one load balancer (oldest first). */
const ordersOf = async (tx: Tx, account: string, lbId: string) => (await tx.query<OrderDoc>(COMMERCE_ORDER, orderScope(account), { where: { LoadBalancerId: lbId } })).map((x) => x.doc);
const billsOf = async (tx: Tx, account: string, lbId: string) => (await tx.query<BillDoc>(BILL, orderScope(account), { where: { LoadBalancerId: lbId } })).map((x) => x.doc);
const putOrder = (tx: Tx, o: OrderDoc) => tx.put(COMMERCE_ORDER, orderScope(o.AccountId), String(o.OrderId), o);

/** Mainland China regions require real-name authentication for pay-as-you-go purchases too. */
const isMainland = (region: string) => region.startsWith('cn-') && region !== 'cn-hongkong';

type Kind = 'new' | 'change' | 'ondemand';

/** The account's standing, in this order (docs/commerce.md "account standing"). */
function checkStanding(a: CommerceAccount, kind: Kind, region: string): void {
  if (a.RiskControl) fail('RISK.RISK_CONTROL_REJECTION', 'The Account is rejected by risk control system.');
  if (kind !== 'ondemand') {
    if (a.BidUser) fail('ORDER.BID_USER_ORDER_FORBIDDEN', 'The order of bid user is forbidden.');
    if (a.OrderStatus === 'frozen') fail('ORDER.ACCOUNT_STATUS_ILLEGAL', 'The order account status is illegal.');
  }
  if (kind === 'new' && !a.SlbOrderOpen) fail('ORDER.OPEND', 'The account order is open to buy loadbalancer.');
  if (!a.RealNameAuthenticated) {
    if (kind === 'new') fail('ORDER.NO_REAL_NAME_AUTHENTICATION', 'The account is not real name authentication.');
    if (kind === 'change') fail('NO_REAL_NAME_AUTHENTICATION', 'The Account should be Real Name Authenticated.');
    if (isMainland(region)) fail('NoNameAuthentication', 'Account should be Name Authenticated.');
  }
  if (!a.ProfileComplete) fail('UserProfileNotComplete', 'User profile is not completed.');
  if (a.Arrears > 0) {
    if (kind === 'new') fail('ORDER.ARREARAGE', 'The account is arrearage.');
    if (kind === 'change') fail('ARREARAGE', 'The Account has some ARREARAGE.');
    fail('AccountHasArrearage', 'Account has some arrearage.');
  }
  if (kind === 'ondemand' && a.Site === 'intl' && a.CreditCard === 'none' && a.StoredCards.length === 0) fail('NOCARD', "User Profile doesn't have card.");
}

/** What the account may buy. */
function checkRestrictions(a: CommerceAccount, region: string, spec: string): void {
  fault(a, 'PURCHASE.PURCHASE_QUERY_FAILED');
  if (a.AllowedRegions && !a.AllowedRegions.includes(region)) fail('PURCHASE.NO_VAILD_PURCHASE', 'The purchase is invalid.');
  if (a.AllowedSpecs && !a.AllowedSpecs.includes(spec)) fail('INVALID_COMPONENT', "This Account can't buy such type loadbalancer.");
}

/** Subscriptions are sold by spec, and internet ones by fixed bandwidth. */
function checkSubscriptionProduct(spec: string, addressType: string, internetChargeType: string): void {
  if (spec === CLCU_SPEC) fail('PRODUCT.INSTANCE_TYPE_NOT_SUPPORTED', "The Instance type doesn't support.");
  if (addressType === 'internet' && internetChargeType !== 'paybybandwidth') fail('COMMODITY.INVALID_COMPONENT', 'The instance component is invalid.');
}

async function checkTotalBandwidth(tx: Tx, a: CommerceAccount, o: { AddressType: string; InternetChargeType: string; Bandwidth: number }, except?: string): Promise<void> {
  if (a.TotalBandwidthQuota === null || o.AddressType !== 'internet' || o.InternetChargeType !== 'paybybandwidth') return;
  let total = o.Bandwidth;
  const match = { AddressType: 'internet', InternetChargeType: 'paybybandwidth' };
  for (const { doc } of await tx.query<LoadBalancerDoc>(KINDS.loadBalancer, { account: a.AccountId }, { match })) {
    if (doc.LoadBalancerId !== except) total += doc.Bandwidth;
  }
  if (total > a.TotalBandwidthQuota) fail('OverQuota', 'The Total is over the quota.');
}

/** Orders on an existing instance: its unpaid orders, unsettled bills and subscription state. */
async function checkInstance(tx: Tx, account: string, lbId: string, now: number): Promise<void> {
  const orders = (await ordersOf(tx, account, lbId)).filter((o) => o.Status === 'Unpaid');
  if (orders.some((o) => o.Type === 'Convert')) fail('ORDER.INSTANCE_HAS_INACTIVE_CHANGE', 'The instance has inactive change.');
  if (orders.length) fail('ORDER.INST_HAS_UNPAID_ORDER', 'The instance has unpaid order.');
  if ((await billsOf(tx, account, lbId)).some((b) => !b.Settled)) fail('ORDER.INST_HAS_UNSETTLED_BILLS', 'The instance has unsettled bills.');
  const found = await tx.find<SubscriptionDoc>(SUBSCRIPTION, account, lbId);
  if (found && found.doc.EndTime <= now) fail('PRODUCT.INSTANCE_RELEASED', 'The Instance is released.');
}

// -- payment and refunds

/** Pays `total` from, in turn: a coupon, the chosen stored card, the balance, the credit card. Mutates `a`. */
export function pay(a: CommerceAccount, total: number, now: number): NonNullable<OrderDoc['Payment']> {
  fault(a, 'PAY.PAYMENT_PARAMETER_INVALID');
  fault(a, 'PAY.INVALID_AMOUNT');
  fault(a, 'PAY.PAY_ORDER_FAILED');
  let due = money(total);
  const out: NonNullable<OrderDoc['Payment']> = { Coupon: 0, StoredCard: 0, Balance: 0, CreditCard: 0 };
  if (due <= 0) return out;
  const live = (c: { ExpiresAt?: number }) => c.ExpiresAt === undefined || c.ExpiresAt > now;
  let coupon = a.UseCoupon ? a.Coupons.find((c) => c.CouponId === a.UseCoupon) : undefined;
  if (a.UseCoupon) {
    if (!coupon || !live(coupon)) fail('PAY.COUPON_NOT_EXIST', "The Acount coupon doesn't exist.");
    if (coupon.Currency !== a.Currency) fail('PAY.CURRENCY_INCONSISTENCY', 'The Acount Currency is inconsistency.');
    if (coupon.MinOrderAmount > due) fail('PAY.COUPON_NOT_MEET_CONSUMPTION_RULE', "The Acount coupon doesn't meet consumption rule.");
  } else {
    // without a chosen coupon, the largest one that applies is used
    coupon = a.Coupons.filter((c) => live(c) && c.Currency === a.Currency && c.MinOrderAmount <= due).sort((x, y) => y.Amount - x.Amount)[0];
  }
  if (coupon) {
    out.Coupon = money(Math.min(coupon.Amount, due));
    out.CouponId = coupon.CouponId;
    due = money(due - out.Coupon);
    const used = coupon.CouponId;
    a.Coupons = a.Coupons.filter((c) => c.CouponId !== used);
    if (a.UseCoupon === used) a.UseCoupon = null;
  }
  if (due > 0 && a.UseStoredCard) {
    const card = a.StoredCards.find((c) => c.CardId === a.UseStoredCard);
    if (!card) fail('PAY.STORED_CARD_NOT_EXIST', "The Acount stored card doesn't exist.");
    if (card.Currency !== a.Currency) fail('PAY.CURRENCY_INCONSISTENCY', 'The Acount Currency is inconsistency.');
    out.StoredCard = money(Math.min(card.Balance, due));
    out.StoredCardId = card.CardId;
    card.Balance = money(card.Balance - out.StoredCard);
    due = money(due - out.StoredCard);
  }
  if (due > 0) {
    if (!a.AccountBook) fail('PAY.ACCOUNT_BOOK_NOT_EXIST', "The Acount Book doesn't exist.");
    out.Balance = money(Math.min(a.Balance, due));
    a.Balance = money(a.Balance - out.Balance);
    due = money(due - out.Balance);
  }
  if (due > 0) {
    if (a.CreditCard === 'none') {
      if (a.Site === 'intl') fail('PAY.NO_CREDIT_CARD', "The Acount doesn't have Credit Card.");
      fail('INSUFFICIENT_BALANCE', 'The Acount Balance is insufficient.');
    }
    if (a.CreditCard === 'invalid') fail('PAY.INVALID_CREDIT_CARD', 'The Acount Credit card is invalid.');
    if (a.CreditCard === 'declined') fail('PAY.USER_DECLINED', 'The Acount declined to pay.');
    if (a.WithholdingAgreement === 'illegal') fail('PAY.WITHHOLDING_AGREEMENT_ILLEGAL', 'The Acount withholding agreement is illegal.');
    if (a.PaymentLimit !== null && due > a.PaymentLimit) fail('PAY.AMOUNT_LIMIT_EXCEEDED', 'The Acount amount limit exceeded.');
    out.CreditCard = due;
  }
  return out;
}

function refund(a: CommerceAccount, amount: number): void {
  fault(a, 'PAY.REFUND_FAILED');
  if (amount <= 0) return;
  if (!a.AccountBook) fail('PAY.REFUND_FAILED', 'The Acount failed to Refund.');
  a.Balance = money(a.Balance + amount);
}

const addPeriod = (start: number, cycle: 'month' | 'year', duration: number) => start + (cycle === 'month' ? duration : duration * 12) * MONTH;

// -- the hooks

function newOrder(o: Omit<OrderDoc, 'CreatedAt'>, now: number): OrderDoc {
  return { ...o, CreatedAt: isoSeconds(now) };
}

/** CreateLoadBalancer / ModifyLoadBalancerPayType with PayType=PrePay. */
export async function placeSubscriptionOrder(tx: Tx, o: PricedOrder): Promise<{ OrderId: number; paid: boolean }> {
  o = { ...o, now: await commerceNow(tx, o.now) };
  const settings = await getCommerceSettings(tx);
  const type = o.action === 'CreateLoadBalancer' ? 'New' : 'Convert';
  const lbId = o.LoadBalancerId ?? '';
  const cycle = (o.PricingCycle as 'month' | 'year' | undefined) ?? 'month';
  const duration = o.Duration ?? 1;
  if (!settings.Enabled) {
    // commerce off: free, paid at once, never expires
    const order = newOrder({ OrderId: await nextOrderId(tx), AccountId: o.account, RegionId: o.region, LoadBalancerId: lbId, Type: type, Status: 'Paid', Currency: 'CNY', Amount: 0, Tax: 0, Total: 0, PricingCycle: cycle, Duration: duration }, o.now);
    await putOrder(tx, order);
    return { OrderId: order.OrderId, paid: true };
  }
  const a = await getCommerceAccount(tx, o.account);
  if (type === 'Convert') await checkInstance(tx, o.account, lbId, o.now);
  checkStanding(a, 'new', o.region);
  checkRestrictions(a, o.region, o.LoadBalancerSpec);
  checkSubscriptionProduct(o.LoadBalancerSpec, o.AddressType, o.InternetChargeType);
  if (o.PricingCycle === undefined && o.Duration === undefined) fail('ORDER.PERIOD_INVALID', 'The order period is invalid.');
  if (o.PricingCycle === undefined || o.Duration === undefined) fail('PRICE.INVALID_INQUIRY_PARAMETER', 'The instance pricing inquiry parameter is invalid.');
  fault(a, 'PAY.QUERY_QUOTA_BOOK_FAILED');
  const held = await tx.count(KINDS.loadBalancer, { account: o.account }, { where: { PayType: 'PrePay' } });
  if (held >= a.PrePayQuota) fail('ORDER.QUOTA_EXCEEDED', 'The order quota exceeded.');
  await checkTotalBandwidth(tx, a, o, lbId);
  fault(a, 'PRICE.INQUIRY_FAILED');
  const pricing = await getPricing(tx);
  const q = quote(pricing, { region: o.region, spec: o.LoadBalancerSpec, addressType: o.AddressType, internetChargeType: o.InternetChargeType, bandwidth: o.Bandwidth, currency: a.Currency, cycle, duration });
  fault(a, 'PAY.TAX_CALC_FAILED');
  fault(a, 'CreateOrderFailed');
  const plan = pricing.Plans[q.plan]!;
  if (plan.ActivityStock !== null) {
    plan.ActivityStock -= 1;
    await putPricing(tx, pricing);
  }
  const order = newOrder(
    { OrderId: await nextOrderId(tx), AccountId: o.account, RegionId: o.region, LoadBalancerId: lbId, Type: type, Status: 'Unpaid', Currency: a.Currency, Amount: q.amount, Tax: q.tax, Total: q.total, PricingCycle: cycle, Duration: duration },
    o.now,
  );
  const sub: SubscriptionDoc = { LoadBalancerId: lbId, RegionId: o.region, PricingCycle: cycle, Duration: duration, StartTime: o.now, EndTime: addPeriod(o.now, cycle, duration), Monthly: money(q.total / q.months), Currency: a.Currency };
  if (o.AutoPay) {
    order.Payment = pay(a, q.total, o.now);
    order.Status = 'Paid';
    order.PaidAt = isoSeconds(o.now);
    await tx.put(SUBSCRIPTION, { account: o.account, region: o.region }, lbId, sub);
  } else {
    fault(a, 'PAY.GET_PAY_URL_ERROR');
  }
  await putOrder(tx, order);
  await putCommerceAccount(tx, a);
  return { OrderId: order.OrderId, paid: order.Status === 'Paid' };
}

/** Pay-as-you-go CreateLoadBalancer: no order, but the account must be allowed to buy. */
export async function checkOnDemandPurchase(tx: Tx, o: Parameters<typeof commerceHooks.onDemand>[1]): Promise<void> {
  if (!(await getCommerceSettings(tx)).Enabled) return;
  const a = await getCommerceAccount(tx, o.account);
  checkStanding(a, 'ondemand', o.region);
  checkRestrictions(a, o.region, o.LoadBalancerSpec);
  await checkTotalBandwidth(tx, a, o);
}

/** A pay-as-you-go instance's spec or bandwidth change: not while its conversion to subscription waits for payment, nor (bandwidth) while the account has unpaid bills. */
export async function checkPayAsYouGoChange(tx: Tx, lb: LoadBalancerDoc, account: string, action: string): Promise<void> {
  if (!(await getCommerceSettings(tx)).Enabled) return;
  if ((await ordersOf(tx, account, lb.LoadBalancerId)).some((o) => o.Status === 'Unpaid')) fail('Operation.NotAllowed', 'Operation Denied. Unfinished purchase exists.');
  if (action === 'ModifyLoadBalancerInternetSpec' && (await listBills(tx, account)).some((b) => !b.Settled)) fail('OperationFailed.UnpaidBillsExist', 'The account has unpaid bills. Please pay your overdue bill first.');
}

/** Applies a configuration change to an instance (spec with its stock, charge type, bandwidth). */
async function applyChange(tx: Tx, scope: Scope, lb: LoadBalancerDoc, c: NonNullable<OrderDoc['Change']>): Promise<void> {
  if (c.LoadBalancerSpec !== lb.LoadBalancerSpec) {
    const ws = await getSettings(tx);
    if (ws.Stock.length) {
      moveStock(ws, scope.region, lb.MasterZoneId, lb.LoadBalancerSpec, +1);
      moveStock(ws, scope.region, lb.MasterZoneId, c.LoadBalancerSpec, -1);
      await putSettings(tx, ws);
    }
  }
  lb.LoadBalancerSpec = c.LoadBalancerSpec;
  lb.InternetChargeType = c.InternetChargeType as LoadBalancerDoc['InternetChargeType'];
  lb.Bandwidth = c.Bandwidth;
  await tx.put(KINDS.loadBalancer, scope, lb.LoadBalancerId, lb);
}

/** A spec or bandwidth change of a subscription: the prorated difference is paid (upgrade) or refunded (downgrade). */
export async function placeChangeOrder(tx: Tx, lb: LoadBalancerDoc, t: Parameters<typeof commerceHooks.change>[2]): Promise<{ OrderId: number; apply: boolean }> {
  t = { ...t, now: await commerceNow(tx, t.now) };
  const settings = await getCommerceSettings(tx);
  const change = { LoadBalancerSpec: t.LoadBalancerSpec, InternetChargeType: t.InternetChargeType, Bandwidth: t.Bandwidth };
  const base = { AccountId: t.account, RegionId: lb.RegionId, LoadBalancerId: lb.LoadBalancerId, Change: change };
  const sub = await tx.get<SubscriptionDoc>(SUBSCRIPTION, { account: t.account, region: lb.RegionId }, lb.LoadBalancerId);
  if (!settings.Enabled || !sub) {
    // commerce off (or a subscription bought while it was off): free
    const order = newOrder({ ...base, OrderId: await nextOrderId(tx), Type: 'Upgrade', Status: 'Paid', Currency: 'CNY', Amount: 0, Tax: 0, Total: 0 }, t.now);
    await putOrder(tx, order);
    return { OrderId: order.OrderId, apply: true };
  }
  const a = await getCommerceAccount(tx, t.account);
  await checkInstance(tx, t.account, lb.LoadBalancerId, t.now);
  checkStanding(a, 'change', lb.RegionId);
  checkRestrictions(a, lb.RegionId, t.LoadBalancerSpec);
  checkSubscriptionProduct(t.LoadBalancerSpec, lb.AddressType, t.InternetChargeType);
  await checkTotalBandwidth(tx, a, { AddressType: lb.AddressType, InternetChargeType: t.InternetChargeType, Bandwidth: t.Bandwidth }, lb.LoadBalancerId);
  fault(a, 'PRICE.INQUIRY_FAILED');
  const pricing = await getPricing(tx);
  const inquiry = { region: lb.RegionId, addressType: lb.AddressType, currency: a.Currency };
  const before = monthlyWithTax(pricing, { ...inquiry, spec: lb.LoadBalancerSpec, internetChargeType: lb.InternetChargeType, bandwidth: lb.Bandwidth });
  const after = monthlyWithTax(pricing, { ...inquiry, spec: t.LoadBalancerSpec, internetChargeType: t.InternetChargeType, bandwidth: t.Bandwidth });
  const months = Math.max(0, sub.EndTime - t.now) / MONTH;
  const diff = money((after - before) * months);
  fault(a, 'PAY.TAX_CALC_FAILED');
  fault(a, 'OrderFailed');
  const order = newOrder({ ...base, OrderId: await nextOrderId(tx), Type: diff >= 0 ? 'Upgrade' : 'Downgrade', Status: 'Unpaid', Currency: a.Currency, Amount: Math.abs(diff), Tax: 0, Total: Math.abs(diff) }, t.now);
  let apply = true;
  if (diff < 0) {
    refund(a, -diff);
    order.Status = 'Refunded';
  } else if (t.AutoPay || diff === 0) {
    order.Payment = pay(a, diff, t.now);
    order.Status = 'Paid';
    order.PaidAt = isoSeconds(t.now);
  } else {
    fault(a, 'PAY.GET_PAY_URL_ERROR');
    apply = false;
  }
  if (apply) {
    sub.Monthly = money(after);
    await tx.put(SUBSCRIPTION, { account: t.account, region: lb.RegionId }, lb.LoadBalancerId, sub);
  }
  await putOrder(tx, order);
  await putCommerceAccount(tx, a);
  return { OrderId: order.OrderId, apply };
}

/** DeleteLoadBalancer of a subscription: unpaid orders are cancelled, the unused period refunded. */
export async function releaseSubscription(tx: Tx, lb: LoadBalancerDoc, account: string, now: number): Promise<void> {
  now = await commerceNow(tx, now);
  const scope = { account, region: lb.RegionId };
  const sub = await tx.get<SubscriptionDoc>(SUBSCRIPTION, scope, lb.LoadBalancerId);
  for (const o of await ordersOf(tx, account, lb.LoadBalancerId)) {
    if (o.Status === 'Unpaid') await putOrder(tx, { ...o, Status: 'Cancelled' });
  }
  if (!sub) return;
  await tx.delete(SUBSCRIPTION, scope, lb.LoadBalancerId);
  if (!(await getCommerceSettings(tx)).Enabled) return;
  const a = await getCommerceAccount(tx, account);
  const amount = money((sub.Monthly * Math.max(0, sub.EndTime - now)) / MONTH);
  refund(a, amount);
  await putOrder(tx, newOrder({ OrderId: await nextOrderId(tx), AccountId: account, RegionId: lb.RegionId, LoadBalancerId: lb.LoadBalancerId, Type: 'Refund', Status: 'Refunded', Currency: a.Currency, Amount: amount, Tax: 0, Total: amount }, now));
  await putCommerceAccount(tx, a);
}

// -- locks: unpaid purchases, past-due bills, expired subscriptions

/** Why commerce keeps an instance locked (empty: nothing). */
async function lockCauses(tx: Tx, account: string, lb: LoadBalancerDoc, now: number): Promise<string[]> {
  const out: string[] = [];
  if ((await ordersOf(tx, account, lb.LoadBalancerId)).some((o) => o.Status === 'Unpaid' && o.Type === 'New')) out.push('unpaid');
  if ((await billsOf(tx, account, lb.LoadBalancerId)).some((b) => !b.Settled && b.DueAt <= now)) out.push('bills');
  const sub = await tx.get<SubscriptionDoc>(SUBSCRIPTION, { account, region: lb.RegionId }, lb.LoadBalancerId);
  if (sub && sub.EndTime <= now) out.push('expired');
  return out;
}

/** Locks (financial) or unlocks an instance after its commerce state changed. */
export async function relock(tx: Tx, account: string, lbId: string, now: number): Promise<void> {
  const found = await tx.find<LoadBalancerDoc>(KINDS.loadBalancer, account, lbId);
  if (!found) return;
  const lb = found.doc;
  const causes = await lockCauses(tx, account, lb, now);
  if (causes.length && lb.LoadBalancerStatus !== 'locked') {
    lb.LoadBalancerStatus = 'locked';
    lb.LockReason = 'financial';
  } else if (!causes.length && lb.LoadBalancerStatus === 'locked' && lb.LockReason === 'financial') {
    lb.LoadBalancerStatus = 'active';
    delete lb.LockReason;
  } else return;
  await tx.put(KINDS.loadBalancer, { account, region: found.region }, lbId, lb);
}

/** Pays an unpaid order (the console's payment page; operator API) and applies what it bought. */
export async function payOrder(tx: Tx, account: string, orderId: string, now: number): Promise<OrderDoc> {
  now = await commerceNow(tx, now);
  const order = await tx.get<OrderDoc>(COMMERCE_ORDER, orderScope(account), orderId);
  if (!order) throw Object.assign(new Error(`no order ${orderId}`), { status: 404, code: 'OrderNotFound' });
  if (order.Status !== 'Unpaid') throw Object.assign(new Error(`order ${orderId} is ${order.Status}`), { status: 409, code: 'OrderNotUnpaid' });
  const a = await getCommerceAccount(tx, account);
  if (!a.RealNameAuthenticated) fail('NO_REAL_NAME_AUTHENTICATION', 'The Account should be Real Name Authenticated.');
  order.Payment = pay(a, order.Total, now);
  order.Status = 'Paid';
  order.PaidAt = isoSeconds(now);
  const scope = { account, region: order.RegionId };
  const found = await tx.find<LoadBalancerDoc>(KINDS.loadBalancer, account, order.LoadBalancerId);
  if (found && (order.Type === 'New' || order.Type === 'Convert')) {
    const cycle = order.PricingCycle ?? 'month';
    const duration = order.Duration ?? 1;
    const months = cycle === 'month' ? duration : duration * 12;
    await tx.put<SubscriptionDoc>(SUBSCRIPTION, scope, order.LoadBalancerId, { LoadBalancerId: order.LoadBalancerId, RegionId: order.RegionId, PricingCycle: cycle, Duration: duration, StartTime: now, EndTime: addPeriod(now, cycle, duration), Monthly: money(order.Total / months), Currency: order.Currency });
    if (order.Type === 'Convert') {
      found.doc.PayType = 'PrePay';
      await tx.put(KINDS.loadBalancer, scope, found.doc.LoadBalancerId, found.doc);
    }
  } else if (found && order.Type === 'Upgrade' && order.Change) {
    await applyChange(tx, scope, found.doc, order.Change);
    const sub = await tx.get<SubscriptionDoc>(SUBSCRIPTION, scope, order.LoadBalancerId);
    if (sub) {
      const pricing = await getPricing(tx);
      sub.Monthly = money(monthlyWithTax(pricing, { region: order.RegionId, spec: order.Change.LoadBalancerSpec, addressType: found.doc.AddressType, internetChargeType: order.Change.InternetChargeType, bandwidth: order.Change.Bandwidth, currency: a.Currency }));
      await tx.put(SUBSCRIPTION, scope, order.LoadBalancerId, sub);
    }
  }
  await putOrder(tx, order);
  await putCommerceAccount(tx, a);
  await relock(tx, account, order.LoadBalancerId, now);
  return order;
}

/** Cancels an unpaid order (operator API). A purchase's instance, never paid for, is released with it. */
export async function cancelOrder(tx: Tx, account: string, orderId: string, now: number): Promise<OrderDoc> {
  now = await commerceNow(tx, now);
  const order = await tx.get<OrderDoc>(COMMERCE_ORDER, orderScope(account), orderId);
  if (!order) throw Object.assign(new Error(`no order ${orderId}`), { status: 404, code: 'OrderNotFound' });
  if (order.Status !== 'Unpaid') throw Object.assign(new Error(`order ${orderId} is ${order.Status}`), { status: 409, code: 'OrderNotUnpaid' });
  order.Status = 'Cancelled';
  await putOrder(tx, order);
  const found = await tx.find<LoadBalancerDoc>(KINDS.loadBalancer, account, order.LoadBalancerId);
  if (found && order.Type === 'New') {
    await deleteLoadBalancerCascade(tx, { account, region: found.region }, found.doc);
    await releaseLease(tx, found.doc.Address, found.doc.LoadBalancerId, found.doc.HostAddress);
  } else if (found) await relock(tx, account, order.LoadBalancerId, now);
  return order;
}

/** An unsettled bill on an instance (e.g. unpaid pay-as-you-go usage): arrears now, a lock once due. */
export async function addBill(tx: Tx, account: string, lbId: string, amountDue: number, dueAt: number, now: number, id: string): Promise<BillDoc> {
  const offset = (await commerceNow(tx, 0));
  now += offset;
  dueAt += offset;
  const found = await tx.find<LoadBalancerDoc>(KINDS.loadBalancer, account, lbId);
  if (!found) throw Object.assign(new Error(`no load balancer ${lbId}`), { status: 404, code: 'LoadBalancerNotFound' });
  const bill: BillDoc = { BillId: id, LoadBalancerId: lbId, RegionId: found.region, Amount: money(amountDue), CreatedAt: isoSeconds(now), DueAt: dueAt, Settled: false };
  // due at once: it locks now, and counts as locked for the sweep
  if (dueAt <= now) bill.Locked = true;
  await tx.put(BILL, orderScope(account), id, bill);
  const a = await getCommerceAccount(tx, account);
  a.Arrears = money(a.Arrears + bill.Amount);
  await putCommerceAccount(tx, a);
  await relock(tx, account, lbId, now);
  return bill;
}

/** Adds money to the balance; it settles bills (oldest first), then other arrears; instances unlock. */
export async function topUp(tx: Tx, account: string, amount: number, now: number): Promise<CommerceAccount> {
  now = await commerceNow(tx, now);
  const a = await getCommerceAccount(tx, account);
  a.Balance = money(a.Balance + amount);
  const touched = new Set<string>();
  for (const b of await listBills(tx, account)) {
    if (b.Settled || a.Balance < b.Amount) continue;
    a.Balance = money(a.Balance - b.Amount);
    a.Arrears = money(Math.max(0, a.Arrears - b.Amount));
    await tx.put(BILL, orderScope(account), b.BillId, { ...b, Settled: true });
    touched.add(b.LoadBalancerId);
  }
  const open = (await listBills(tx, account)).filter((b) => !b.Settled).reduce((s, b) => s + b.Amount, 0);
  const other = money(a.Arrears - open);
  if (other > 0 && a.Balance >= other) {
    a.Balance = money(a.Balance - other);
    a.Arrears = money(open);
  }
  await putCommerceAccount(tx, a);
  for (const id of touched) await relock(tx, account, id, now);
  return a;
}

/** Renews a subscription (operator API): priced like a purchase, paid at once; an expired one unlocks. */
export async function renew(tx: Tx, account: string, lbId: string, cycle: 'month' | 'year', duration: number, now: number): Promise<OrderDoc> {
  now = await commerceNow(tx, now);
  const found = await tx.find<LoadBalancerDoc>(KINDS.loadBalancer, account, lbId);
  const sub = found && (await tx.get<SubscriptionDoc>(SUBSCRIPTION, { account, region: found.region }, lbId));
  if (!found || !sub) throw Object.assign(new Error(`no subscription ${lbId}`), { status: 404, code: 'SubscriptionNotFound' });
  const a = await getCommerceAccount(tx, account);
  const lb = found.doc;
  const q = quote(await getPricing(tx), { region: found.region, spec: lb.LoadBalancerSpec, addressType: lb.AddressType, internetChargeType: lb.InternetChargeType, bandwidth: lb.Bandwidth, currency: a.Currency, cycle, duration });
  const order = newOrder({ OrderId: await nextOrderId(tx), AccountId: account, RegionId: found.region, LoadBalancerId: lbId, Type: 'Renew', Status: 'Paid', Currency: a.Currency, Amount: q.amount, Tax: q.tax, Total: q.total, PricingCycle: cycle, Duration: duration, PaidAt: isoSeconds(now) }, now);
  order.Payment = pay(a, q.total, now);
  sub.EndTime = addPeriod(Math.max(sub.EndTime, now), cycle, duration);
  delete sub.Expired;
  await tx.put(SUBSCRIPTION, { account, region: found.region }, lbId, sub);
  await putOrder(tx, order);
  await putCommerceAccount(tx, a);
  await relock(tx, account, lbId, now);
  return order;
}

/** Locks what is due: expired subscriptions and instances with past-due bills. Runs on a timer and on demand. */
export async function sweep(tx: Tx, now: number): Promise<{ Locked: string[] }> {
  now = await commerceNow(tx, now);
  const accounts = (await tx.list<{ AccountId: string }>('account', GLOBAL)).map((x) => x.AccountId);
  const locked: string[] = [];
  for (const account of accounts) {
    // each expiry and each bill locks once: an operator who lifts the lock (openslb lb unlock) is not overruled
    const ids = new Set<string>();
    for (const { region, doc } of await tx.listAccount<SubscriptionDoc>(SUBSCRIPTION, account)) {
      if (doc.EndTime > now || doc.Expired) continue;
      ids.add(doc.LoadBalancerId);
      await tx.put(SUBSCRIPTION, { account, region }, doc.LoadBalancerId, { ...doc, Expired: true });
    }
    for (const b of await listBills(tx, account)) {
      if (b.Settled || b.DueAt > now || b.Locked) continue;
      ids.add(b.LoadBalancerId);
      await tx.put(BILL, orderScope(account), b.BillId, { ...b, Locked: true });
    }
    for (const id of ids) {
      const before = await tx.find<LoadBalancerDoc>(KINDS.loadBalancer, account, id);
      await relock(tx, account, id, now);
      const after = await tx.find<LoadBalancerDoc>(KINDS.loadBalancer, account, id);
      if (before && after && before.doc.LoadBalancerStatus !== 'locked' && after.doc.LoadBalancerStatus === 'locked') locked.push(id);
    }
  }
  return { Locked: locked };
}

/** A subscription's end for DescribeLoadBalancerAttribute (commerce time, like the expiry). */
export async function subscriptionView(tx: Tx, lb: LoadBalancerDoc, account: string): Promise<Record<string, unknown>> {
  const sub = await tx.get<SubscriptionDoc>(SUBSCRIPTION, { account, region: lb.RegionId }, lb.LoadBalancerId);
  if (!sub) return {};
  return { EndTime: isoSeconds(sub.EndTime), EndTimeStamp: sub.EndTime, RenewalStatus: 'Normal' };
}

/** Plugs commerce into the load balancer family (every server start does; idempotent). */
export function installCommerce(): void {
  setPrePayHandler(placeSubscriptionOrder);
  setCommerceHooks({
    onDemand: checkOnDemandPurchase,
    change: placeChangeOrder,
    release: releaseSubscription,
    view: subscriptionView,
    payAsYouGoChange: checkPayAsYouGoChange,
    onDemandReads: (account) => [
      { kind: COMMERCE_SETTINGS, scope: GLOBAL, id: 'settings' },
      { kind: COMMERCE_ACCOUNT, scope: GLOBAL, id: account },
    ],
  });
}
