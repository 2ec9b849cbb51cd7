// The ksync client against the simulator over real sockets.

import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import test from 'ava'

import { AbortError, Ksync, KsyncError, NhType, ProtocolError, SandeshOp, Simulator, TransportError, type Dialect } from '../lib/index'

async function withSim(dialect: Dialect = 'dpdk', tcp = false, io: 'loop' | 'threads' = 'loop') {
  const sim = await Simulator.start({ dialect, tcpPort: tcp ? 0 : undefined })
  const ksync = await Ksync.connect(tcp ? sim.ksyncTcp! : sim.ksync, { io })
  await ksync.add('vr_nexthop_req', { nhr_id: 10, nhr_type: NhType.DISCARD, nhr_family: 2, nhr_flags: 1 })
  return { sim, ksync, [Symbol.asyncDispose]: async () => (await ksync.close(), await sim.close()) }
}

for (const [dialect, tcp, io] of [
  ['dpdk', false, 'loop'],
  ['kernel', false, 'loop'],
  ['windows', false, 'loop'],
  ['dpdk', true, 'loop'],
  ['dpdk', false, 'threads'],
  ['dpdk', true, 'threads'],
] as const) {
  test(`add, get, del and errors over ${tcp ? 'TCP' : 'a Unix socket'} (${dialect} framing, I/O on ${io === 'loop' ? "Node's loop" : 'native threads'})`, async (t) => {
    await using s = await withSim(dialect, tcp, io)
    const k = s.ksync
    t.is(await k.add('vr_mpls_req', { mr_label: 100, mr_nhid: 10 }), 0)
    t.like(await k.get('vr_mpls_req', { mr_label: 100 }), { mr_label: 100, mr_nhid: 10 })
    const absent = await t.throwsAsync(k.get('vr_mpls_req', { mr_label: 101 }), { instanceOf: KsyncError })
    t.like(absent, { name: 'KsyncError', code: 'ENOENT', errno: 2, messageName: 'vr_mpls_req', op: 'get' })
    const invalid = await t.throwsAsync(k.add('vr_mpls_req', { mr_label: 99999, mr_nhid: 10 }), { instanceOf: KsyncError })
    t.is(invalid.code, 'EINVAL')
    t.is(await k.del('vr_mpls_req', { mr_label: 100 }), 0)
    const reply = await k.request('vr_mpls_req', 'get', { mr_label: 100 }).catch((e: KsyncError) => e.code)
    t.is(reply, 'ENOENT')
  })
}

for (const io of ['loop', 'threads'] as const) {
  test(`many requests in flight resolve in order, each with its own outcome (I/O on ${io})`, async (t) => {
    await using s = await withSim('dpdk', false, io)
    const k = s.ksync
    const labels = Array.from({ length: 500 }, (_, i) => i)
    const codes = await Promise.all(labels.map((l) => k.add('vr_mpls_req', { mr_label: l, mr_nhid: 10 })))
    t.true(codes.every((c) => c === 0))
    const got = await Promise.all(labels.map((l) => k.get('vr_mpls_req', { mr_label: l })))
    t.deepEqual(
      got.map((m) => m.mr_label),
      labels,
    )
  })
}

test('bulk: each request its own result, packed into frames', async (t) => {
  await using s = await withSim()
  const results = await s.ksync.bulk([
    { name: 'vr_mpls_req', op: 'add', fields: { mr_label: 1, mr_nhid: 10 } },
    { name: 'vr_mpls_req', op: 'add', fields: { mr_label: 1_000_000, mr_nhid: 10 } },
    { name: 'vr_mpls_req', op: 'get', fields: { mr_label: 1 } },
    ...Array.from({ length: 40 }, (_, i) => ({ name: 'vr_mpls_req' as const, op: 'add' as const, fields: { mr_label: 10 + i, mr_nhid: 10 } })),
  ])
  t.true(results[0].ok)
  t.false(results[1].ok)
  if (!results[1].ok) t.is((results[1].error as KsyncError).code, 'EINVAL')
  t.true(results[2].ok && results[2].reply.objects[0].name === 'vr_mpls_req')
  t.true(results.slice(3).every((r) => r.ok))
})

test('dump pages by marker until vRouter says it is complete; leaving the loop stops it', async (t) => {
  await using s = await withSim()
  const k = s.ksync
  await k.bulk(Array.from({ length: 300 }, (_, i) => ({ name: 'vr_mpls_req' as const, op: 'add' as const, fields: { mr_label: i * 7, mr_nhid: 10 } })))
  const labels: number[] = []
  for await (const m of k.dump('vr_mpls_req')) labels.push(m.mr_label)
  t.deepEqual(
    labels,
    Array.from({ length: 300 }, (_, i) => i * 7),
  )
  let seen = 0
  for await (const _ of k.dump('vr_mpls_req')) if (++seen === 5) break
  t.is(seen, 5)
  // The connection is still good after an abandoned dump.
  t.is(await k.add('vr_mpls_req', { mr_label: 1, mr_nhid: 10 }), 0)
})

test('EEXIST can be taken as success, as the agent does', async (t) => {
  await using s = await withSim()
  const k = s.ksync
  await k.add('vr_interface_req', { vifr_idx: 1, vifr_type: 1, vifr_name: 'pkt0', vifr_transport: 3 })
  const again = { vifr_idx: 2, vifr_type: 1, vifr_name: 'pkt0', vifr_transport: 3 }
  const e = await t.throwsAsync(k.add('vr_interface_req', again), { instanceOf: KsyncError })
  t.is(e.code, 'EEXIST')
  t.is(await k.add('vr_interface_req', again, { eexistOk: true }), -17)
})

