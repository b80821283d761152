// UDP listeners on loopback. LB address 127.0.0.60, backends 127.0.0.61+, clients 127.0.0.7x.
import { test as nodeTest, after } from 'node:test';
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { DataPlane } from '../../src/dataplane/reconciler.js';
import { parseProxyV2 } from '../../src/dataplane/proxy-protocol.js';
import { fastHealth, freePort, snapshot, udpAsk, UdpBackend, udpListener, waitFor } from './helpers.js';

// every test has a deadline, so a failure can never leave the file's process hanging
const test = (name: string, fn: () => Promise<void> | void) => nodeTest(name, { timeout: 30_000 }, fn);

const LB = '127.0.0.60';
const planes: DataPlane[] = [];
const backends: UdpBackend[] = [];
const extraSockets: dgram.Socket[] = [];
after(async () => {
  for (const p of planes) p.destroy();
  for (const s of extraSockets) s.close();
  for (const b of backends) await b.stop().catch(() => {});
});
const plane = () => {
  const p = new DataPlane();
  planes.push(p);
  return p;
};
const backend = async (ip: string, name: string) => {
  const b = await new UdpBackend(ip, name).start();
  backends.push(b);
  return b;
};

test('UDP echo through the listener; one flow per client address:port, replies come back to it', async () => {
  const a = await backend('127.0.0.61', 'a');
  const port = await freePort(LB, 'udp');
  const dp = plane();
  await dp.apply(snapshot({ address: LB, listeners: [udpListener(port)], servers: [a.member()] }));
  assert.equal(await udpAsk(LB, port, 'hello'), 'a:hello');
  const s = dgram.createSocket('udp4');
  await new Promise<void>((r) => s.bind(0, '127.0.0.71', () => r()));
  assert.equal(await udpAsk(LB, port, 'one', { sock: s }), 'a:one');
  assert.equal(await udpAsk(LB, port, 'two', { sock: s }), 'a:two');
  s.close();
  const c = dp.counters.read(`lb-test_udp_${port}`)!;
  assert.equal(c.newConnections, 2);
  assert.equal(c.requests, 3);
  dp.destroy();
});

test('UDP: flows spread by weight (wrr 1:1 over new flows) and expire after the idle timeout', async () => {
  const [a, b] = [await backend('127.0.0.62', 'a'), await backend('127.0.0.63', 'b')];
  const port = await freePort(LB, 'udp');
  const dp = plane();
  await dp.apply(snapshot({ address: LB, listeners: [udpListener(port, { flowIdleTimeoutMs: 200 })], servers: [a.member(), b.member()] }));
  const seen = new Map<string, number>();
  for (let i = 0; i < 10; i++) {
    const r = (await udpAsk(LB, port, 'x'))!.split(':')[0]!;
    seen.set(r, (seen.get(r) ?? 0) + 1);
  }
  assert.deepEqual(Object.fromEntries(seen), { a: 5, b: 5 });
  await waitFor(() => dp.runtime(`lb-test_udp_${port}`)!.active === 0, 3000, 'flows expired');
  dp.destroy();
});

test('UDP health check with healthCheckReq/healthCheckExp: a silent backend turns abnormal and gets no flows', async () => {
  const [a, b] = [await backend('127.0.0.64', 'a'), await backend('127.0.0.65', 'b')];
  const port = await freePort(LB, 'udp');
  const dp = plane();
  const hc = fastHealth({ type: 'udp', udp: { request: 'ping', expect: 'pong-' } });
  await dp.apply(snapshot({ address: LB, listeners: [udpListener(port, { healthCheck: hc })], servers: [a.member(), b.member()] }));
  await waitFor(() => dp.healthStatus().every((r) => r.status === 'normal'), 15000, 'both normal');
  await a.stop();
  await waitFor(() => dp.healthStatus().find((r) => r.serverId === 'a')?.status === 'abnormal', 15000, 'a abnormal');
  for (let i = 0; i < 4; i++) assert.equal(await udpAsk(LB, port, 'q'), 'b:q');
  await a.start();
  await waitFor(() => dp.healthStatus().find((r) => r.serverId === 'a')?.status === 'normal', 15000, 'a back');
  // an unexpected reply is not healthy
  const hc2 = fastHealth({ type: 'udp', udp: { request: 'ping', expect: 'nope' } });
  await dp.apply(snapshot({ address: LB, listeners: [udpListener(port, { healthCheck: hc2 })], servers: [a.member(), b.member()] }));
  await waitFor(() => dp.healthStatus().every((r) => r.status === 'abnormal'), 15000, 'both abnormal');
  assert.equal(await udpAsk(LB, port, 'dropped', { timeoutMs: 300 }), undefined);
  dp.destroy();
});

test('UDP ACL (white) and PROXY v2 per datagram', async () => {
  const a = await backend('127.0.0.66', 'a');
  const port = await freePort(LB, 'udp');
  const dp = plane();
  const acls = { 'acl-u': { aclId: 'acl-u', addressIPVersion: 'ipv4' as const, entries: ['127.0.0.72'] } };
  await dp.apply(snapshot({ address: LB, acls, listeners: [udpListener(port, { acl: { type: 'white', aclIds: ['acl-u'] }, proxyProtocolV2: true })], servers: [a.member()] }));
  assert.equal(await udpAsk(LB, port, 'no', { localAddress: '127.0.0.73', timeoutMs: 300 }), undefined);
  const s = dgram.createSocket('udp4');
  await new Promise<void>((r) => s.bind(0, '127.0.0.72', () => r()));
  const reply = await udpAsk(LB, port, 'yes', { sock: s });
  assert.ok(reply?.startsWith('a:'));
  const got = a.received.at(-1)!;
  const h = parseProxyV2(got)!;
  assert.deepEqual(h, { transport: 'udp', src: '127.0.0.72', srcPort: s.address().port, dst: LB, dstPort: port, length: 28 });
  assert.equal(got.subarray(h.length).toString(), 'yes');
  s.close();
  dp.destroy();
});

