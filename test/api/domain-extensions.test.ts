// Domain extensions (additional SNI certificates of HTTPS listeners) through both real clients:
// the Terraform alicloud_slb_domain_extension flow and every error of docs/rules-and-extensions.md.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { KINDS } from '../../src/products/slb/services/model.js';
import { dropListenerChildren, type DomainExtensionDoc } from '../../src/products/slb/services/rules.js';
import { countKind, putLb, putListener, putServerCertificate, REGION, scopeIn, setListener } from '../helpers/fixtures-rules.js';
import { rejects, startTestServer, type TestServer } from '../helpers/server.js';

type Body = Record<string, unknown>;
const plain = <T>(x: T): T => JSON.parse(JSON.stringify(x)) as T;

async function fails(fn: () => Promise<unknown>): Promise<{ code: string; message: unknown; status?: number }> {
  const e = await rejects(fn);
  return { code: e.code, message: e.data?.['Message'], status: e.statusCode };
}

async function setup(s: TestServer) {
  const lb = await putLb(s);
  const c0 = await putServerCertificate(s);
  await putListener(s, lb, 'https', 443, { ServerCertificateId: c0 });
  const c1 = await putServerCertificate(s);
  const c2 = await putServerCertificate(s);
  return { lb, c1, c2 };
}

const notFound = { code: 'InvalidParameter.DomainExtensionId', message: 'The specified DomainExtensionId does not exist.', status: 400 };