test('abort and timeout reject the call and leave the connection usable', async (t) => {
  await using s = await withSim()
  const k = s.ksync
  const ac = new AbortController()
  ac.abort(new Error('changed my mind'))
  await t.throwsAsync(k.get('vrouter_ops', {}, { signal: ac.signal }), { instanceOf: AbortError })
  // vRouter does not answer a vr_response sent as a request: only the timeout ends the wait.
  const late = await t.throwsAsync(k.request('vr_response', 'get', {}, { timeoutMs: 50 }), { instanceOf: TransportError })
  t.is(late.code, 'ERR_TIMEOUT')
  const ops = await k.get('vrouter_ops', {})
  t.true(ops.vo_mpls_labels > 0)
})

test('close rejects what is pending; the peer going away rejects too, and connecting again works', async (t) => {
  const sim = await Simulator.start()
  const k = await Ksync.connect(sim.ksync)
  const pending = k.request('vr_response', 'get', {})
  await k.close()
  t.is((await t.throwsAsync(pending, { instanceOf: TransportError })).code, 'ERR_CLOSED')
  await t.throwsAsync(k.get('vrouter_ops', {}), { instanceOf: TransportError })

  const k2 = await Ksync.connect(sim.ksync)
  const waiting = k2.request('vr_response', 'get', {})
  await sim.close()
  const gone = await t.throwsAsync(waiting, { instanceOf: TransportError })
  t.is(gone.code, 'ERR_PEER_CLOSED')

  const sim2 = await Simulator.start({ dir: sim.dir })
  await using k3 = await Ksync.connect(sim2.ksync)
  t.true((await k3.get('vrouter_ops', {})).vo_interfaces > 0)
  await sim2.close()
})

test('connecting to nothing is a TransportError naming the endpoint', async (t) => {
  const e = await t.throwsAsync(Ksync.connect('unix:/nonexistent/dpdk_netlink'), { instanceOf: TransportError })
  t.is(e.code, 'ERR_ENDPOINT_NOT_FOUND')
  t.is(e.endpoint, 'unix:/nonexistent/dpdk_netlink')
  const kernel = await t.throwsAsync(Ksync.connect('netlink:'), { instanceOf: TransportError })
  t.regex(kernel.message, /vrouter.*kernel module/)
})

test('netlink: the kernel generic-netlink path, against the kernel\'s own controller family', async (t) => {
  if (process.platform !== 'linux') return t.pass()
  // nlctrl is no vRouter: the kernel answers our Sandesh requests with NLMSG_ERROR, which
  // arrives as a KsyncError — proof that the request went through the socket and back.
  await using k = await Ksync.connect('netlink:nlctrl')
  const e = await t.throwsAsync(k.get('vrouter_ops', {}), { instanceOf: KsyncError })
  t.is(e.code, 'EOPNOTSUPP')
})

test('an idle connection does not keep Node running', async (t) => {
  await using sim = await Simulator.start()
  const script = `
    const { Ksync } = require(${JSON.stringify(join(__dirname, '..', 'lib', 'index.ts'))})
    Ksync.connect(${JSON.stringify(sim.ksync)}).then(async (k) => {
      await k.get('vrouter_ops', {})
      console.log('connected and answered')
    })`
  const child = spawn(process.execPath, ['--import', 'tsx', '-e', script])
  let out = ''
  child.stdout.on('data', (d: Buffer) => (out += d))
  child.stderr.on('data', (d: Buffer) => (out += d))
  const code = await new Promise((resolve) => child.once('close', resolve))
  t.is(code, 0, out)
  t.regex(out, /connected and answered/)
})

test('a malformed reply rejects everything pending with a ProtocolError, and connecting again works', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'vrouter-io-bad-'))
  const path = join(dir, 'bad.sock')
  // A peer that answers every request with a frame whose payload is not Sandesh.
  const server = createServer((s) =>
    s.on('data', (d: Buffer) => {
      const seq = d.readUInt32LE(8)
      const bad = Buffer.alloc(24 + 8, 0xee)
      bad.writeUInt32LE(bad.length, 0)
      bad.writeUInt16LE(24, 4)
      bad.writeUInt16LE(0, 6)
      bad.writeUInt32LE(seq, 8)
      bad.writeUInt32LE(0, 12)
      bad.writeUInt32LE(1, 16)
      bad.writeUInt16LE(8, 20)
      bad.writeUInt16LE(1, 22)
      s.write(bad)
    }),
  )
  await new Promise<void>((resolve) => server.listen(path, resolve))
  try {
    const k = await Ksync.connect(`unix:${path}`)
    const results = await Promise.allSettled([k.get('vrouter_ops', {}), k.get('vrouter_ops', {})])
    for (const r of results) {
      t.is(r.status, 'rejected')
      if (r.status === 'rejected') t.true(r.reason instanceof ProtocolError, String(r.reason))
    }
    await t.throwsAsync(k.get('vrouter_ops', {}))
    await k.close()
    await using again = await Ksync.connect(`unix:${path}`)
    t.truthy(again)
  } finally {
    server.close()
    rmSync(dir, { recursive: true, force: true })
  }
})
