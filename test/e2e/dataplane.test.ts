// The issue's "done when", end to end: a real server (startServer with the data plane on), a
// real client (pop-core) creating a load balancer and listeners, and real traffic to the reported
// Address:port reaching backends registered in the world inventory on 127.0.0.2 and 127.0.0.3.
// A stopped backend is taken out within the health-check window (DescribeHealthStatus: abnormal)
// and comes back when restarted. Stop / inactive / delete close the socket.
import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, describe, test } from 'node:test';
import { createCA, issueLeaf } from '../../src/util/pki.js';
import { opOk } from '../helpers/operator.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import {
  accepts,
  ask,
  freePort,
  get,
  healthOf,
  HttpBackend,
  IPS,
  listenerStatus,
  REGION,
  registerInstances,
  tallyHttp,
  TcpBackend,
  udpAsk,
  UdpBackend,
  waitFor,
} from './helpers.js';

// Health checks: 1 s interval, 2 failures → abnormal, 2 successes → normal (the API's minimums).
const HEALTH = { HealthCheckInterval: 1, HealthyThreshold: 2, UnhealthyThreshold: 2 };
// interval × threshold + timeout + slack on a busy machine
const WINDOW_MS = 15_000;

let s: TestServer;
let instances: string[];

before(async () => {
  s = await startTestServer({ dataPlane: true });
  instances = await registerInstances(s, 'dp');
});
after(async () => {
  await s?.stop();
});

async function newLb(name: string): Promise<{ id: string; address: string }> {
  const r = (await s.call('CreateLoadBalancer', { RegionId: REGION, LoadBalancerName: name })) as { LoadBalancerId: string; Address: string };
  return { id: r.LoadBalancerId, address: r.Address };
}

async function addBackends(lbId: string) {
  await s.call('AddBackendServers', { RegionId: REGION, LoadBalancerId: lbId, BackendServers: JSON.stringify(instances.map((id) => ({ ServerId: id, Weight: 100 }))) });
}

/** Starts a listener and waits until the API shows it running (the data plane reported the bind). */
async function start(lbId: string, port: number, protocol: 'tcp' | 'udp' | 'http' | 'https') {
  await s.call('StartLoadBalancerListener', { RegionId: REGION, LoadBalancerId: lbId, ListenerPort: port, ListenerProtocol: protocol });
  await waitFor(async () => (await listenerStatus(s, lbId, port, protocol)) === 'running', 10_000, `${protocol}:${port} running`);
}

const byServer = (h: Record<string, string>, i: number) => h[instances[i]!];

