// A listener's traffic, live: /metrics scraped every few seconds, rates between scrapes drawn as small
// SVG line charts. Only measured numbers are drawn; without series the panel says so.
import { metricsText } from '../api.js';
import { fill, h } from '../dom.js';
import { t } from '../i18n.js';
import { parsePrometheus, pointOf, ratesBetween, type Point, type Rates } from '../metrics.js';
import type { Cleanup } from '../router.js';

const SCRAPE_MS = 2000;
const KEEP = 40;
const SVG = 'http://www.w3.org/2000/svg';
const CLASSES = ['2xx', '3xx', '4xx', '5xx', '1xx'];

function svg(tag: string, attrs: Record<string, string | number>): SVGElement {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  return el;
}

const fmt = (v: number) => (v >= 1e6 ? `${(v / 1e6).toFixed(1)}M` : v >= 1e3 ? `${(v / 1e3).toFixed(1)}k` : v >= 10 || Number.isInteger(v) ? v.toFixed(0) : v.toFixed(2));

/** A line chart of one or more series over the kept points, newest at the right (null values leave gaps). */
function chart(title: string, unit: string, series: { label: string; cls: string; values: (number | null)[] }[]): HTMLElement {
  const W = 300;
  const H = 90;
  const all = series.flatMap((s) => s.values.filter((v): v is number => v !== null));
  const max = Math.max(1e-9, ...all);
  const box = svg('svg', { viewBox: `0 0 ${W} ${H}`, class: 'chart', role: 'img', 'aria-label': title });
  box.append(svg('line', { x1: 0, y1: H - 0.5, x2: W, y2: H - 0.5, class: 'axis' }));
  for (const s of series) {
    const n = s.values.length;
    let d = '';
    s.values.forEach((v, i) => {
      if (v === null) return;
      const x = W - ((n - 1 - i) / (KEEP - 1)) * W;
      const y = H - 4 - (v / max) * (H - 8);
      d += `${d && s.values[i - 1] !== null ? 'L' : 'M'}${x.toFixed(1)},${y.toFixed(1)}`;
    });
    if (d) box.append(svg('path', { d, class: `line ${s.cls}` }));
  }
  const last = series.map((s) => {
    const v = [...s.values].reverse().find((x) => x !== null);
    return h('span', { class: `legend ${s.cls}` }, `${s.label}: ${v === undefined || v === null ? '–' : fmt(v)}${unit}`);
  });
  return h('figure', { class: 'chart-box' }, h('figcaption', {}, title), box, h('div', { class: 'legends' }, ...last));
}

export function trafficPanel(el: HTMLElement, lbId: string, protocol: string, port: number, onClose: () => void): Cleanup {
  let prev: Point | undefined;
  const rates: Rates[] = [];
  let timer: ReturnType<typeof setTimeout> | undefined;
  let alive = true;
  const body = h('div', { class: 'charts' });
  const stop = () => {
    alive = false;
    clearTimeout(timer);
  };
  // focus moves to the panel, and back to what opened it on close
  const opener = document.activeElement as HTMLElement | null;
  const close = h('button', {
    type: 'button',
    onclick: () => {
      stop();
      onClose();
      if (opener?.isConnected) opener.focus();
    },
  }, t('action.close'));
  const heading = h('h2', { tabindex: '-1' }, t('traffic.title', { listener: `${protocol.toUpperCase()}:${port}` }));
  fill(el, h('div', { class: 'page-head' }, heading, close), body);
  fill(body, h('p', { class: 'muted' }, t('traffic.waiting')));
  heading.focus();

  const draw = () => {
    const col = (pick: (r: Rates) => number | null) => rates.map(pick);
    const l7 = protocol === 'http' || protocol === 'https';
    fill(
      body,
      chart(t('traffic.connections'), '', [
        { label: t('traffic.active'), cls: 's1', values: col((r) => r.active) },
        { label: t('traffic.newPerSecond'), cls: 's2', values: col((r) => r.newConnections) },
      ]),
      l7 ? chart(t('traffic.requests'), '/s', CLASSES.map((c, i) => ({ label: c, cls: `s${i + 1}`, values: col((r) => r.byClass[c] ?? 0) }))) : null,
      chart(t('traffic.bytes'), ' B/s', [
        { label: t('traffic.in'), cls: 's1', values: col((r) => r.bytesIn) },
        { label: t('traffic.out'), cls: 's2', values: col((r) => r.bytesOut) },
      ]),
      l7 ? chart(t('traffic.latency'), ' ms', [{ label: t('traffic.mean'), cls: 's1', values: col((r) => r.latencyMs) }]) : null,
    );
  };

  const scrape = async () => {
    if (!alive) return;
    if (document.visibilityState === 'visible') {
      const text = await metricsText().catch(() => undefined);
      const point = text === undefined ? undefined : pointOf(parsePrometheus(text), { lbId, protocol, port }, Date.now());
      if (!point) {
        prev = undefined;
        rates.length = 0;
        fill(body, h('p', { class: 'empty' }, t(text === undefined ? 'traffic.noMetrics' : 'traffic.noSeries')));
      } else {
        if (prev) {
          rates.push(ratesBetween(prev, point));
          if (rates.length > KEEP) rates.shift();
          draw();
        }
        prev = point;
      }
    }
    if (alive) timer = setTimeout(() => void scrape(), SCRAPE_MS);
  };
  void scrape();
  return stop;
}
