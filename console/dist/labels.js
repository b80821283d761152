import { h } from './dom.js';
import { tValue } from './i18n.js';
export const badge = (text, kind) => h('span', { class: `badge ${kind}` }, text);
const STATUS = {
    active: 'status.active',
    running: 'status.active',
    inactive: 'status.inactive',
    stopped: 'status.inactive',
    starting: 'status.starting',
    configuring: 'status.configuring',
    locked: 'status.locked',
};
export const statusBadge = (s) => badge(tValue(STATUS, s), s);
const HEALTH = { normal: 'health.normal', abnormal: 'health.abnormal', unavailable: 'health.unavailable' };
export const healthBadge = (s) => badge(tValue(HEALTH, s), `health-${s}`);
const ACCOUNT = { active: 'op.active', disabled: 'op.disabled' };
export const accountBadge = (s) => badge(tValue(ACCOUNT, s), s);
const BINDING = { bound: 'op.bound', failed: 'op.failed', closed: 'op.closed' };
export const bindingBadge = (s) => badge(tValue(BINDING, s), s);
export const tagText = (tg) => `${tg.TagKey}${tg.TagValue ? `=${tg.TagValue}` : ''}`;
export const tagBadge = (tg) => badge(tagText(tg), 'tag');