describe('TCP listener', () => {
  const a = new TcpBackend(IPS[0], 'a');
  const b = new TcpBackend(IPS[1], 'b');
  after(async () => {
    await Promise.allSettled([a.stop(), b.stop()]);
  });

  test('reaches both backends; a stopped backend is taken out and comes back', async () => {
    await a.start();
    await b.start(a.port).catch(() => b.start(0));
    // The default server group sends to BackendServerPort on every member: both listen on a.port
    // when the port is free on 127.0.0.3 (it almost always is); otherwise use a vServer group.
    const lb = await newLb('e2e-tcp');
    await addBackends(lb.id);
    const port = await freePort(lb.address);
    const sameport = a.port === b.port;
    if (sameport) {
      await s.call('CreateLoadBalancerTCPListener', { RegionId: REGION, LoadBalancerId: lb.id, ListenerPort: port, BackendServerPort: a.port, Bandwidth: -1, ...HEALTH, HealthCheckConnectTimeout: 1 });
    } else {
      const g = (await s.call('CreateVServerGroup', {
        RegionId: REGION, LoadBalancerId: lb.id, VServerGroupName: 'tcp',
        BackendServers: JSON.stringify([{ ServerId: instances[0], Port: a.port, Weight: 100 }, { ServerId: instances[1], Port: b.port, Weight: 100 }]),
      })) as { VServerGroupId: string };
      await s.call('CreateLoadBalancerTCPListener', { RegionId: REGION, LoadBalancerId: lb.id, ListenerPort: port, VServerGroupId: g.VServerGroupId, Bandwidth: -1, ...HEALTH, HealthCheckConnectTimeout: 1 });
    }
    assert.equal(await listenerStatus(s, lb.id, port, 'tcp'), 'stopped');
    assert.equal(await accepts(lb.address, port), false, 'a stopped listener binds nothing');
    await start(lb.id, port, 'tcp');
    const seen = new Set<string>();
    await waitFor(async () => {
      const r = await ask(lb.address, port);
      if (r.name) seen.add(r.name);
      return seen.size === 2;
    }, 10_000, 'both TCP backends answer');

    await waitFor(async () => Object.values(await healthOf(s, lb.id, port, 'tcp')).every((x) => x === 'normal'), WINDOW_MS, 'both normal');
    await a.stop();
    const took = await waitFor(async () => byServer(await healthOf(s, lb.id, port, 'tcp'), 0) === 'abnormal', WINDOW_MS, 'a abnormal');
    assert.ok(took < WINDOW_MS);
    assert.equal(byServer(await healthOf(s, lb.id, port, 'tcp'), 1), 'normal');
    for (let i = 0; i < 10; i++) assert.equal((await ask(lb.address, port)).name, 'b', 'all traffic on b');

    await a.start();
    await waitFor(async () => byServer(await healthOf(s, lb.id, port, 'tcp'), 0) === 'normal', WINDOW_MS, 'a normal again');
    seen.clear();
    await waitFor(async () => {
      const r = await ask(lb.address, port);
      if (r.name) seen.add(r.name);
      return seen.size === 2;
    }, 10_000, 'both TCP backends answer again');

    // Stop → socket closed, status stopped
    await s.call('StopLoadBalancerListener', { RegionId: REGION, LoadBalancerId: lb.id, ListenerPort: port, ListenerProtocol: 'tcp' });
    await waitFor(async () => (await listenerStatus(s, lb.id, port, 'tcp')) === 'stopped', 10_000, 'stopped');
    assert.equal(await accepts(lb.address, port), false, 'stopped listener refuses');
    assert.equal(byServer(await healthOf(s, lb.id, port, 'tcp'), 0), 'unavailable');
    // Start again; LB inactive → closed; active → bound again
    await start(lb.id, port, 'tcp');
    assert.equal(await accepts(lb.address, port), true);
    await s.call('SetLoadBalancerStatus', { RegionId: REGION, LoadBalancerId: lb.id, LoadBalancerStatus: 'inactive' });
    await s.dataPlane!.settle();
    assert.equal(await accepts(lb.address, port), false, 'inactive LB refuses');
    await s.call('SetLoadBalancerStatus', { RegionId: REGION, LoadBalancerId: lb.id, LoadBalancerStatus: 'active' });
    await s.dataPlane!.settle();
    assert.equal(await accepts(lb.address, port), true, 'active again');
    // locked (overdue bill or security) → closed; unlocked → bound again
    await opOk(s, 'PUT', `/load-balancers/${lb.id}/lock`, { Locked: true, Reason: 'financial' });
    await s.dataPlane!.settle();
    assert.equal(await accepts(lb.address, port), false, 'locked LB refuses');
    await opOk(s, 'PUT', `/load-balancers/${lb.id}/lock`, { Locked: false });
    await s.dataPlane!.settle();
    assert.equal(await accepts(lb.address, port), true, 'unlocked');
    // Delete → closed
    await s.call('DeleteLoadBalancer', { RegionId: REGION, LoadBalancerId: lb.id });
    await s.dataPlane!.settle();
    assert.equal(await accepts(lb.address, port), false, 'deleted LB refuses');
  });
});

