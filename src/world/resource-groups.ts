// The account's default resource group. Every account has one; resources created without a
// ResourceGroupId belong to it (the real service answers `rg-acfm…` ids). Derived from the account
// id so that every family and every restart agree on it without storing anything.
import { createHash } from 'node:crypto';

export function defaultResourceGroupId(accountId: string): string {
  return `rg-acfm${createHash('sha256').update(`default-rg:${accountId}`).digest('hex').slice(0, 11)}`;
}
