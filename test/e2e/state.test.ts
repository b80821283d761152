// Reset and import with the data plane on (docs/state.md): running TCP listeners and an HTTPS
// listener move real traffic; an account reset closes that account's listeners only, a full reset
// closes every one before its answer, and importing the state exported before brings them back
// serving (the HTTPS listener with its certificate's private key, exported sealed).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createCA, issueLeaf } from '../../src/util/pki.js';
import { op, opOk } from '../helpers/operator.js';
import { startTestServer } from '../helpers/server.js';
import { createTenant, type Principal } from '../helpers/tenants.js';
import { accepts, ask, freePort, get, HttpBackend, IPS, listenerStatus, REGION, registerInstances, TcpBackend, waitFor } from './helpers.js';

test('data plane: reset closes running listeners, importing the exported state brings them back', async (t) => {
  const s = await startTestServer({ dataPlane: true });
  const a = new TcpBackend(IPS[0], 'a');
  const b = new TcpBackend(IPS[1], 'b');
  const web = new HttpBackend(IPS[0], 'web');
  t.after(async () => {
    await Promise.allSettled([a.stop(), b.stop(), web.stop()]);
    await s.stop();
  });
  await a.start();
  await b.start();
  await web.start();
  const [rootInstance] = await registerInstances(s, 'state');
  const tenant = await createTenant(s);
  await opOk(s, 'POST', `/world/instances?AccountId=${tenant.accountId}`, { RegionId: REGION, PrivateIpAddress: IPS[1], InstanceId: 'i-e2estatetenant' });

  /** A load balancer with one running TCP listener to `backend`; its address and port. */
  const serve = async (call: Principal['call'], instance: string, backend: TcpBackend) => {
    const lb = (await call('CreateLoadBalancer', { RegionId: REGION })) as { LoadBalancerId: string; Address: string };
    await call('AddBackendServers', { RegionId: REGION, LoadBalancerId: lb.LoadBalancerId, BackendServers: JSON.stringify([{ ServerId: instance, Weight: 100 }]) });
    const port = await freePort(lb.Address);
    await call('CreateLoadBalancerTCPListener', { RegionId: REGION, LoadBalancerId: lb.LoadBalancerId, ListenerPort: port, BackendServerPort: backend.port, Bandwidth: -1, HealthCheck: 'off' });
    await call('StartLoadBalancerListener', { RegionId: REGION, LoadBalancerId: lb.LoadBalancerId, ListenerPort: port, ListenerProtocol: 'tcp' });
    await waitFor(async () => (await ask(lb.Address, port)).name === backend.name, 10_000, `${backend.name} answers through ${lb.Address}:${port}`);
    return { id: lb.LoadBalancerId, address: lb.Address, port };
  };
  const mine = await serve((action, params) => s.call(action, params), rootInstance!, a);
  const theirs = await serve(tenant.call, 'i-e2estatetenant', b);
  assert.equal(await listenerStatus(s, mine.id, mine.port, 'tcp'), 'running');

  // an HTTPS listener whose certificate the client verifies
  const ca = createCA('state e2e CA');
  const leaf = issueLeaf(ca, ['shop.example.com']);
  const cert = (await s.call('UploadServerCertificate', { RegionId: REGION, ServerCertificate: leaf.certPem, PrivateKey: leaf.keyPem, ServerCertificateName: 'state' }, { method: 'POST' })) as { ServerCertificateId: string };
  const secure = (await s.call('CreateLoadBalancer', { RegionId: REGION })) as { LoadBalancerId: string; Address: string };
  await s.call('AddBackendServers', { RegionId: REGION, LoadBalancerId: secure.LoadBalancerId, BackendServers: JSON.stringify([{ ServerId: rootInstance, Weight: 100 }]) });
  const tlsPort = await freePort(secure.Address);
  await s.call('CreateLoadBalancerHTTPSListener', { RegionId: REGION, LoadBalancerId: secure.LoadBalancerId, ListenerPort: tlsPort, BackendServerPort: web.port, Bandwidth: -1, StickySession: 'off', HealthCheck: 'off', ServerCertificateId: cert.ServerCertificateId });
  await s.call('StartLoadBalancerListener', { RegionId: REGION, LoadBalancerId: secure.LoadBalancerId, ListenerPort: tlsPort, ListenerProtocol: 'https' });
  const url = `https://${secure.Address}:${tlsPort}/`;
  const tls = { ca: ca.certPem, servername: 'shop.example.com' };
  await waitFor(async () => (await get(url, tls)).body === 'web', 10_000, 'the HTTPS listener answers');

  const res = await fetch(`${s.url}/_openslb/state`, { headers: { authorization: `Bearer ${s.operatorToken}` } });
  const exported = await res.text();

  // one account: its listener is closed when the answer comes, the other one keeps serving
  await opOk(s, 'POST', '/reset', { AccountId: tenant.accountId });
  assert.equal(await accepts(theirs.address, theirs.port), false, "the tenant's listener is closed");
  assert.equal((await ask(mine.address, mine.port)).name, 'a');

  // everything: no listener left bound
  await opOk(s, 'POST', '/reset');
  assert.equal(await accepts(mine.address, mine.port), false, 'closed by the time reset answers');
  const dp = await opOk(s, 'GET', '/dataplane');
  assert.deepEqual(dp['Listeners'], []);
  assert.equal(await accepts(secure.Address, tlsPort), false);

  // back as they were: bound by the time import answers, running, serving
  const r = await op(s, 'PUT', '/state', exported);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.equal(await accepts(mine.address, mine.port), true, 'bound by the time import answers');
  await waitFor(async () => (await ask(mine.address, mine.port)).name === 'a', 10_000, 'a answers again');
  await waitFor(async () => (await ask(theirs.address, theirs.port)).name === 'b', 10_000, 'b answers again');
  assert.equal(await listenerStatus(s, mine.id, mine.port, 'tcp'), 'running');
  await waitFor(async () => (await get(url, tls)).body === 'web', 10_000, 'the HTTPS listener answers again');
  assert.deepEqual((await opOk(s, 'GET', '/dataplane'))['LeftOut'], [], 'the sealed private key opened');
});