describe('UDP listener', () => {
  const a = new UdpBackend(IPS[0], 'a');
  const b = new UdpBackend(IPS[1], 'b');
  after(async () => {
    await Promise.allSettled([a.stop(), b.stop()]);
  });

  test('echo through both backends; a stopped backend is taken out and comes back', async () => {
    await a.start();
    await b.start();
    const lb = await newLb('e2e-udp');
    const g = (await s.call('CreateVServerGroup', {
      RegionId: REGION, LoadBalancerId: lb.id, VServerGroupName: 'udp',
      BackendServers: JSON.stringify([{ ServerId: instances[0], Port: a.port, Weight: 100 }, { ServerId: instances[1], Port: b.port, Weight: 100 }]),
    })) as { VServerGroupId: string };
    const port = await freePort(lb.address, 'udp');
    await s.call('CreateLoadBalancerUDPListener', {
      RegionId: REGION, LoadBalancerId: lb.id, ListenerPort: port, VServerGroupId: g.VServerGroupId, Bandwidth: -1,
      ...HEALTH, HealthCheckConnectTimeout: 1, healthCheckReq: 'ping', healthCheckExp: 'pong',
    });
    await start(lb.id, port, 'udp');
    // each new client port is a new flow, scheduled anew
    const seen = new Set<string>();
    await waitFor(async () => {
      const r = await udpAsk(lb.address, port, 'hello');
      if (r) seen.add(r);
      return seen.has('a:hello') && seen.has('b:hello');
    }, 10_000, 'both UDP backends echo');
    await waitFor(async () => Object.values(await healthOf(s, lb.id, port, 'udp')).every((x) => x === 'normal'), WINDOW_MS, 'both normal');

    await b.stop();
    await waitFor(async () => byServer(await healthOf(s, lb.id, port, 'udp'), 1) === 'abnormal', WINDOW_MS, 'b abnormal');
    for (let i = 0; i < 8; i++) assert.equal(await udpAsk(lb.address, port, `x${i}`), `a:x${i}`);
    await b.start();
    await waitFor(async () => byServer(await healthOf(s, lb.id, port, 'udp'), 1) === 'normal', WINDOW_MS, 'b normal again');

    await s.call('DeleteLoadBalancer', { RegionId: REGION, LoadBalancerId: lb.id });
    await s.dataPlane!.settle();
    assert.equal(await udpAsk(lb.address, port, 'gone', { timeoutMs: 300 }), undefined);
  });
});

