// API values as people read them: statuses and health as translated badges, tags as key=value.
import type { Json } from './api.js';
import { h } from './dom.js';
import { tValue } from './i18n.js';
import type { MessageKey } from './messages.js';

export const badge = (text: string, kind: string) => h('span', { class: `badge ${kind}` }, text);

const STATUS: Record<string, MessageKey> = {
  active: 'status.active',
  running: 'status.active',
  inactive: 'status.inactive',
  stopped: 'status.inactive',
  starting: 'status.starting',
  configuring: 'status.configuring',
  locked: 'status.locked',
};

/** A load balancer's or listener's status (an unknown one as the API says it). */
export const statusBadge = (s: string) => badge(tValue(STATUS, s), s);

const HEALTH: Record<string, MessageKey> = { normal: 'health.normal', abnormal: 'health.abnormal', unavailable: 'health.unavailable' };

/** A backend's DescribeHealthStatus answer. */
export const healthBadge = (s: string) => badge(tValue(HEALTH, s), `health-${s}`);

const ACCOUNT: Record<string, MessageKey> = { active: 'op.active', disabled: 'op.disabled' };
export const accountBadge = (s: string) => badge(tValue(ACCOUNT, s), s);

const BINDING: Record<string, MessageKey> = { bound: 'op.bound', failed: 'op.failed', closed: 'op.closed' };
/** What the data plane did with a listener's socket. */
export const bindingBadge = (s: string) => badge(tValue(BINDING, s), s);

export const tagText = (tg: Json) => `${tg.TagKey}${tg.TagValue ? `=${tg.TagValue}` : ''}`;
export const tagBadge = (tg: Json) => badge(tagText(tg), 'tag');
