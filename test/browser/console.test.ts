// The web console in a real browser (Debian's chromium through playwright-core) against a real
// server with its data plane and two real HTTP backends, everything done through the UI: a wrong
// secret shows SignatureDoesNotMatch; sign in; create a load balancer, an HTTP listener and two
// backends; health turns normal, then abnormal for a stopped backend; the traffic chart draws
// measured requests; certificates, ACLs, server groups, HTTPS/TCP/UDP listeners, rules and domain
// extensions; Chinese (errors with the catalog's description); delete protection; delete it all.
// Hostile text renders as text; the secret stays in sessionStorage and goes on sign-out; the
// operator token opens the operator page; a RAM user meets its policy; no page logs a console
// error (other than the failed request each deliberate API error causes).
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import type { Browser, Locator, Page } from 'playwright-core';
import { createCA, issueLeaf } from '../../src/util/pki.js';
import { freePort, get, HttpBackend, IPS, REGION, registerInstances } from '../e2e/helpers.js';
import { AK, startTestServer, type TestServer } from '../helpers/server.js';
import { createSubUser } from '../helpers/tenants.js';

const CHROMIUM = process.env['OPENSLB_CHROMIUM'] ?? '/usr/bin/chromium';
const skip = existsSync(CHROMIUM) ? false : `no browser at ${CHROMIUM} (apt-get install chromium, or set OPENSLB_CHROMIUM); .ci/run installs it`;