describe('HTTP and HTTPS listeners', () => {
  const a = new HttpBackend(IPS[0], 'a');
  const b = new HttpBackend(IPS[1], 'b');
  after(async () => {
    await Promise.allSettled([a.stop(), b.stop()]);
  });

  test('HTTP reaches both backends; a stopped backend is taken out and comes back', async () => {
    await a.start();
    await b.start();
    const lb = await newLb('e2e-http');
    const g = (await s.call('CreateVServerGroup', {
      RegionId: REGION, LoadBalancerId: lb.id, VServerGroupName: 'web',
      BackendServers: JSON.stringify([{ ServerId: instances[0], Port: a.port, Weight: 100 }, { ServerId: instances[1], Port: b.port, Weight: 100 }]),
    })) as { VServerGroupId: string };
    const port = await freePort(lb.address);
    await s.call('CreateLoadBalancerHTTPListener', {
      RegionId: REGION, LoadBalancerId: lb.id, ListenerPort: port, VServerGroupId: g.VServerGroupId, Bandwidth: -1,
      StickySession: 'off', HealthCheck: 'on', HealthCheckTimeout: 1, ...HEALTH,
    });
    await start(lb.id, port, 'http');
    const url = `http://${lb.address}:${port}/`;
    const t = await tallyHttp(url, 10);
    assert.equal(t.get('a'), 5, `wrr with equal weights alternates: ${[...t]}`);
    assert.equal(t.get('b'), 5);
    await waitFor(async () => Object.values(await healthOf(s, lb.id, port, 'http')).every((x) => x === 'normal'), WINDOW_MS, 'both normal');

    await a.stop();
    await waitFor(async () => byServer(await healthOf(s, lb.id, port, 'http'), 0) === 'abnormal', WINDOW_MS, 'a abnormal');
    assert.deepEqual([...(await tallyHttp(url, 6))], [['b', 6]]);
    await a.start();
    await waitFor(async () => byServer(await healthOf(s, lb.id, port, 'http'), 0) === 'normal', WINDOW_MS, 'a normal again');
    const again = await tallyHttp(url, 4);
    assert.deepEqual([again.get('a'), again.get('b')], [2, 2]);

    // A change to a running listener applies without a restart (configuring only while applied)
    await s.call('SetLoadBalancerHTTPListenerAttribute', { RegionId: REGION, LoadBalancerId: lb.id, ListenerPort: port, XForwardedFor_SLBID: 'on', StickySession: 'off', HealthCheck: 'on', Bandwidth: -1 });
    await waitFor(async () => (await listenerStatus(s, lb.id, port, 'http')) === 'running', 10_000, 'configuring → running');
    assert.equal((await get(url)).status, 200);

    await s.call('StopLoadBalancerListener', { RegionId: REGION, LoadBalancerId: lb.id, ListenerPort: port, ListenerProtocol: 'http' });
    await waitFor(async () => (await listenerStatus(s, lb.id, port, 'http')) === 'stopped', 10_000, 'stopped');
    assert.equal(await accepts(lb.address, port), false);
    await s.call('DeleteLoadBalancer', { RegionId: REGION, LoadBalancerId: lb.id });
  });

  test('HTTPS with an uploaded certificate the client verifies', async () => {
    await waitFor(() => a.server.listening && b.server.listening, 5000, 'backends up');
    const ca = createCA('e2e CA');
    const leaf = issueLeaf(ca, ['shop.example.com']);
    const cert = (await s.call(
      'UploadServerCertificate',
      { RegionId: REGION, ServerCertificate: leaf.certPem, PrivateKey: leaf.keyPem, ServerCertificateName: 'e2e' },
      { method: 'POST' },
    )) as { ServerCertificateId: string };
    const lb = await newLb('e2e-https');
    const g = (await s.call('CreateVServerGroup', {
      RegionId: REGION, LoadBalancerId: lb.id, VServerGroupName: 'web',
      BackendServers: JSON.stringify([{ ServerId: instances[0], Port: a.port, Weight: 100 }, { ServerId: instances[1], Port: b.port, Weight: 100 }]),
    })) as { VServerGroupId: string };
    const port = await freePort(lb.address);
    await s.call('CreateLoadBalancerHTTPSListener', {
      RegionId: REGION, LoadBalancerId: lb.id, ListenerPort: port, VServerGroupId: g.VServerGroupId, Bandwidth: -1,
      StickySession: 'off', HealthCheck: 'on', HealthCheckTimeout: 1, ...HEALTH, ServerCertificateId: cert.ServerCertificateId,
    });
    await start(lb.id, port, 'https');
    const url = `https://${lb.address}:${port}/`;
    const opts = { ca: ca.certPem, servername: 'shop.example.com' };
    const t = await tallyHttp(url, 6, opts);
    assert.deepEqual([t.get('a'), t.get('b')], [3, 3], `${[...t]}`);
    // an unverified chain is refused by the client
    const strict = await get(url, { servername: 'shop.example.com' });
    assert.ok(strict.error, 'the default trust store does not know the test CA');

    await waitFor(async () => Object.values(await healthOf(s, lb.id, port, 'https')).every((x) => x === 'normal'), WINDOW_MS, 'both normal');
    await b.stop();
    await waitFor(async () => byServer(await healthOf(s, lb.id, port, 'https'), 1) === 'abnormal', WINDOW_MS, 'b abnormal');
    assert.deepEqual([...(await tallyHttp(url, 4, opts))], [['a', 4]]);
    await b.start();
    await waitFor(async () => byServer(await healthOf(s, lb.id, port, 'https'), 1) === 'normal', WINDOW_MS, 'b normal again');

    await s.call('DeleteLoadBalancer', { RegionId: REGION, LoadBalancerId: lb.id });
    await s.dataPlane!.settle();
    assert.equal(await accepts(lb.address, port), false);
  });
});

