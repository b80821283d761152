// Issue 11 part 6: reconfiguration under load fails no request. A real server with the data
// plane, an HTTP and an HTTPS listener on a VServer group of real backends, clients sending
// continuously (kept-alive and fresh connections), while a loop makes a few hundred configuration
// changes through pop-core: group weights, members added / modified / removed, listener
// attributes (timeouts, XFF headers, scheduler), forwarding rules created and deleted, and the
// HTTPS listener's certificate switched between two uploads. Every request must succeed: a
// correctness assertion (zero failures), not a timing one. It has teeth: making a tracked L7
// request end when its member leaves the pool (the fast path's destroy() cutting the client
// socket) fails it with ECONNRESET on /slow requests, 36 of ~3 400 in one run.
import assert from 'node:assert/strict';
import http from 'node:http';
import https from 'node:https';
import { after, before, test } from 'node:test';
import { createCA, issueLeaf } from '../../src/util/pki.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { freePort, HttpBackend, IPS, listenerStatus, REGION, registerInstances, waitFor } from './helpers.js';

const CHANGES = 1000;

/** A backend answering its name; `/slow` answers after a few ms so that changes land mid-request. */
class Backend extends HttpBackend {
  override async start(port = this.port): Promise<this> {
    await super.start(port);
    this.server.removeAllListeners('request');
    this.server.on('request', (req: http.IncomingMessage, res: http.ServerResponse) => {
      const answer = () => {
        res.setHeader('x-backend', this.name);
        res.end(this.name);
      };
      if (req.url?.includes('slow')) setTimeout(answer, 20);
      else answer();
    });
    return this;
  }
}

let s: TestServer;
let instances: string[];
const backends = [new Backend(IPS[0], 'a'), new Backend(IPS[1], 'b'), new Backend(IPS[0], 'c')];

before(async () => {
  s = await startTestServer({ dataPlane: true });
  instances = await registerInstances(s, 'rc');
  for (const b of backends) await b.start(0);
});
after(async () => {
  await Promise.allSettled(backends.map((b) => b.stop()));
  await s?.stop();
});

interface Tally {
  ok: number;
  failures: string[];
  answeredBy: Set<string>;
}

/** One request; resolves with the backend's name, or with a failure description starting with `!`. */
function once(mod: typeof http | typeof https, url: string, opts: https.RequestOptions): Promise<string> {
  return new Promise((resolve) => {
    const req = mod.request(url, { timeout: 10_000, ...opts }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve(res.statusCode === 200 && /^[abc]$/.test(body) ? body : `!${res.statusCode} ${body.slice(0, 80)}`));
      res.on('error', (e) => resolve(`response ${e.message}`));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', (e: NodeJS.ErrnoException) => resolve(`!${e.code ?? e.message}`));
    req.end();
  });
}

/** Sends requests one after another until `stop()` says so; paths alternate to cross the rule. */
async function clientLoop(name: string, mod: typeof http | typeof https, base: string, opts: https.RequestOptions, stop: () => boolean, t: Tally) {
  for (let i = 0; !stop(); i++) {
    const path = ['/', '/r/x', '/slow', '/r/slow'][i % 4]!;
    const f = await once(mod, base + path, opts);
    if (f.startsWith('!')) t.failures.push(`${name} ${path}: ${f}`);
    else {
      t.ok++;
      t.answeredBy.add(f);
    }
  }
}

