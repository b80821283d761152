// The servers a backend form offers: the region's ECS instances (through the ECS API, so RAM
// applies), plus ids typed in by hand for ENIs, ECIs or when ECS listing is not allowed.
import { callAll, ECS, type Json } from '../api.js';
import { field, h } from '../dom.js';
import { t } from '../i18n.js';
import { region } from '../region.js';

export async function regionInstances(): Promise<Json[]> {
  try {
    return await callAll<Json>('DescribeInstances', { RegionId: region() }, (r) => r.Instances?.Instance ?? [], ECS);
  } catch {
    // without ECS rights the ids can still be typed in
    return [];
  }
}

const ipOf = (i: Json): string => i.VpcAttributes?.PrivateIpAddress?.IpAddress?.[0] ?? i.InnerIpAddress?.IpAddress?.[0] ?? '';

/** Checkboxes named `ServerId` for the instances not in `taken`, and a free-text `OtherIds` field. */
export function serverPicker(instances: Json[], taken: Set<string>): HTMLElement[] {
  const free = instances.filter((i) => !taken.has(i.InstanceId));
  const checks = free.map((i) => h('label', { class: 'check' }, h('input', { type: 'checkbox', name: 'ServerId', value: i.InstanceId }), ' ', h('code', {}, i.InstanceId), ` ${i.InstanceName ?? ''} ${ipOf(i)}`));
  return [
    checks.length ? h('fieldset', {}, h('legend', {}, t('backend.instances')), ...checks) : h('p', { class: 'muted' }, t('backend.noInstances')),
    field(t('backend.otherIds'), h('input', { name: 'OtherIds', spellcheck: 'false' }), t('backend.otherIdsHint')),
  ];
}

/** The server ids a picker's form holds (checked and typed); an error when there are none. */
export function pickedServers(form: HTMLFormElement): string[] {
  const d = new FormData(form);
  const typed = String(d.get('OtherIds') ?? '')
    .split(/[\s,]+/)
    .filter(Boolean);
  const ids = [...new Set([...d.getAll('ServerId').map(String), ...typed])];
  if (!ids.length) throw new Error(t('backend.chooseOne'));
  return ids;
}