describe('bind failures', () => {
  test('a port already taken on the host: the start completes, the bind is retried until it succeeds', async () => {
    const a = await new TcpBackend(IPS[0], 'a').start();
    try {
      const lb = await newLb('e2e-busy');
      const port = await freePort(lb.address);
      // someone else holds the port
      const squatter = net.createServer((c) => c.end('squatter\n'));
      await new Promise<void>((r) => squatter.listen(port, lb.address, () => r()));
      const g = (await s.call('CreateVServerGroup', {
        RegionId: REGION, LoadBalancerId: lb.id, VServerGroupName: 'busy', BackendServers: JSON.stringify([{ ServerId: instances[0], Port: a.port, Weight: 100 }]),
      })) as { VServerGroupId: string };
      await s.call('CreateLoadBalancerTCPListener', { RegionId: REGION, LoadBalancerId: lb.id, ListenerPort: port, VServerGroupId: g.VServerGroupId, Bandwidth: -1 });
      await start(lb.id, port, 'tcp');
      assert.equal((await ask(lb.address, port)).name, 'squatter');
      // the operator view says why
      const view = (await opOk(s, 'GET', '/dataplane')) as { Enabled: boolean; Listeners: { listenerId: string; state: string; error?: string }[] };
      assert.equal(view.Enabled, true);
      assert.deepEqual(
        view.Listeners.filter((l) => l.listenerId === `${lb.id}_tcp_${port}`).map((l) => [l.state, l.error]),
        [['failed', 'EADDRINUSE']],
      );
      await new Promise<void>((r) => squatter.close(() => r()));
      await waitFor(async () => (await ask(lb.address, port)).name === 'a', 10_000, 'bound after a retry');
      await s.call('DeleteLoadBalancer', { RegionId: REGION, LoadBalancerId: lb.id });
    } finally {
      await a.stop();
    }
  });
});

describe('IPv6 load balancer', () => {
  test('an IPv4-mapped IPv6 address is served (bound on its IPv4 form, reachable at the reported address)', async () => {
    const a = await new TcpBackend(IPS[0], 'a').start();
    try {
      const r = (await s.call('CreateLoadBalancer', { RegionId: REGION, LoadBalancerName: 'e2e-v6', AddressIPVersion: 'ipv6', AddressType: 'internet' })) as { LoadBalancerId: string; Address: string };
      assert.match(r.Address, /^::ffff:127\./);
      const v4 = r.Address.slice('::ffff:'.length);
      const port = await freePort(v4);
      const g = (await s.call('CreateVServerGroup', {
        RegionId: REGION, LoadBalancerId: r.LoadBalancerId, VServerGroupName: 'v6', BackendServers: JSON.stringify([{ ServerId: instances[0], Port: a.port, Weight: 100 }]),
      })) as { VServerGroupId: string };
      await s.call('CreateLoadBalancerTCPListener', { RegionId: REGION, LoadBalancerId: r.LoadBalancerId, ListenerPort: port, VServerGroupId: g.VServerGroupId, Bandwidth: -1 });
      await start(r.LoadBalancerId, port, 'tcp');
      assert.equal((await ask(r.Address, port)).name, 'a');
      assert.equal((await ask(v4, port)).name, 'a');
      await s.call('DeleteLoadBalancer', { RegionId: REGION, LoadBalancerId: r.LoadBalancerId });
    } finally {
      await a.stop();
    }
  });
});

