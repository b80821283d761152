// The commerce world around instances (docs/commerce.md): plugs orders into the load balancer
// family, applies the operator's on/off choice and runs the sweep that locks expired subscriptions
// and instances with past-due bills.
import type { Store } from '../../../../state/store.js';
import type { Clock } from '../../../../util/clock.js';
import { getCommerceSettings, putCommerceSettings } from './account.js';
import { installCommerce, sweep } from './orders.js';

/** OPENSLB_COMMERCE=on|off, else undefined (keep what the data dir holds). */
export function commerceFromEnv(): boolean | undefined {
  const v = process.env['OPENSLB_COMMERCE']?.trim().toLowerCase();
  if (v === 'off' || v === 'false' || v === '0') return false;
  if (v === 'on' || v === 'true' || v === '1') return true;
  return undefined;
}

export async function startCommerce(store: Store, clock: Clock, enabled: boolean | undefined, sweepMs: number): Promise<{ stop(): void }> {
  installCommerce();
  if (enabled !== undefined) {
    await store.write(async (tx) => {
      const s = await getCommerceSettings(tx);
      s.Enabled = enabled;
      await putCommerceSettings(tx, s);
    });
  }
  if (!(sweepMs > 0)) return { stop() {} };
  let running = false;
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    store
      .write((tx) => sweep(tx, clock.now()))
      .catch(() => {})
      .finally(() => {
        running = false;
      });
  }, sweepMs);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