test(`${CHANGES} configuration changes under HTTP and HTTPS load fail no request`, { timeout: 120_000 }, async () => {
  const [a, b, c] = backends as [Backend, Backend, Backend];
  const [ia, ib] = instances as [string, string];
  const member = (id: string, be: Backend, w = 100) => ({ ServerId: id, Port: be.port, Weight: w });
  const lb = (await s.call('CreateLoadBalancer', { RegionId: REGION, LoadBalancerName: 'reconfig' })) as { LoadBalancerId: string; Address: string };
  const L = { RegionId: REGION, LoadBalancerId: lb.LoadBalancerId };
  const g1 = ((await s.call('CreateVServerGroup', { ...L, VServerGroupName: 'main', BackendServers: JSON.stringify([member(ia, a), member(ib, b)]) })) as { VServerGroupId: string }).VServerGroupId;
  const g2 = ((await s.call('CreateVServerGroup', { ...L, VServerGroupName: 'rule', BackendServers: JSON.stringify([member(ia, c)]) })) as { VServerGroupId: string }).VServerGroupId;

  const ca = createCA('reconfig CA');
  const upload = async (n: string) => {
    const leaf = issueLeaf(ca, ['shop.example.com']);
    const r = (await s.call('UploadServerCertificate', { RegionId: REGION, ServerCertificate: leaf.certPem, PrivateKey: leaf.keyPem, ServerCertificateName: n }, { method: 'POST' })) as { ServerCertificateId: string };
    return r.ServerCertificateId;
  };
  const certs = [await upload('one'), await upload('two')];

  const httpPort = await freePort(lb.Address);
  const httpsPort = await freePort(lb.Address);
  const common = { ...L, VServerGroupId: g1, Bandwidth: -1, StickySession: 'off', HealthCheck: 'off' };
  await s.call('CreateLoadBalancerHTTPListener', { ...common, ListenerPort: httpPort });
  await s.call('CreateLoadBalancerHTTPSListener', { ...common, ListenerPort: httpsPort, ServerCertificateId: certs[0] });
  for (const [port, protocol] of [[httpPort, 'http'], [httpsPort, 'https']] as const) {
    await s.call('StartLoadBalancerListener', { ...L, ListenerPort: port, ListenerProtocol: protocol });
    await waitFor(async () => (await listenerStatus(s, lb.LoadBalancerId, port, protocol)) === 'running', 10_000, `${protocol} running`);
  }

  const httpBase = `http://${lb.Address}:${httpPort}`;
  const httpsBase = `https://${lb.Address}:${httpsPort}`;
  const tls = { ca: ca.certPem, servername: 'shop.example.com' };
  let done = false;
  const stop = () => done;
  const t: Tally = { ok: 0, failures: [], answeredBy: new Set() };
  const agents = [
    new http.Agent({ keepAlive: true, maxSockets: 1 }),
    new http.Agent({ keepAlive: true, maxSockets: 1 }),
    new http.Agent({ keepAlive: true, maxSockets: 1 }),
    new https.Agent({ keepAlive: true, maxSockets: 1 }),
  ];
  const clients = [
    clientLoop('http-ka-0', http, httpBase, { agent: agents[0] }, stop, t),
    clientLoop('http-ka-1', http, httpBase, { agent: agents[1] }, stop, t),
    clientLoop('http-ka-2', http, httpBase, { agent: agents[2] }, stop, t),
    clientLoop('http-fresh', http, httpBase, { agent: false }, stop, t),
    clientLoop('https-ka', https, httpsBase, { agent: agents[3], ...tls }, stop, t),
    clientLoop('https-fresh', https, httpsBase, { agent: false, ...tls }, stop, t),
  ];

  // Every change is one API call; the sequence cycles through twelve kinds of change.
  let ruleId: string | null = null;
  let cIn = false;
  const steps: (() => Promise<unknown>)[] = [
    () => s.call('SetVServerGroupAttribute', { RegionId: REGION, VServerGroupId: g1, BackendServers: JSON.stringify([member(ia, a, 30), member(ib, b, 70)]) }),
    () => s.call('ModifyVServerGroupBackendServers', { RegionId: REGION, VServerGroupId: g1, OldBackendServers: JSON.stringify([member(ia, a)]), NewBackendServers: JSON.stringify([member(ia, a, 60)]) }),
    async () => {
      const op = cIn ? 'RemoveVServerGroupBackendServers' : 'AddVServerGroupBackendServers';
      await s.call(op, { RegionId: REGION, VServerGroupId: g1, BackendServers: JSON.stringify([member(ia, c)]) });
      cIn = !cIn;
    },
    () => s.call('SetLoadBalancerHTTPListenerAttribute', { ...L, ListenerPort: httpPort, Bandwidth: -1, StickySession: 'off', HealthCheck: 'off', RequestTimeout: 30, IdleTimeout: 20, XForwardedFor_SLBIP: 'on', XForwardedFor_proto: 'on', Scheduler: 'rr' }),
    async () => {
      if (ruleId) {
        await s.call('DeleteRules', { RegionId: REGION, RuleIds: JSON.stringify([ruleId]) });
        ruleId = null;
      } else {
        const r = (await s.call('CreateRules', { ...L, ListenerPort: httpPort, RuleList: JSON.stringify([{ RuleName: 'r', Url: '/r', VServerGroupId: g2 }]) })) as { Rules: { Rule: { RuleId: string }[] } };
        ruleId = r.Rules.Rule[0]!.RuleId;
      }
    },
    () => s.call('SetLoadBalancerHTTPSListenerAttribute', { ...L, ListenerPort: httpsPort, Bandwidth: -1, StickySession: 'off', HealthCheck: 'off', ServerCertificateId: certs[1] }),
    () => s.call('SetVServerGroupAttribute', { RegionId: REGION, VServerGroupId: g1, BackendServers: JSON.stringify([member(ia, a, 100), member(ib, b, 100)]) }),
    () => s.call('ModifyVServerGroupBackendServers', { RegionId: REGION, VServerGroupId: g1, OldBackendServers: JSON.stringify([member(ia, a)]), NewBackendServers: JSON.stringify([member(ia, a, 100)]) }),
    () => s.call('SetLoadBalancerHTTPListenerAttribute', { ...L, ListenerPort: httpPort, Bandwidth: -1, StickySession: 'off', HealthCheck: 'off', RequestTimeout: 60, IdleTimeout: 15, XForwardedFor_SLBIP: 'off', XForwardedFor_proto: 'off', Scheduler: 'wrr' }),
    () => s.call('SetLoadBalancerHTTPSListenerAttribute', { ...L, ListenerPort: httpsPort, Bandwidth: -1, StickySession: 'off', HealthCheck: 'off', ServerCertificateId: certs[0], Scheduler: 'wlc' }),
    () => s.call('SetLoadBalancerHTTPSListenerAttribute', { ...L, ListenerPort: httpsPort, Bandwidth: -1, StickySession: 'off', HealthCheck: 'off', Scheduler: 'wrr', XForwardedFor_SLBIP: 'on' }),
    // weight 0: a takes no new requests, its requests in flight finish
    () => s.call('SetVServerGroupAttribute', { RegionId: REGION, VServerGroupId: g1, BackendServers: JSON.stringify([member(ia, a, 0), member(ib, b, 100)]) }),
  ];
  // A listener being configured or a group with a pending change refuses further changes ("try
  // again later", as SLB does): the changer waits for the data plane to apply the last change and
  // tries again, as a client would.
  const later = new Set(['OperationFailed.ListenerStatusNotSupport', 'VServerGroupProcessing']);
  let retries = 0;
  const change = async (step: () => Promise<unknown>) => {
    for (let attempt = 0; ; attempt++) {
      try {
        return await step();
      } catch (e) {
        if (!later.has((e as { code?: string }).code ?? '') || attempt > 1000) throw e;
        retries++;
        await s.dataPlane!.settle();
        await new Promise((r) => setImmediate(r));
      }
    }
  };
  const okBefore = async () => waitFor(() => t.ok > 20, 10_000, 'traffic flowing');
  await okBefore();
  try {
    for (let i = 0; i < CHANGES; i++) {
      await change(steps[i % steps.length]!);
      // let requests through between changes so every configuration carries traffic
      if (i % 10 === 9) {
        const seen = t.ok;
        await waitFor(() => t.ok > seen + 6, 10_000, 'requests after a change');
      }
    }
    await s.dataPlane!.settle();
    const seen = t.ok;
    await waitFor(() => t.ok > seen + 20, 10_000, 'requests after the last change');
  } finally {
    done = true;
    await Promise.all(clients);
    for (const ag of agents) ag.destroy();
  }
  console.log(`# ${CHANGES} changes (${retries} retried), ${t.ok} requests answered, ${t.failures.length} failed`);
  assert.ok(t.ok > CHANGES, `requests answered: ${t.ok}`);
  assert.deepEqual([...t.answeredBy].sort(), ['a', 'b', 'c'], 'the rule and the added member carried traffic');
  assert.deepEqual(t.failures, [], `${t.failures.length} failed of ${t.ok + t.failures.length}`);
});
