// The commerce side of an account: wallet, standing and injected service faults. One document per
// account (kind commerceAccount, GLOBAL scope, id = account id), apart from the Account document
// (identity only, src/world/accounts.ts). An account without a stored document has the defaults:
// good standing and a large balance, so nothing gets in a newcomer's way. Reference: docs/commerce.md.
import { GLOBAL, type Tx } from '../../../../state/store.js';
import { WorldError } from '../../../../world/world.js';

export const COMMERCE_ACCOUNT = 'commerceAccount';
export const COMMERCE_SETTINGS = 'commerceSettings';

export interface Coupon {
  CouponId: string;
  /** value in the account's currency */
  Amount: number;
  Currency: string;
  /** the order total must reach this for the coupon to apply (the consumption rule) */
  MinOrderAmount: number;
  /** ms since the epoch; absent = never expires */
  ExpiresAt?: number;
}

export interface StoredCard {
  CardId: string;
  Balance: number;
  Currency: string;
}

/** Service failures an operator can inject (each fires at its stage of an order; docs/commerce.md). */
export const FAULTS = [
  'PRICE.INQUIRY_FAILED',
  'PURCHASE.PURCHASE_QUERY_FAILED',
  'PAY.QUERY_QUOTA_BOOK_FAILED',
  'PAY.TAX_CALC_FAILED',
  'CreateOrderFailed',
  'OrderFailed',
  'PAY.PAYMENT_PARAMETER_INVALID',
  'PAY.INVALID_AMOUNT',
  'PAY.PAY_ORDER_FAILED',
  'PAY.GET_PAY_URL_ERROR',
  'PAY.REFUND_FAILED',
] as const;
export type Fault = (typeof FAULTS)[number];

export interface CommerceAccount {
  AccountId: string;
  // -- standing
  RealNameAuthenticated: boolean;
  ProfileComplete: boolean;
  BidUser: boolean;
  RiskControl: boolean;
  /** 'frozen': the order system refuses the account (ORDER.ACCOUNT_STATUS_ILLEGAL) */
  OrderStatus: 'normal' | 'frozen';
  /** false: the account has not opened subscription purchases of SLB (ORDER.OPEND) */
  SlbOrderOpen: boolean;
  /** amount owed (account currency); > 0 blocks purchases */
  Arrears: number;
  /** most subscription instances the account may hold (ORDER.QUOTA_EXCEEDED) */
  PrePayQuota: number;
  /** most total fixed bandwidth (Mbps) over the account's instances; null = no limit (OverQuota "The Total…") */
  TotalBandwidthQuota: number | null;
  /** what the account may buy: regions (PURCHASE.NO_VAILD_PURCHASE) and specs (INVALID_COMPONENT); null = anything */
  AllowedRegions: string[] | null;
  AllowedSpecs: string[] | null;
  // -- wallet
  /** 'china' (balance-paid) or 'intl' (card-paid): which code a missing payment method gives */
  Site: 'china' | 'intl';
  Currency: string;
  Balance: number;
  /** false: the account has no account book (balance ledger): PAY.ACCOUNT_BOOK_NOT_EXIST / PAY.REFUND_FAILED */
  AccountBook: boolean;
  CreditCard: 'none' | 'valid' | 'invalid' | 'declined';
  WithholdingAgreement: 'signed' | 'illegal';
  /** most one order may charge to the card; null = no limit */
  PaymentLimit: number | null;
  StoredCards: StoredCard[];
  UseStoredCard: string | null;
  Coupons: Coupon[];
  UseCoupon: string | null;
  // -- injected service failures
  Faults: Fault[];
}