test('domain extensions', async (t) => {
  const s = await startTestServer();
  t.after(() => s.stop());

  await t.test('Terraform alicloud_slb_domain_extension: create, read, set certificate, delete, poll until gone', async () => {
    const { lb, c1, c2 } = await setup(s);
    // Go SDK typed call: POST with everything in the query (pop-core POST puts it in the body; both are read).
    const created = plain(await s.call('CreateDomainExtension', { RegionId: REGION, LoadBalancerId: lb.LoadBalancerId, ListenerPort: 443, Domain: '*.example.com', ServerCertificateId: c1 }, { method: 'POST' }));
    const id = created['DomainExtensionId'] as string;
    assert.match(id, /^de-[a-z0-9]{13}$/);
    assert.deepEqual(created, { RequestId: created['RequestId'], ListenerPort: 443, DomainExtensionId: id });

    const full = (await s.v3('DescribeDomainExtensionAttribute', { RegionId: REGION, DomainExtensionId: id })).body;
    // Certificates / ServerCertificates exist only in the v1 SDK's merged struct; the response shaper
    // adds them as empty wrappers, never with content.
    const { Certificates, ServerCertificates, ...attr } = full;
    for (const w of [Certificates, ServerCertificates]) assert.ok(w === undefined || Object.values(w as Body).every((v) => Array.isArray(v) && v.length === 0));
    assert.deepEqual(attr, { RequestId: attr['RequestId'], DomainExtensionId: id, Domain: '*.example.com', ServerCertificateId: c1, LoadBalancerId: lb.LoadBalancerId, ListenerPort: 443 });

    assert.deepEqual(Object.keys(await s.call('SetDomainExtensionAttribute', { RegionId: REGION, DomainExtensionId: id, ServerCertificateId: c2 })), ['RequestId']);
    assert.equal((await s.call('DescribeDomainExtensionAttribute', { RegionId: REGION, DomainExtensionId: id }))['ServerCertificateId'], c2);

    const list = plain(await s.call('DescribeDomainExtensions', { RegionId: REGION, LoadBalancerId: lb.LoadBalancerId, ListenerPort: 443 }));
    assert.deepEqual(list, { RequestId: list['RequestId'], DomainExtensions: { DomainExtension: [{ DomainExtensionId: id, Domain: '*.example.com', ServerCertificateId: c2 }] } });
    const filtered = (await s.v3('DescribeDomainExtensions', { RegionId: REGION, LoadBalancerId: lb.LoadBalancerId, ListenerPort: 443, DomainExtensionId: 'de-other' })).body;
    assert.deepEqual(filtered['DomainExtensions'], { DomainExtension: [] });

    await s.call('DeleteDomainExtension', { RegionId: REGION, DomainExtensionId: id }, { method: 'POST' });
    // Terraform polls DescribeDomainExtensionAttribute without sleeping until InvalidParameter.DomainExtensionId.
    assert.deepEqual(await fails(() => s.v3('DescribeDomainExtensionAttribute', { RegionId: REGION, DomainExtensionId: id })), notFound);
    assert.deepEqual(await fails(() => s.v3('DeleteDomainExtension', { RegionId: REGION, DomainExtensionId: id })), notFound);
    assert.deepEqual(await fails(() => s.v3('SetDomainExtensionAttribute', { RegionId: REGION, DomainExtensionId: id, ServerCertificateId: c1 })), notFound);
    const none = plain(await s.call('DescribeDomainExtensions', { RegionId: REGION, LoadBalancerId: lb.LoadBalancerId, ListenerPort: 443 }));
    assert.deepEqual(none['DomainExtensions'], { DomainExtension: [] });
  });

  await t.test('create errors', async () => {
    const { lb, c1 } = await setup(s);
    await putListener(s, lb, 'http', 80);
    await putListener(s, lb, 'tcp', 53);
    await putListener(s, lb, 'udp', 53);
    const create = (p: Body) => fails(() => s.v3('CreateDomainExtension', { RegionId: REGION, LoadBalancerId: lb.LoadBalancerId, ListenerPort: 443, Domain: 'a.example.com', ServerCertificateId: c1, ...p }));
    assert.deepEqual(await create({ ServerCertificateId: undefined }), { code: 'MissingParameter', message: 'The input parameter "ServerCertificateId" that is mandatory for processing this request is not supplied.', status: 400 });
    assert.deepEqual(await create({ Domain: undefined }), { code: 'MissingParameter', message: 'The input parameter "Domain" that is mandatory for processing this request is not supplied.', status: 400 });
    assert.deepEqual(await create({ ServerCertificateId: `${s.rootAccountId}_nothere_1_2` }), { code: 'InvalidParameter.ServerCertificateId', message: 'The specified ServerCertificateId does not exist.', status: 400 });
    assert.deepEqual(await create({ ListenerPort: 80 }), { code: 'UnsupportedOperationonfixedprotocalport', message: 'The operation is not supported by the protocol of the specified port.', status: 400 });
    assert.deepEqual(await create({ ListenerPort: 53 }), { code: 'TooManyListeners', message: 'More than 1 listener is found, please be more specified.', status: 400 });
    assert.deepEqual(await create({ ListenerPort: 8443 }), { code: 'ListenerNotFound', message: 'You have not created a listener for the specified port of the load balancer.', status: 404 });
    assert.deepEqual(await create({ LoadBalancerId: 'lb-nothere' }), { code: 'InvalidLoadBalancerId.NotFound', message: 'The specified LoadBalancerId does not exist.', status: 404 });
    for (const Domain of ['bad_domain', '*', 'a..b', 'a b.com']) assert.deepEqual(await create({ Domain }), { code: 'InvalidParameter', message: 'The specified parameter is not valid.', status: 400 }, Domain);
    // A certificate of another region is not there.
    const elsewhere = await putServerCertificate(s, 'cn-shanghai');
    assert.equal((await create({ ServerCertificateId: elsewhere })).code, 'InvalidParameter.ServerCertificateId');

    await s.v3('CreateDomainExtension', { RegionId: REGION, LoadBalancerId: lb.LoadBalancerId, ListenerPort: 443, Domain: 'a.example.com', ServerCertificateId: c1 });
    assert.deepEqual(await create({ Domain: 'A.Example.COM' }), { code: 'InvalidParameter.Domain', message: 'The specified Domain exists.', status: 400 });
    await s.v3('CreateDomainExtension', { RegionId: REGION, LoadBalancerId: lb.LoadBalancerId, ListenerPort: 443, Domain: 'b.example.com', ServerCertificateId: c1 });
    await s.v3('CreateDomainExtension', { RegionId: REGION, LoadBalancerId: lb.LoadBalancerId, ListenerPort: 443, Domain: 'c.example.com', ServerCertificateId: c1 });
    const before = await countKind(s, KINDS.domainExtension);
    assert.deepEqual(await create({ Domain: 'd.example.com' }), { code: 'OverQuota', message: 'The Total is over the quota.', status: 400 });
    assert.equal(await countKind(s, KINDS.domainExtension), before);
  });

  await t.test('changes in progress: DomainExtensionProcessing and listener states', async () => {
    const { lb, c1, c2 } = await setup(s);
    const id = (await s.v3('CreateDomainExtension', { RegionId: REGION, LoadBalancerId: lb.LoadBalancerId, ListenerPort: 443, Domain: 'p.example.com', ServerCertificateId: c1 })).body['DomainExtensionId'] as string;
    // An extension still being applied (its Status is set by whoever applies it).
    await s.store.write(async (tx) => {
      const d = await tx.get<DomainExtensionDoc>(KINDS.domainExtension, scopeIn(s), id);
      await tx.put(KINDS.domainExtension, scopeIn(s), id, { ...d!, Status: 'configuring' });
    });
    const processing = { code: 'DomainExtensionProcessing', message: 'A previous configuration of the DomainExtension is pending, please try again later.', status: 400 };
    assert.deepEqual(await fails(() => s.v3('SetDomainExtensionAttribute', { RegionId: REGION, DomainExtensionId: id, ServerCertificateId: c2 })), processing);
    assert.deepEqual(await fails(() => s.v3('DeleteDomainExtension', { RegionId: REGION, DomainExtensionId: id })), processing);
    assert.deepEqual(await fails(() => s.v3('CreateDomainExtension', { RegionId: REGION, LoadBalancerId: lb.LoadBalancerId, ListenerPort: 443, Domain: 'q.example.com', ServerCertificateId: c1 })), processing);
    // Reads are fine meanwhile.
    assert.equal((await s.v3('DescribeDomainExtensionAttribute', { RegionId: REGION, DomainExtensionId: id })).body['ServerCertificateId'], c1);
    await s.store.write(async (tx) => {
      const d = await tx.get<DomainExtensionDoc>(KINDS.domainExtension, scopeIn(s), id);
      await tx.put(KINDS.domainExtension, scopeIn(s), id, { ...d!, Status: 'normal' });
    });
    await setListener(s, lb, 'https', 443, { Status: 'configuring' });
    const busy = { code: 'OperationFailed.ListenerStatusNotSupport', message: 'The status of the listener does not support this operation. Please try again later.', status: 400 };
    assert.deepEqual(await fails(() => s.v3('SetDomainExtensionAttribute', { RegionId: REGION, DomainExtensionId: id, ServerCertificateId: c2 })), busy);
    assert.deepEqual(await fails(() => s.v3('CreateDomainExtension', { RegionId: REGION, LoadBalancerId: lb.LoadBalancerId, ListenerPort: 443, Domain: 'q.example.com', ServerCertificateId: c1 })), busy);
    await setListener(s, lb, 'https', 443, { Status: 'stopped' });
    await s.v3('SetDomainExtensionAttribute', { RegionId: REGION, DomainExtensionId: id, ServerCertificateId: c2 });
    assert.deepEqual(await fails(() => s.v3('SetDomainExtensionAttribute', { RegionId: REGION, DomainExtensionId: id })), { code: 'MissingParameter', message: 'The input parameter "ServerCertificateId" that is mandatory for processing this request is not supplied.', status: 400 });
    assert.deepEqual(await fails(() => s.v3('SetDomainExtensionAttribute', { RegionId: REGION, DomainExtensionId: id, ServerCertificateId: 'nothere' })), { code: 'InvalidParameter.ServerCertificateId', message: 'The specified ServerCertificateId does not exist.', status: 400 });
    await s.store.write((tx) => tx.put(KINDS.loadBalancer, scopeIn(s), lb.LoadBalancerId, { ...lb, LoadBalancerStatus: 'locked', LockReason: 'security' }));
    assert.deepEqual(await fails(() => s.v3('DeleteDomainExtension', { RegionId: REGION, DomainExtensionId: id })), { code: 'ActionNotAllowed', message: 'Locked for any Operate Reason.', status: 400 });
  });

  await t.test('deleting the HTTPS listener drops its extensions; other regions do not see them', async () => {
    const { lb, c1 } = await setup(s);
    const id = (await s.v3('CreateDomainExtension', { RegionId: REGION, LoadBalancerId: lb.LoadBalancerId, ListenerPort: 443, Domain: 'x.example.com', ServerCertificateId: c1 })).body['DomainExtensionId'] as string;
    assert.deepEqual(await fails(() => s.v3('DescribeDomainExtensionAttribute', { RegionId: 'cn-shanghai', DomainExtensionId: id })), notFound);
    assert.deepEqual(await s.store.write((tx) => dropListenerChildren(tx, scopeIn(s), lb.LoadBalancerId, 443, 'https')), { rules: 0, domainExtensions: 1 });
    assert.deepEqual(await fails(() => s.v3('DescribeDomainExtensionAttribute', { RegionId: REGION, DomainExtensionId: id })), notFound);
  });
});