test('UDP qch: datagrams carrying the same QUIC connection id from different client ports reach the same backend', async () => {
  const bs = [await backend('127.0.0.67', 'a'), await backend('127.0.0.68', 'b'), await backend('127.0.0.69', 'c')];
  const port = await freePort(LB, 'udp');
  const dp = plane();
  await dp.apply(snapshot({ address: LB, listeners: [udpListener(port, { scheduler: 'qch' })], servers: bs.map((b) => b.member()) }));
  const cid = Buffer.from('a1b2c3d4e5f60718', 'hex');
  const long = Buffer.concat([Buffer.from([0xc3, 0, 0, 0, 1, 8]), cid, Buffer.from([0])]);
  const names = new Set<string>();
  for (let i = 0; i < 6; i++) {
    const s = dgram.createSocket('udp4');
    const r = await new Promise<string>((res) => {
      const t = setTimeout(() => res('(no reply)'), 2000);
      s.on('message', (m) => {
        clearTimeout(t);
        res(m.toString('latin1').split(':')[0]!);
      });
      s.send(long, port, LB);
    });
    names.add(r);
    s.close();
  }
  assert.equal(names.size, 1);
  dp.destroy();
});

test('UDP qch learns the connection ids backends choose: a migrated client (new port, short header) returns to the same backend', async () => {
  // fake QUIC servers: answer a long-header packet with a long header whose SCID is their own id,
  // and any packet with a datagram naming themselves
  const names = ['q1', 'q2', 'q3'];
  const members = [];
  for (const [i, name] of names.entries()) {
    const s = dgram.createSocket('udp4');
    const scid = Buffer.from(`${name}-id-00`.slice(0, 8));
    s.on('message', (m, r) => {
      const reply = m[0]! & 0x80 ? Buffer.concat([Buffer.from([0xc1, 0, 0, 0, 1, 0, 8]), scid, Buffer.from(name)]) : Buffer.from(`short:${name}`);
      s.send(reply, r.port, r.address);
    });
    await new Promise<void>((r) => s.bind(0, `127.0.0.${74 + i}`, () => r()));
    extraSockets.push(s);
    members.push({ serverId: name, ip: `127.0.0.${74 + i}`, port: s.address().port, weight: 100, type: 'ecs' as const });
  }
  const port = await freePort(LB, 'udp');
  const dp = plane();
  await dp.apply(snapshot({ address: LB, listeners: [udpListener(port, { scheduler: 'qch' })], servers: members }));
  // UDP is lossy and a loaded machine can be slow: like a real client, retransmit on silence.
  const send = async (payload: Buffer): Promise<Buffer> => {
    for (let attempt = 0; attempt < 5; attempt++) {
      const reply = await sendOnce(payload);
      if (reply.length) return reply;
    }
    return Buffer.alloc(0);
  };
  const sendOnce = (payload: Buffer) =>
    new Promise<Buffer>((res) => {
      const s = dgram.createSocket('udp4');
      const done = (m: Buffer) => {
        clearTimeout(t);
        s.close();
        res(m);
      };
      const t = setTimeout(() => done(Buffer.alloc(0)), 2000); // no reply: fail the assertion, never hang
      s.on('message', done);
      s.send(payload, port, LB);
    });
  const owners = new Map<string, Buffer>(); // backend name → its connection id
  for (let i = 0; owners.size < 3 && i < 200; i++) {
    const dcid = Buffer.alloc(8);
    dcid.writeUInt32BE(i);
    const reply = await send(Buffer.concat([Buffer.from([0xc3, 0, 0, 0, 1, 8]), dcid, Buffer.from([0])]));
    assert.ok(reply.length > 0, 'no reply to an Initial after retransmissions');
    owners.set(reply.subarray(15).toString(), reply.subarray(7, 15));
  }
  assert.equal(owners.size, 3);
  for (const [name, cid] of owners) {
    for (let k = 0; k < 3; k++) {
      const reply = await send(Buffer.concat([Buffer.from([0x41]), cid, Buffer.from('payload')]));
      assert.equal(reply.toString(), `short:${name}`);
    }
  }
  dp.destroy();
});

test('UDP ConnectionDrain: after stop, an existing flow keeps forwarding and new flows are dropped; all end at the timeout', async () => {
  const a = await backend('127.0.0.78', 'a');
  const port = await freePort(LB, 'udp');
  const dp = plane();
  const l = udpListener(port, { connectionDrain: { enabled: true, timeoutMs: 3000 } });
  await dp.apply(snapshot({ address: LB, listeners: [l], servers: [a.member()] }));
  const s = dgram.createSocket('udp4');
  extraSockets.push(s);
  await new Promise<void>((r) => s.bind(0, '127.0.0.79', () => r()));
  assert.equal(await udpAsk(LB, port, 'before', { sock: s }), 'a:before');
  const stoppedAt = Date.now();
  await dp.apply(snapshot({ address: LB, listeners: [{ ...l, status: 'stopped' }], servers: [a.member()] }));
  assert.equal(await udpAsk(LB, port, 'during', { sock: s }), 'a:during');
  assert.equal(await udpAsk(LB, port, 'new-flow', { timeoutMs: 200 }), undefined);
  await waitFor(async () => (await udpAsk(LB, port, 'after', { sock: s, timeoutMs: 100 })) === undefined, 15000, 'flow ended');
  assert.ok(Date.now() - stoppedAt >= 2900);
  dp.destroy();
});