export function defaultCommerceAccount(id: string): CommerceAccount {
  return {
    AccountId: id,
    RealNameAuthenticated: true,
    ProfileComplete: true,
    BidUser: false,
    RiskControl: false,
    OrderStatus: 'normal',
    SlbOrderOpen: true,
    Arrears: 0,
    PrePayQuota: 100,
    TotalBandwidthQuota: null,
    AllowedRegions: null,
    AllowedSpecs: null,
    Site: 'china',
    Currency: 'CNY',
    Balance: 1_000_000,
    AccountBook: true,
    CreditCard: 'none',
    WithholdingAgreement: 'signed',
    PaymentLimit: null,
    StoredCards: [],
    UseStoredCard: null,
    Coupons: [],
    UseCoupon: null,
    Faults: [],
  };
}

export async function getCommerceAccount(tx: Tx, id: string): Promise<CommerceAccount> {
  const stored = await tx.get<CommerceAccount>(COMMERCE_ACCOUNT, GLOBAL, id);
  return { ...defaultCommerceAccount(id), ...(stored ?? {}) };
}

export async function putCommerceAccount(tx: Tx, a: CommerceAccount): Promise<void> {
  await tx.put(COMMERCE_ACCOUNT, GLOBAL, a.AccountId, a);
}

export const money = (n: number) => Math.round(n * 100) / 100;

// -- operator patches: every field checked, nothing stored unless all are valid

const bad = (field: string, what: string): never => {
  throw new WorldError(400, 'InvalidCommerceField', `${field}: ${what}`);
};
const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const amount = (f: string, v: unknown) => (isNum(v) && v >= 0 && v <= 1e12 ? money(v) : bad(f, 'a number 0…1e12'));
const bool = (f: string, v: unknown) => (typeof v === 'boolean' ? v : bad(f, 'true or false'));
const oneOf = <T extends string>(f: string, v: unknown, values: readonly T[]): T => (values.includes(v as T) ? (v as T) : bad(f, values.join(' | ')));
const idStr = (f: string, v: unknown) => (typeof v === 'string' && /^[A-Za-z0-9._:-]{1,64}$/.test(v) ? v : bad(f, '1–64 letters, digits, ".", "_", ":", "-"'));
const currency = (f: string, v: unknown) => (typeof v === 'string' && /^[A-Z]{3}$/.test(v) ? v : bad(f, 'a three-letter currency code'));
const strList = (f: string, v: unknown) => (v === null ? null : Array.isArray(v) && v.length <= 200 && v.every((x) => typeof x === 'string' && x.length > 0 && x.length <= 64) ? (v as string[]) : bad(f, 'null or a list of strings'));

function coupons(v: unknown, cur: string): Coupon[] {
  if (!Array.isArray(v) || v.length > 100) bad('Coupons', 'a list (≤100)');
  return (v as unknown[]).map((c, i) => {
    if (typeof c !== 'object' || c === null) bad(`Coupons[${i}]`, 'an object');
    const o = c as Record<string, unknown>;
    return {
      CouponId: idStr(`Coupons[${i}].CouponId`, o['CouponId']),
      Amount: amount(`Coupons[${i}].Amount`, o['Amount']),
      Currency: o['Currency'] === undefined ? cur : currency(`Coupons[${i}].Currency`, o['Currency']),
      MinOrderAmount: o['MinOrderAmount'] === undefined ? 0 : amount(`Coupons[${i}].MinOrderAmount`, o['MinOrderAmount']),
      ...(o['ExpiresAt'] !== undefined ? { ExpiresAt: isNum(o['ExpiresAt']) ? o['ExpiresAt'] : bad(`Coupons[${i}].ExpiresAt`, 'ms since the epoch') } : {}),
    };
  });
}

function cards(v: unknown, cur: string): StoredCard[] {
  if (!Array.isArray(v) || v.length > 100) bad('StoredCards', 'a list (≤100)');
  return (v as unknown[]).map((c, i) => {
    if (typeof c !== 'object' || c === null) bad(`StoredCards[${i}]`, 'an object');
    const o = c as Record<string, unknown>;
    return {
      CardId: idStr(`StoredCards[${i}].CardId`, o['CardId']),
      Balance: amount(`StoredCards[${i}].Balance`, o['Balance']),
      Currency: o['Currency'] === undefined ? cur : currency(`StoredCards[${i}].Currency`, o['Currency']),
    };
  });
}