describe('server groups end to end', () => {
  test('TCP on a master-slave group: the master serves, the slave takes over while it is down, the master comes back', async () => {
    const a = await new TcpBackend(IPS[0], 'master').start();
    const b = await new TcpBackend(IPS[1], 'slave').start();
    try {
      const lb = await newLb('e2e-ms');
      const g = (await s.call('CreateMasterSlaveServerGroup', {
        RegionId: REGION, LoadBalancerId: lb.id, MasterSlaveServerGroupName: 'ms',
        MasterSlaveBackendServers: JSON.stringify([
          { ServerId: instances[0], Port: a.port, Weight: 100, ServerType: 'Master' },
          { ServerId: instances[1], Port: b.port, Weight: 100, ServerType: 'Slave' },
        ]),
      })) as { MasterSlaveServerGroupId: string };
      const port = await freePort(lb.address);
      await s.call('CreateLoadBalancerTCPListener', {
        RegionId: REGION, LoadBalancerId: lb.id, ListenerPort: port, MasterSlaveServerGroupId: g.MasterSlaveServerGroupId, Bandwidth: -1, ...HEALTH, HealthCheckConnectTimeout: 1,
      });
      await start(lb.id, port, 'tcp');
      for (let i = 0; i < 4; i++) assert.equal((await ask(lb.address, port)).name, 'master');
      await a.stop();
      await waitFor(async () => (await ask(lb.address, port)).name === 'slave', WINDOW_MS, 'failover to the slave');
      await a.start();
      await waitFor(async () => (await ask(lb.address, port)).name === 'master', WINDOW_MS, 'failback to the master');
      await s.call('DeleteLoadBalancer', { RegionId: REGION, LoadBalancerId: lb.id });
    } finally {
      await Promise.allSettled([a.stop(), b.stop()]);
    }
  });

  test('HTTP forwarding rule: /api goes to its vServer group, the rest to the listener pool', async () => {
    const a = await new HttpBackend(IPS[0], 'web').start();
    const b = await new HttpBackend(IPS[1], 'api').start();
    try {
      const lb = await newLb('e2e-rules');
      const group = async (name: string, i: number, p: number) =>
        ((await s.call('CreateVServerGroup', {
          RegionId: REGION, LoadBalancerId: lb.id, VServerGroupName: name, BackendServers: JSON.stringify([{ ServerId: instances[i], Port: p, Weight: 100 }]),
        })) as { VServerGroupId: string }).VServerGroupId;
      const web = await group('web', 0, a.port);
      const api = await group('api', 1, b.port);
      const port = await freePort(lb.address);
      await s.call('CreateLoadBalancerHTTPListener', { RegionId: REGION, LoadBalancerId: lb.id, ListenerPort: port, VServerGroupId: web, Bandwidth: -1, StickySession: 'off', HealthCheck: 'off' });
      await s.call('CreateRules', { RegionId: REGION, LoadBalancerId: lb.id, ListenerPort: port, RuleList: JSON.stringify([{ RuleName: 'api', Url: '/api', VServerGroupId: api }]) });
      await start(lb.id, port, 'http');
      await s.dataPlane!.settle();
      assert.equal((await get(`http://${lb.address}:${port}/api/v1`)).body, 'api');
      assert.equal((await get(`http://${lb.address}:${port}/index.html`)).body, 'web');
      await s.call('DeleteLoadBalancer', { RegionId: REGION, LoadBalancerId: lb.id });
    } finally {
      await Promise.allSettled([a.stop(), b.stop()]);
    }
  });
});

