// Shared pieces: the live region, error panels, modal dialogs (focus kept inside, Escape closes,
// focus returns to where it was) and busy buttons.
import { ApiError, chineseDescription } from './api.js';
import { h, fill, uid, type Child } from './dom.js';
import { lang, t } from './i18n.js';

/** Announces `text` politely (status) in the page's live region. */
export function announce(text: string): void {
  const live = document.getElementById('live');
  if (!live) return;
  fill(live, '');
  // a fresh text node after clearing makes screen readers read it again
  requestAnimationFrame(() => fill(live, text));
}

/** An error as code, message, RequestId and the Recommend link (plus the Chinese description in zh-CN). */
export function errorPanel(e: unknown): HTMLElement {
  const box = h('div', { class: 'error', role: 'alert' });
  if (!(e instanceof ApiError)) {
    fill(box, h('strong', {}, t('error.title')), ' ', e instanceof Error ? e.message : String(e));
    return box;
  }
  const zh = h('p', { lang: 'zh-CN' });
  fill(
    box,
    h('p', {}, h('strong', {}, t('error.title')), ' ', h('code', { class: 'code' }, e.code)),
    zh,
    h('p', { lang: 'en' }, e.message),
    e.requestId ? h('p', { class: 'muted' }, t('error.requestId'), ' ', h('code', {}, e.requestId)) : null,
    e.recommend && /^https?:\/\//i.test(e.recommend) ? h('p', {}, h('a', { href: e.recommend, target: '_blank', rel: 'noopener' }, t('error.recommend'))) : null,
  );
  if (lang() === 'zh-CN') void chineseDescription(e).then((d) => fill(zh, d ?? ''));
  else zh.remove();
  return box;
}

/** A place for the latest error of a page's actions: a new one replaces it; it can be dismissed. */
export function errorSlot(): { el: HTMLElement; show(e: unknown): void } {
  const el = h('div');
  const show = (e: unknown) => {
    const panel = errorPanel(e);
    panel.append(h('button', { type: 'button', class: 'link', onclick: () => fill(el) }, t('action.dismiss')));
    fill(el, panel);
  };
  return { el, show };
}

const open = new Set<() => void>();

/** Closes every open dialog (the route changed under them). */
export function closeDialogs(): void {
  for (const close of [...open]) close();
}

export interface DialogHandle {
  close(): void;
}

/** A modal dialog; Tab cycles inside it, Escape closes it, focus goes back to the opener on close. */
export function dialog(title: string, content: Child[]): DialogHandle {
  const opener = document.activeElement as HTMLElement | null;
  const titleId = uid('dlg');
  const box = h('div', { class: 'dialog', role: 'dialog', 'aria-modal': 'true', 'aria-labelledby': titleId, tabindex: '-1' }, h('h2', { id: titleId }, title), ...content);
  const backdrop = h('div', { class: 'backdrop' }, box);
  const focusables = () => [...box.querySelectorAll<HTMLElement>('a[href],button:not([disabled]),input:not([disabled]),select:not([disabled]),textarea:not([disabled])')];
  const close = () => {
    open.delete(close);
    backdrop.remove();
    document.removeEventListener('keydown', onKey, true);
    opener?.focus();
  };
  const onKey = (ev: KeyboardEvent) => {
    if (ev.key === 'Escape') {
      ev.preventDefault();
      close();
    } else if (ev.key === 'Tab') {
      const f = focusables();
      if (!f.length) return;
      const first = f[0]!;
      const last = f[f.length - 1]!;
      if (ev.shiftKey && document.activeElement === first) {
        ev.preventDefault();
        last.focus();
      } else if (!ev.shiftKey && document.activeElement === last) {
        ev.preventDefault();
        first.focus();
      }
    }
  };
  document.addEventListener('keydown', onKey, true);
  open.add(close);
  document.body.appendChild(backdrop);
  (focusables()[0] ?? box).focus();
  return { close };
}

/**
 * A form in a dialog: `submit` runs on Enter or the primary button; an error it throws is shown in
 * the dialog (which stays open), success closes it.
 */
export function formDialog(title: string, fields: Child[], submitLabel: string, submit: (form: HTMLFormElement) => Promise<void>, danger = false): DialogHandle {
  const err = h('div', { 'aria-live': 'assertive' });
  const ok = h('button', { type: 'submit', class: danger ? 'danger' : 'primary' }, submitLabel);
  const form: HTMLFormElement = h('form', { class: 'form' }, ...fields, err, h('div', { class: 'actions' }, h('button', { type: 'button', onclick: () => d.close() }, t('action.cancel')), ok));
  const d = dialog(title, [form]);
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    void busy(ok, async () => {
      fill(err);
      try {
        await submit(form);
        d.close();
      } catch (e) {
        fill(err, errorPanel(e));
      }
    });
  });
  return d;
}

/** Asks before something that cannot be undone; runs `act` (errors shown in the dialog). */
export function confirmDialog(title: string, message: string, act: () => Promise<void>, extra: Child[] = []): DialogHandle {
  return formDialog(title, [h('p', {}, message), ...extra], t('action.delete'), act, true);
}

/** Disables `button` (aria-busy) while `fn` runs. */
export async function busy(button: HTMLButtonElement, fn: () => Promise<void>): Promise<void> {
  button.disabled = true;
  button.setAttribute('aria-busy', 'true');
  try {
    await fn();
  } finally {
    button.disabled = false;
    button.removeAttribute('aria-busy');
  }
}

/** A button; `about` names what a button in a row acts on, for screen readers ("Delete HTTP:80"). */
export const button = (label: string, onclick: (e: Event) => void, cls?: string, about?: string) =>
  h('button', { type: 'button', class: cls, onclick, 'aria-label': about ? `${label} ${about}` : undefined }, label);

export const formValue = (form: HTMLFormElement, name: string) => {
  const v = new FormData(form).get(name);
  return typeof v === 'string' ? v.trim() : '';
};