/** Polls `cond` every 100 ms until it holds (no fixed sleeps). */
async function until(cond: () => Promise<boolean>, what: string, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('web console in chromium', { skip, timeout: 120_000 }, () => {
  let s: TestServer;
  let browser: Browser;
  let page: Page;
  let instances: string[];
  const a = new HttpBackend(IPS[0], 'a');
  const b = new HttpBackend(IPS[1], 'b');
  /** console errors; a failed request is expected only while `allowFailedRequests` is set */
  const problems: string[] = [];
  let allowFailedRequests = false;

  before(async () => {
    s = await startTestServer({ dataPlane: true });
    instances = await registerInstances(s, 'ui');
    // the default server group sends to one BackendServerPort: both backends listen on the same port
    for (let i = 0; ; i++) {
      await a.start(0);
      try {
        await b.start(a.port);
        break;
      } catch (e) {
        await a.stop();
        if (i === 5) throw e;
      }
    }
    const { chromium } = await import('playwright-core');
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
    page = await browser.newPage({ viewport: { width: 1280, height: 800 }, locale: 'en-US' });
    page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
    page.on('console', (m) => {
      if (m.type() !== 'error') return;
      if (allowFailedRequests && /^Failed to load resource: the server responded with a status of 4\d\d/.test(m.text())) return;
      problems.push(`console: ${m.text()}`);
    });
  });
  after(async () => {
    await browser?.close();
    await Promise.allSettled([a.stop(), b.stop()]);
    await s?.stop();
  });

  const section = (heading: string | RegExp) => page.locator('section', { has: page.getByRole('heading', { name: heading, exact: typeof heading === 'string' }) });
  const dialog = () => page.getByRole('dialog');
  const healthCells = (status: string) => page.locator('section', { has: page.locator('#health-h') }).getByRole('cell', { name: status, exact: true });
  const count = async (l: Locator, n: number) => (await l.count()) === n;

  test('a wrong secret shows SignatureDoesNotMatch with the error center link', async () => {
    await page.goto(`${s.url}/console?lang=en`);
    await page.getByLabel('AccessKey ID').fill(AK.id);
    await page.getByLabel('AccessKey secret').fill('not-the-secret');
    allowFailedRequests = true;
    await page.getByRole('button', { name: 'Sign in' }).click();
    const alert = page.getByRole('alert');
    await alert.getByText('SignatureDoesNotMatch').waitFor();
    allowFailedRequests = false;
    assert.match((await alert.getByRole('link').getAttribute('href'))!, /\/error-center#SignatureDoesNotMatch(~\d+)?$/);
    assert.equal(await page.evaluate(() => sessionStorage.length), 0, 'a refused pair is not kept');
  });

  test('sign in, create a load balancer, an HTTP listener and two backends; health turns normal', async () => {
    await page.getByLabel('AccessKey secret').fill(AK.secret);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: /Load balancers/ }).waitFor();
    assert.equal(await page.evaluate(() => JSON.stringify(localStorage).includes('testSecret')), false, 'the secret is not in localStorage');

    // dialogs are keyboard-usable: focus starts inside, Tab stays inside, Escape closes and gives
    // focus back to the button that opened it
    const create = page.getByRole('button', { name: 'Create load balancer' });
    await create.focus();
    await page.keyboard.press('Enter');
    await dialog().getByLabel('Name').waitFor();
    const inDialog = () => page.evaluate(() => !!document.activeElement?.closest('[role=dialog]'));
    assert.equal(await inDialog(), true);
    for (let i = 0; i < 8; i++) {
      await page.keyboard.press('Tab');
      assert.equal(await inDialog(), true, `focus left the dialog after ${i + 1} Tab presses`);
    }
    await page.keyboard.press('Escape');
    assert.equal(await dialog().count(), 0);
    assert.equal(await create.evaluate((b) => b === document.activeElement), true);

    await create.click();
    await dialog().getByLabel('Name').fill('web-console');
    await dialog().getByRole('button', { name: 'Create' }).click();
    await page.getByRole('heading', { name: 'web-console' }).waitFor();
    const lbId = decodeURIComponent(new URL(page.url()).hash.split('/')[2]!);
    const address = String(((await s.call('DescribeLoadBalancerAttribute', { RegionId: REGION, LoadBalancerId: lbId })) as { Address: string }).Address);
    const port = await freePort(address);

    await page.getByRole('button', { name: 'Add listener' }).click();
    await dialog().getByLabel('Protocol').selectOption('http');
    await dialog().getByLabel('Listener port').fill(String(port));
    await dialog().getByLabel('Backend port').fill(String(a.port));
    await dialog().getByLabel('Health check interval').fill('1');
    await dialog().getByRole('button', { name: 'Create' }).click();
    await section('Listeners').getByRole('cell', { name: String(port), exact: true }).waitFor();

    await page.getByRole('button', { name: 'Add backend servers' }).click();
    for (const id of instances) await dialog().getByRole('checkbox', { name: new RegExp(id) }).check();
    await dialog().getByRole('button', { name: 'Add', exact: true }).click();
    await section('Default server group').getByRole('cell', { name: instances[1]!, exact: true }).waitFor();

    await section('Listeners').getByRole('button', { name: 'Start' }).click();
    await section('Listeners').getByText('Running').waitFor();
    await until(() => count(healthCells('Normal'), 2), 'both backends normal');
  });

  test('the traffic chart draws measured requests of the listener', async () => {
    const lbId = decodeURIComponent(new URL(page.url()).hash.split('/')[2]!);
    const l = ((await s.call('DescribeLoadBalancerListeners', { RegionId: REGION, 'LoadBalancerId.1': lbId })) as { Listeners: { ListenerPort: number }[] }).Listeners[0]!;
    const { Address } = (await s.call('DescribeLoadBalancerAttribute', { RegionId: REGION, LoadBalancerId: lbId })) as { Address: string };
    await section('Listeners').getByRole('button', { name: 'Traffic' }).click();
    const chart = page.getByRole('figure').filter({ hasText: 'Requests per second by status class' });
    // requests keep flowing until a rate above zero is drawn (rates need two scrapes)
    await until(async () => {
      await get(`http://${Address}:${l.ListenerPort}/`);
      return /2xx: [1-9]|2xx: 0\.[0-9]*[1-9]/.test((await chart.textContent().catch(() => '')) ?? '');
    }, '2xx rate drawn', 30_000);
    assert.equal(await chart.locator('svg path').count() > 0, true);
    await section(/^Traffic of /).getByRole('button', { name: 'Close' }).click();
  });

  test('a stopped backend turns abnormal on its own (the page polls)', async () => {
    await b.stop();
    await until(() => count(healthCells('Abnormal'), 1), 'one backend abnormal');
    assert.equal(await healthCells('Normal').count(), 1);
  });

  test('names from the API are shown as text, never markup', async () => {
    const lbId = decodeURIComponent(new URL(page.url()).hash.split('/')[2]!);
    const hostile = '<img src=x onerror="document.title=1">';
    await s.call('AddTags', { RegionId: REGION, LoadBalancerId: lbId, Tags: JSON.stringify([{ TagKey: 'x', TagValue: hostile }]) });
    await page.getByRole('link', { name: /Load balancers/ }).first().click();
    await page.getByText(`x=${hostile}`).waitFor();
    assert.equal(await page.locator('main img').count(), 0);
  });

  test('certificates, ACLs, server groups, HTTPS, TCP and UDP listeners, rules and domain extensions through the UI', async () => {
    const ca = createCA();
    const leaf = issueLeaf({ certPem: ca.certPem, keyPem: ca.keyPem }, ['www.example.com']);
    await page.getByRole('link', { name: 'Certificates' }).click();
    await page.getByRole('button', { name: 'Upload certificate', exact: true }).click();
    await dialog().getByLabel('Name').fill('site');
    await dialog().getByRole('textbox', { name: 'Certificate (PEM)' }).fill(leaf.certPem);
    await dialog().getByRole('textbox', { name: 'Private key (PEM)' }).fill(leaf.keyPem);
    await dialog().getByRole('button', { name: 'Upload certificate' }).click();
    await section('Server certificates').getByRole('cell', { name: 'site', exact: true }).waitFor();

    await page.getByRole('link', { name: 'Access control' }).click();
    await page.getByRole('button', { name: 'Create ACL' }).click();
    await dialog().getByLabel('Name').fill('office');
    await dialog().getByRole('button', { name: 'Create' }).click();
    await page.getByRole('cell', { name: 'office', exact: true }).waitFor();
    await page.getByRole('button', { name: 'Add entry' }).click();
    await dialog().getByLabel('Address or CIDR block').fill('10.0.0.0/8');
    await dialog().getByRole('button', { name: 'Add', exact: true }).click();
    await page.getByText('10.0.0.0/8').waitFor();

    await page.getByRole('link', { name: 'Load balancers' }).first().click();
    await page.getByRole('link', { name: 'web-console' }).click();
    await page.getByRole('button', { name: 'Create VServer group' }).click();
    await dialog().getByLabel('Name').fill('vg');
    await dialog().getByRole('checkbox', { name: new RegExp(instances[0]!) }).check();
    await dialog().getByLabel('Port').fill(String(a.port));
    await dialog().getByRole('button', { name: 'Create' }).click();
    await section('VServer groups').getByRole('cell', { name: 'vg', exact: true }).waitFor();
    await section('VServer groups').getByText(`${instances[0]}:${a.port}`, { exact: true }).waitFor();

    await page.getByRole('button', { name: 'Create master-slave group' }).click();
    await dialog().getByLabel('Name').fill('ms');
    await dialog().getByLabel('Master server').selectOption(instances[0]!);
    await dialog().getByLabel('Slave server').selectOption(instances[1]!);
    await dialog().getByLabel('Port').fill(String(a.port));
    await dialog().getByRole('button', { name: 'Create' }).click();
    await page.getByRole('cell', { name: 'ms', exact: true }).waitFor();
    await page.getByRole('cell', { name: `${instances[0]}:${a.port} (Master server), ${instances[1]}:${a.port} (Slave server)` }).waitFor();

    const lbId = decodeURIComponent(new URL(page.url()).hash.split('/')[2]!);
    const address = String(((await s.call('DescribeLoadBalancerAttribute', { RegionId: REGION, LoadBalancerId: lbId })) as { Address: string }).Address);
    const port = await freePort(address);
    await page.getByRole('button', { name: 'Add listener' }).click();
    await dialog().getByLabel('Protocol').selectOption('https');
    await dialog().getByLabel('Listener port').fill(String(port));
    await dialog().getByLabel('Forward to').selectOption({ label: 'VServer group: vg' });
    await dialog().getByLabel('Server certificate').selectOption({ index: 1 });
    await dialog().getByLabel('Access control').selectOption({ label: 'Whitelist office' });
    await dialog().getByRole('button', { name: 'Create' }).click();
    await section('Listeners').getByRole('cell', { name: String(port), exact: true }).waitFor();
    await section('Listeners').getByRole('cell', { name: /^Whitelist: acl-/ }).waitFor();

    const msGroupId = ((await s.call('DescribeMasterSlaveServerGroups', { RegionId: REGION, LoadBalancerId: lbId })) as { MasterSlaveServerGroups: { MasterSlaveServerGroup: { MasterSlaveServerGroupId: string }[] } })
      .MasterSlaveServerGroups.MasterSlaveServerGroup[0]!.MasterSlaveServerGroupId;
    // TCP to the master-slave group, UDP to the default group
    for (const [protocol, group] of [['tcp', 'Master-slave group: ms'], ['udp', 'Default server group']] as const) {
      const p = await freePort(address);
      await page.getByRole('button', { name: 'Add listener' }).click();
      await dialog().getByLabel('Protocol').selectOption(protocol);
      await dialog().getByLabel('Listener port').fill(String(p));
      await dialog().getByLabel('Forward to').selectOption({ label: group });
      await dialog().getByLabel('Backend port').fill(String(a.port));
      await dialog().getByRole('button', { name: 'Create' }).click();
      const row = section('Listeners').getByRole('row', { name: new RegExp(`${protocol.toUpperCase()} ${p}`) });
      await row.waitFor();
      if (protocol === 'tcp') await row.getByRole('cell', { name: msGroupId, exact: true }).waitFor();
      await row.getByRole('button', { name: 'Edit' }).click();
      await dialog().getByLabel('Description').fill(`${protocol} edited`);
      await dialog().getByRole('button', { name: 'Save' }).click();
      await row.getByRole('cell', { name: `${protocol} edited`, exact: true }).waitFor();
    }

    const https = section('Listeners').getByRole('row', { name: new RegExp(`HTTPS ${port}`) });
    const certId = ((await s.call('DescribeServerCertificates', { RegionId: REGION })) as { ServerCertificates: { ServerCertificate: { ServerCertificateId: string }[] } }).ServerCertificates.ServerCertificate[0]!.ServerCertificateId;
    await https.getByRole('cell', { name: certId, exact: true }).waitFor();
    await https.getByRole('button', { name: 'Edit' }).click();
    await dialog().getByLabel('Description').fill('<b>edited</b>');
    await dialog().getByRole('button', { name: 'Save' }).click();
    await https.getByRole('cell', { name: '<b>edited</b>', exact: true }).waitFor();

    await page.getByRole('button', { name: 'Add forwarding rule' }).click();
    await dialog().getByLabel('Listener').selectOption({ label: `HTTPS:${port}` });
    await dialog().getByLabel('Name').fill('images');
    await dialog().getByLabel('Domain').fill('www.example.com');
    await dialog().getByLabel('URL').fill('/img');
    await dialog().getByRole('button', { name: 'Create' }).click();
    await section('Forwarding rules').getByRole('cell', { name: '/img', exact: true }).waitFor();

    await page.getByRole('button', { name: 'Add domain extension' }).click();
    await dialog().getByLabel('Domain').fill('*.example.com');
    await dialog().getByRole('button', { name: 'Create' }).click();
    await section('Domain extensions').getByRole('cell', { name: '*.example.com', exact: true }).waitFor();
  });

  test('switching to Chinese relabels the page, health and errors included', async () => {
    await page.getByRole('button', { name: '中文' }).click();
    await page.getByRole('heading', { name: '监听' }).waitFor();
    await until(() => count(healthCells('异常'), 1), 'abnormal in Chinese');
    assert.equal(await page.evaluate(() => document.documentElement.lang), 'zh-CN');
    assert.match(page.url(), /[?&]lang=zh-CN/);
  });

  test('delete everything through the UI, with confirmations', async () => {
    const listeners = section('监听');
    for (let left = 4; left > 0; left--) {
      await listeners.getByRole('button', { name: '删除' }).first().click();
      await dialog().getByRole('button', { name: '删除' }).click();
      await until(() => count(listeners.getByRole('button', { name: '删除' }), left - 1), 'listener deleted');
    }
    await listeners.getByText('还没有监听。').waitFor();
    for (let left = 2; left > 0; left--) {
      await section('默认服务器组').getByRole('button', { name: '移除' }).first().click();
      await dialog().getByRole('button', { name: '删除' }).click();
      await until(() => count(section('默认服务器组').getByRole('button', { name: '移除' }), left - 1), 'backend removed');
    }
    // delete protection: the delete dialog says so and offers to turn it off
    await page.getByRole('button', { name: '开启' }).click();
    await page.getByText('删除保护已开启。', { exact: false }).first().waitFor({ state: 'attached' });
    await page.locator('main').getByRole('button', { name: '删除', exact: true }).first().click();
    await dialog().getByText('开启了删除保护').waitFor();
    // trying anyway shows the API's error with the catalog's Chinese description
    allowFailedRequests = true;
    await dialog().getByRole('button', { name: '删除', exact: true }).click();
    await dialog().getByRole('alert').getByText('OperationDenied.DeleteProtectionIsOn').waitFor();
    await dialog().getByText('该负载均衡实例已开启删除保护，不能删除。').waitFor();
    allowFailedRequests = false;
    await dialog().getByRole('button', { name: '关闭删除保护' }).click();
    await dialog().getByText('删除保护已关闭。').waitFor();
    await dialog().getByRole('button', { name: '删除', exact: true }).click();
    await page.getByText('当前地域还没有负载均衡实例。').waitFor();
  });

  test('the ACL and the certificate are deleted; sign-out drops the secret; the operator token signs in', async () => {
    await page.getByRole('link', { name: '访问控制' }).click();
    await page.getByRole('cell', { name: 'office', exact: true }).waitFor();
    await page.getByRole('button', { name: '删除' }).click();
    await dialog().getByRole('button', { name: '删除' }).click();
    await page.getByText('还没有访问控制策略组。').waitFor();
    await page.getByRole('link', { name: '证书管理' }).click();
    await section('服务器证书').getByRole('button', { name: '删除' }).click();
    await dialog().getByRole('button', { name: '删除' }).click();
    await section('服务器证书').getByText('还没有证书。').waitFor();
    await page.getByRole('button', { name: 'English' }).click();
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('tab', { name: 'Operator token' }).waitFor();
    assert.equal(await page.evaluate(() => sessionStorage.length), 0);
    await page.getByRole('tab', { name: 'Operator token' }).click();
    await page.getByRole('textbox', { name: 'Operator token' }).fill(s.operatorToken);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await section('Accounts').getByText(s.rootAccountId).waitFor();
    await section('Data plane').getByText(/^Snapshot \d+/).waitFor();
  });

  test('a RAM user signs in and meets its policy: listing allowed, creating refused with Forbidden', async () => {
    const user = await createSubUser(s, s.rootAccountId, 'console-reader', [{ Version: '1', Statement: [{ Effect: 'Allow', Action: 'slb:DescribeLoadBalancers', Resource: '*' }] }]);
    const p = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    try {
      p.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
      await p.goto(`${s.url}/console/?lang=en`);
      await p.getByLabel('AccessKey ID').fill(user.id);
      await p.getByLabel('AccessKey secret').fill(user.secret);
      await p.getByRole('button', { name: 'Sign in' }).click();
      await p.getByText('No load balancers here yet.').waitFor();
      await p.getByRole('button', { name: 'Create load balancer' }).click();
      await p.getByRole('dialog').getByRole('button', { name: 'Create' }).click();
      await p.getByRole('dialog').getByRole('alert').getByText('Forbidden', { exact: true }).waitFor();
    } finally {
      await p.close();
    }
  });

  test('a narrow screen (375 px) needs no sideways scrolling of the page', async () => {
    const narrow = await browser.newPage({ viewport: { width: 375, height: 700 } });
    try {
      narrow.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
      await narrow.goto(`${s.url}/console/?lang=en`);
      await narrow.getByLabel('AccessKey ID').fill(AK.id);
      await narrow.getByLabel('AccessKey secret').fill(AK.secret);
      await narrow.getByRole('button', { name: 'Sign in' }).click();
      await narrow.getByRole('heading', { name: /Load balancers/ }).waitFor();
      assert.ok(await narrow.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth), 'no horizontal overflow');
    } finally {
      await narrow.close();
    }
  });

  test('no console errors on any page', () => {
    assert.deepEqual(problems, []);
  });
});