describe('HTTPS certificates end to end', () => {
  test('SNI domain extension, then a certificate swap: new handshakes get the new certificate', async () => {
    const a = await new HttpBackend(IPS[0], 'tls').start();
    try {
      const ca = createCA('e2e swap CA');
      const up = async (names: string[]) => {
        const leaf = issueLeaf(ca, names);
        return ((await s.call('UploadServerCertificate', { RegionId: REGION, ServerCertificate: leaf.certPem, PrivateKey: leaf.keyPem, ServerCertificateName: 'swap' }, { method: 'POST' })) as { ServerCertificateId: string }).ServerCertificateId;
      };
      const first = await up(['one.example.com']);
      const second = await up(['two.example.com']);
      const sni = await up(['api.example.net']);
      const lb = await newLb('e2e-swap');
      const g = (await s.call('CreateVServerGroup', {
        RegionId: REGION, LoadBalancerId: lb.id, VServerGroupName: 'tls', BackendServers: JSON.stringify([{ ServerId: instances[0], Port: a.port, Weight: 100 }]),
      })) as { VServerGroupId: string };
      const port = await freePort(lb.address);
      await s.call('CreateLoadBalancerHTTPSListener', {
        RegionId: REGION, LoadBalancerId: lb.id, ListenerPort: port, VServerGroupId: g.VServerGroupId, Bandwidth: -1, StickySession: 'off', HealthCheck: 'off', ServerCertificateId: first,
      });
      await s.call('CreateDomainExtension', { RegionId: REGION, LoadBalancerId: lb.id, ListenerPort: port, Domain: 'api.example.net', ServerCertificateId: sni });
      await start(lb.id, port, 'https');
      await s.dataPlane!.settle();
      const url = `https://${lb.address}:${port}/`;
      assert.equal((await get(url, { ca: ca.certPem, servername: 'one.example.com' })).body, 'tls');
      assert.equal((await get(url, { ca: ca.certPem, servername: 'api.example.net' })).body, 'tls', 'the domain extension serves its own certificate');
      assert.ok((await get(url, { ca: ca.certPem, servername: 'two.example.com' })).error, 'not yet');

      await s.call('SetLoadBalancerHTTPSListenerAttribute', { RegionId: REGION, LoadBalancerId: lb.id, ListenerPort: port, ServerCertificateId: second, Bandwidth: -1, StickySession: 'off', HealthCheck: 'off' });
      await waitFor(async () => (await get(url, { ca: ca.certPem, servername: 'two.example.com' })).body === 'tls', 10_000, 'the new certificate');
      assert.ok((await get(url, { ca: ca.certPem, servername: 'one.example.com' })).error, 'the old one is gone');
      await s.call('DeleteLoadBalancer', { RegionId: REGION, LoadBalancerId: lb.id });
    } finally {
      await a.stop();
    }
  });
});

describe('ACL end to end', () => {
  test('a white list admits only its sources; entries added later apply to new connections', async () => {
    const a = await new TcpBackend(IPS[0], 'a').start();
    try {
      const aclId = ((await s.call('CreateAccessControlList', { RegionId: REGION, AclName: 'e2e-white' })) as { AclId: string }).AclId;
      await s.call('AddAccessControlListEntry', { RegionId: REGION, AclId: aclId, AclEntrys: JSON.stringify([{ entry: '127.0.0.70/32', comment: 'allowed' }]) }, { method: 'POST' });
      const lb = await newLb('e2e-acl');
      const g = (await s.call('CreateVServerGroup', {
        RegionId: REGION, LoadBalancerId: lb.id, VServerGroupName: 'acl', BackendServers: JSON.stringify([{ ServerId: instances[0], Port: a.port, Weight: 100 }]),
      })) as { VServerGroupId: string };
      const port = await freePort(lb.address);
      await s.call('CreateLoadBalancerTCPListener', {
        RegionId: REGION, LoadBalancerId: lb.id, ListenerPort: port, VServerGroupId: g.VServerGroupId, Bandwidth: -1, AclStatus: 'on', AclType: 'white', AclId: aclId,
      });
      await start(lb.id, port, 'tcp');
      assert.equal((await ask(lb.address, port, '127.0.0.70')).name, 'a');
      assert.equal((await ask(lb.address, port, '127.0.0.71')).name, undefined, 'not on the list');
      await s.call('AddAccessControlListEntry', { RegionId: REGION, AclId: aclId, AclEntrys: JSON.stringify([{ entry: '127.0.0.71/32' }]) }, { method: 'POST' });
      await waitFor(async () => (await ask(lb.address, port, '127.0.0.71')).name === 'a', 10_000, 'the new entry applies');
      await s.call('DeleteLoadBalancer', { RegionId: REGION, LoadBalancerId: lb.id });
    } finally {
      await a.stop();
    }
  });
});
