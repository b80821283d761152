// npm run console:screenshots: the README's pictures of the web console (docs/images/console-*.png),
// in English and Chinese. Starts a throwaway server with its data plane and two real HTTP backends,
// creates a few load balancers through the public API (signed by the console's own signer), sends
// real traffic, and photographs the pages in Debian's chromium (fonts-noto-cjk for the Chinese).
import http from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Page } from 'playwright-core';
import { formBody, signV3 } from '../console/src/sign.ts';
import { startServer } from '../src/server.ts';

const CHROMIUM = process.env['OPENSLB_CHROMIUM'] ?? '/usr/bin/chromium';
const OUT = new URL('../docs/images/', import.meta.url).pathname;
const REGION = 'cn-hangzhou';
const KEY = { accessKeyId: 'LTAIconsoleScreenshots1', accessKeySecret: 'console-screenshots-secret' };

const dataDir = mkdtempSync(join(tmpdir(), 'openslb-shots-'));
const server = await startServer({ listen: { host: '127.0.0.1', port: 0 }, dataDir, accessKey: { id: KEY.accessKeyId, secret: KEY.accessKeySecret }, dataPlane: true, logLevel: 'silent' });
const backends: http.Server[] = [];

async function api(action: string, params: Record<string, string | number> = {}): Promise<Record<string, any>> {
  const body = formBody(Object.fromEntries(Object.entries(params).map(([k, v]) => [k, String(v)])));
  const headers = await signV3({ method: 'POST', host: new URL(server.url).host, action, version: '2014-05-15', body }, KEY);
  const res = await fetch(`${server.url}/`, { method: 'POST', headers, body });
  const json = (await res.json()) as Record<string, any>;
  if (!res.ok) throw new Error(`${action}: ${json['Code']} ${json['Message']}`);
  return json;
}

async function backend(ip: string, port: number, name: string): Promise<http.Server> {
  const s = http.createServer((_req, res) => res.end(`${name}\n`));
  await new Promise<void>((resolve, reject) => s.once('error', reject).listen(port, ip, () => resolve()));
  backends.push(s);
  return s;
}

async function freePort(host: string): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, host, () => r()));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