/** Applies an operator patch (a JSON object of CommerceAccount fields) to `a`; throws WorldError 400. */
export function patchCommerceAccount(a: CommerceAccount, b: Record<string, unknown>): CommerceAccount {
  const out: CommerceAccount = { ...a };
  const cur = b['Currency'] !== undefined ? currency('Currency', b['Currency']) : a.Currency;
  for (const [k, v] of Object.entries(b)) {
    switch (k) {
      case 'RealNameAuthenticated':
      case 'ProfileComplete':
      case 'BidUser':
      case 'RiskControl':
      case 'SlbOrderOpen':
      case 'AccountBook':
        out[k] = bool(k, v);
        break;
      case 'OrderStatus':
        out.OrderStatus = oneOf(k, v, ['normal', 'frozen'] as const);
        break;
      case 'Arrears':
      case 'Balance':
        out[k] = amount(k, v);
        break;
      case 'PrePayQuota':
        out.PrePayQuota = Number.isInteger(v) && (v as number) >= 0 && (v as number) <= 1e6 ? (v as number) : bad(k, 'an integer 0…1000000');
        break;
      case 'TotalBandwidthQuota':
        out.TotalBandwidthQuota = v === null ? null : Number.isInteger(v) && (v as number) >= 0 ? (v as number) : bad(k, 'null or an integer ≥ 0');
        break;
      case 'PaymentLimit':
        out.PaymentLimit = v === null ? null : amount(k, v);
        break;
      case 'AllowedRegions':
      case 'AllowedSpecs':
        out[k] = strList(k, v);
        break;
      case 'Site':
        out.Site = oneOf(k, v, ['china', 'intl'] as const);
        break;
      case 'Currency':
        out.Currency = cur;
        break;
      case 'CreditCard':
        out.CreditCard = oneOf(k, v, ['none', 'valid', 'invalid', 'declined'] as const);
        break;
      case 'WithholdingAgreement':
        out.WithholdingAgreement = oneOf(k, v, ['signed', 'illegal'] as const);
        break;
      case 'StoredCards':
        out.StoredCards = cards(v, cur);
        break;
      case 'Coupons':
        out.Coupons = coupons(v, cur);
        break;
      case 'UseStoredCard':
      case 'UseCoupon':
        out[k] = v === null ? null : idStr(k, v);
        break;
      case 'Faults':
        if (!Array.isArray(v)) bad(k, `a list of ${FAULTS.join(', ')}`);
        out.Faults = [...new Set((v as unknown[]).map((x) => oneOf(k, x, FAULTS)))];
        break;
      case 'AccountId':
        if (v !== a.AccountId) bad(k, 'cannot change');
        break;
      default:
        bad(k, 'unknown field');
    }
  }
  return out;
}

// -- server-wide commerce settings (GLOBAL, id 'settings')

export interface CommerceSettings {
  /** false: commerce off (everything free, PrePay without payment, no account checks) */
  Enabled: boolean;
  /** next order number */
  OrderSeq: number;
  /** commerce time = server time + this (ms): the operator moves it forward to let subscriptions expire and bills fall due */
  TimeOffsetMs: number;
}

export async function getCommerceSettings(tx: Tx): Promise<CommerceSettings> {
  const s = await tx.get<CommerceSettings>(COMMERCE_SETTINGS, GLOBAL, 'settings');
  return { Enabled: true, OrderSeq: 1, TimeOffsetMs: 0, ...(s ?? {}) };
}

export async function putCommerceSettings(tx: Tx, s: CommerceSettings): Promise<void> {
  await tx.put(COMMERCE_SETTINGS, GLOBAL, 'settings', s);
}