async function until(cond: () => Promise<boolean>, what: string, ms = 30_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

try {
  // -- demo data: two instances with real backends, three load balancers --
  const web1 = await backend('127.0.0.2', 0, 'web1');
  const port = (web1.address() as net.AddressInfo).port;
  const web2 = await backend('127.0.0.3', port, 'web2');
  for (const [id, ip, name] of [['i-web1', '127.0.0.2', 'web-1'], ['i-web2', '127.0.0.3', 'web-2']]) {
    const res = await fetch(`${server.url}/_openslb/world/instances`, {
      method: 'POST',
      headers: { authorization: `Bearer ${server.operatorToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ RegionId: REGION, InstanceId: id, PrivateIpAddress: ip, InstanceName: name }),
    });
    if (!res.ok) throw new Error(`instance ${id}: ${res.status} ${await res.text()}`);
  }
  const shop = await api('CreateLoadBalancer', { RegionId: REGION, LoadBalancerName: 'shop-frontend', LoadBalancerSpec: 'slb.s2.small' });
  await api('AddTags', { RegionId: REGION, LoadBalancerId: shop['LoadBalancerId'], Tags: JSON.stringify([{ TagKey: 'env', TagValue: 'prod' }, { TagKey: 'team', TagValue: 'web' }]) });
  const internal = await api('CreateLoadBalancer', { RegionId: REGION, LoadBalancerName: 'api-internal', AddressType: 'intranet' });
  await api('AddTags', { RegionId: REGION, LoadBalancerId: internal['LoadBalancerId'], Tags: JSON.stringify([{ TagKey: 'env', TagValue: 'staging' }]) });
  await api('CreateLoadBalancerTCPListener', { RegionId: REGION, LoadBalancerId: internal['LoadBalancerId'], ListenerPort: await freePort(internal['Address']), BackendServerPort: port, Bandwidth: -1 });
  const batch = await api('CreateLoadBalancer', { RegionId: REGION, LoadBalancerName: 'batch-workers' });
  await api('SetLoadBalancerStatus', { RegionId: REGION, LoadBalancerId: batch['LoadBalancerId'], LoadBalancerStatus: 'inactive' });

  const lbId = String(shop['LoadBalancerId']);
  const listenerPort = await freePort(shop['Address']);
  await api('AddBackendServers', { RegionId: REGION, LoadBalancerId: lbId, BackendServers: JSON.stringify([{ ServerId: 'i-web1', Weight: 100 }, { ServerId: 'i-web2', Weight: 100 }]) });
  await api('CreateLoadBalancerHTTPListener', {
    RegionId: REGION, LoadBalancerId: lbId, ListenerPort: listenerPort, BackendServerPort: port, Bandwidth: -1, HealthCheck: 'on', StickySession: 'off',
    HealthCheckInterval: 1, HealthyThreshold: 2, UnhealthyThreshold: 2, HealthCheckTimeout: 1, Description: 'storefront',
  });
  await api('StartLoadBalancerListener', { RegionId: REGION, LoadBalancerId: lbId, ListenerPort: listenerPort, ListenerProtocol: 'http' });
  const health = async () => ((await api('DescribeHealthStatus', { RegionId: REGION, LoadBalancerId: lbId }))['BackendServers'].BackendServer as { ServerHealthStatus: string }[]).map((b) => b.ServerHealthStatus);
  await until(async () => (await health()).filter((h) => h === 'normal').length === 2, 'both backends normal');
  // one backend down, so the health view has something to say
  web2.closeAllConnections();
  await new Promise<void>((r) => web2.close(() => r()));
  backends.splice(backends.indexOf(web2), 1);
  await until(async () => (await health()).includes('abnormal'), 'web-2 abnormal');

  // steady traffic for the charts: a few requests every 100 ms, some of them 404s
  let n = 0;
  const load = setInterval(() => {
    for (let i = 0; i < 4; i++) void fetch(`http://${shop['Address']}:${listenerPort}/${++n % 5 === 0 ? 'missing' : ''}`).then((r) => r.arrayBuffer()).catch(() => undefined);
  }, 100);

  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  try {
    for (const lang of ['en', 'zh-CN'] as const) {
      const suffix = lang === 'en' ? 'en' : 'zh';
      const page = await browser.newPage({ viewport: { width: 1280, height: 800 }, locale: lang });
      const shot = (name: string, p: Page = page) => p.screenshot({ path: join(OUT, `console-${name}-${suffix}.png`) });
      await page.goto(`${server.url}/console/?lang=${lang}`);
      await page.locator('input[name=accessKeyId]').fill(KEY.accessKeyId);
      await page.locator('input[name=accessKeySecret]').fill('wrong-secret');
      await page.locator('form#panel-key button[type=submit]').click();
      await page.getByText('SignatureDoesNotMatch').waitFor();
      await shot('signin');
      await page.locator('input[name=accessKeySecret]').fill(KEY.accessKeySecret);
      await page.locator('form#panel-key button[type=submit]').click();
      await page.getByText('batch-workers').waitFor();
      await shot('list');
      await page.getByRole('link', { name: 'shop-frontend' }).click();
      await page.locator('.badge.health-abnormal').waitFor();
      await page.locator('#health-h').scrollIntoViewIfNeeded();
      await page.evaluate(() => window.scrollTo(0, 0));
      await shot('lb');
      await page.locator('section', { has: page.locator('h2', { hasText: /^(Listeners|监听)$/ }) }).getByRole('button', { name: /^(Traffic|流量) / }).click();
      await page.locator('svg.chart path').first().waitFor({ state: 'attached', timeout: 20_000 });
      // a few more scrapes so the lines have a shape
      await page.waitForFunction(() => document.querySelectorAll('svg.chart path').length >= 4 && (document.querySelector('svg.chart path')?.getAttribute('d')?.split('L').length ?? 0) >= 8, undefined, { timeout: 30_000 });
      await page.locator('.charts').scrollIntoViewIfNeeded();
      await shot('traffic');
      if (lang === 'en') {
        const narrow = await browser.newPage({ viewport: { width: 375, height: 760 }, locale: lang });
        await narrow.goto(`${server.url}/console/?lang=en`);
        await narrow.locator('input[name=accessKeyId]').fill(KEY.accessKeyId);
        await narrow.locator('input[name=accessKeySecret]').fill(KEY.accessKeySecret);
        await narrow.locator('form#panel-key button[type=submit]').click();
        await narrow.getByRole('link', { name: 'shop-frontend' }).click();
        await narrow.locator('.badge.health-abnormal').waitFor();
        await shot('narrow', narrow);
        await narrow.close();
      }
      await page.close();
    }
  } finally {
    clearInterval(load);
    await browser.close();
  }
  console.log(`screenshots written to ${OUT}`);
} finally {
  for (const b of backends) {
    b.closeAllConnections();
    b.close();
  }
  await server.close();
  rmSync(dataDir, { recursive: true, force: true });
}
