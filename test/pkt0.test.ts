// pkt0 from JavaScript against the simulator over the DPDK datagram pair: traps in, frames out, backpressure, bad
// frames, lifetime.

import { spawnSync } from 'node:child_process'
import { join } from 'node:path'

import test from 'ava'

import { AbortError, AgentCmd, decode, encode, Pkt0, SandeshOp, Simulator, VifFlag, VifType, type Pkt0Packet } from '../lib/index'
import { arpFrame, dhcpFrame, tcpFrame } from './helpers/frames'
import { open, request } from './helpers/ksync-socket'

const VRF = 1

/** A simulator with vifs 3 (policy-enabled) and 4 (plain). */
async function setup(): Promise<{ sim: Simulator; close(): Promise<void> }> {
  const sim = await Simulator.start({ flowEntries: 4096, bridgeEntries: 4096 })
  // Over a plain socket (test/helpers), so that these tests depend on the simulator and pkt0 only.
  const s = await open(sim.ksync)
  for (const [idx, flags] of [
    [3, VifFlag.POLICY_ENABLED],
    [4, 0],
  ]) {
    const req = encode('vr_interface_req', {
      h_op: SandeshOp.ADD,
      vifr_idx: idx,
      vifr_type: VifType.VIRTUAL,
      vifr_name: `tap${idx}`,
      vifr_os_idx: 100 + idx,
      vifr_vrf: VRF,
      vifr_nh_id: 20 + idx,
      vifr_flags: flags,
    })
    const [f] = await request(s, req, idx)
    const [resp] = decode(f.payload!)
    if ((resp.fields as { resp_code: number }).resp_code !== 0) throw new Error(`vif ${idx}: ${JSON.stringify(resp.fields)}`)
  }
  s.destroy()
  return { sim, close: () => sim.close() }
}

/** Waits until `cond` holds (checked on every turn of a short timer; the test's timeout bounds it). */
async function until(cond: () => boolean): Promise<void> {
  while (!cond()) await new Promise((r) => setTimeout(r, 5))
}

const readers = new WeakMap<Pkt0, AsyncIterator<Pkt0Packet>>()

/** Reads `n` packets through one iterator per channel (one reader at a time; leaving it would close the channel). */
async function take(pkt0: Pkt0, n: number): Promise<Array<{ header: Pkt0Packet['header']; frame: Buffer; raw: Buffer }>> {
  const out = []
  let it = readers.get(pkt0)
  if (!it) readers.set(pkt0, (it = pkt0[Symbol.asyncIterator]()))
  while (out.length < n) {
    const r = await it.next()
    if (r.done) break
    out.push({ header: r.value.header, frame: Buffer.from(r.value.frame), raw: Buffer.from(r.value.raw) })
  }
  return out
}

test('ARP and DHCP traps arrive with their agent header and the packet', async (t) => {
  const { sim, close } = await setup()
  await using pkt0 = await Pkt0.open(sim.pkt0)
  t.deepEqual(sim.inject(arpFrame(), { vif: 4 }), { action: 'trapped', trap: 'TRAP_ARP' })
  t.deepEqual(sim.inject(dhcpFrame(), { vif: 3 }), { action: 'trapped', trap: 'TRAP_L3_PROTOCOLS' })
  const [arp, dhcp] = await take(pkt0, 2)
  t.is(arp.header.cmd, AgentCmd.TRAP_ARP)
  t.like(arp.header, { ifindex: 4, vrf: VRF, cmdParam: 0, cmdParam1: 0 })
  t.deepEqual(arp.frame, arpFrame())
  t.is(arp.raw.length, 44 + 60)
  t.is(arp.raw.readUInt16BE(12), 0x0800)
  t.is(dhcp.header.cmd, AgentCmd.TRAP_L3_PROTOCOLS)
  t.like(dhcp.header, { ifindex: 3, vrf: VRF })
  t.deepEqual(dhcp.frame, dhcpFrame())
  t.like(pkt0.stats(), { received: 2, delivered: 2, dropped: 0, invalidShort: 0 })
  await close()
})

test('FLOW_MISS traps carry the flow index, nexthop and gen id, from inject and from traffic', async (t) => {
  const { sim, close } = await setup()
  await using pkt0 = await Pkt0.open(sim.pkt0)
  const r = sim.inject(tcpFrame(1000), { vif: 3 })
  t.is(r.trap, 'TRAP_FLOW_MISS')
  const [miss] = await take(pkt0, 1)
  t.is(miss.header.cmd, AgentCmd.TRAP_FLOW_MISS)
  t.like(miss.header, { ifindex: 3, vrf: VRF, cmdParam: r.flowIndex, cmdParam1: r.nh, cmdParam5: r.genId })
  t.deepEqual(miss.frame, tcpFrame(1000))

  const traffic = await sim.traffic({ flows: 200, packetsPerFlow: 1, vif: 3 })
  t.is(traffic.trapped, 200)
  const got = await take(pkt0, traffic.trapsSent)
  t.is(got.length, traffic.trapsSent)
  t.true(got.every((p) => p.header.cmd === AgentCmd.TRAP_FLOW_MISS && p.header.ifindex === 3))
  t.is(new Set(got.map((p) => p.header.cmdParam)).size, got.length, 'one flow index per trap')
  await close()
})

test('frames sent with SWITCH and ROUTE are re-injected; invalid ones are counted by the simulator', async (t) => {
  const { sim, close } = await setup()
  await using pkt0 = await Pkt0.open(sim.pkt0)
  const packet = arpFrame()
  pkt0.sendSwitch(packet, 4, VRF)
  pkt0.sendRoute(packet, 3, VRF)
  t.is(pkt0.sendBatch([{ header: { ifindex: 4, vrf: VRF, cmd: AgentCmd.CMD_ROUTE, cmdParam: 1, cmdParam1: 1 }, frame: tcpFrame(7) }]), 3)
  await until(() => sim.stats().reinjected === 3)
  const frames = sim.reinjected()
  t.deepEqual(
    frames.map((f) => [f.cmd, f.ifindex, f.vrf, f.param, f.param1]),
    [
      ['CMD_SWITCH', 4, VRF, 0, 0],
      ['CMD_ROUTE', 3, VRF, 0, 0],
      ['CMD_ROUTE', 4, VRF, 1, 1],
    ],
  )
  t.deepEqual(frames[0].packet, packet)
  t.deepEqual(frames[2].packet, tcpFrame(7))
  // A trap command is not something the agent sends: vRouter (and the simulator) count it as invalid.
  pkt0.send({ ifindex: 4, vrf: VRF, cmd: AgentCmd.TRAP_ARP }, packet)
  pkt0.flush()
  await until(() => sim.stats().invalidFrames === 1)
  t.is(pkt0.stats().sent, 4)
  t.throws(() => pkt0.send({ ifindex: 4, vrf: VRF }, Buffer.alloc(0)), { instanceOf: RangeError, message: /44-byte frame/ })
  t.throws(() => pkt0.send({ ifindex: 70000, vrf: VRF }, packet), { instanceOf: RangeError, message: /ifindex/ })
  await close()
})

test('a stalled consumer: the queue stays within its bound and the rest is dropped and counted', async (t) => {
  const { sim, close } = await setup()
  const maxQueueBytes = 64 * 1024
  await using pkt0 = await Pkt0.open(sim.pkt0, { maxQueueBytes })
  const count = 20_000
  t.is(await sim.flood({ innerLength: 256, count }), count)
  await until(() => pkt0.stats().received === count)
  const s = pkt0.stats()
  t.true(s.queuedBytes <= maxQueueBytes && s.peakQueuedBytes <= maxQueueBytes, `queued ${s.queuedBytes}, peak ${s.peakQueuedBytes}`)
  t.is(s.queued, Math.floor(maxQueueBytes / 300))
  t.is(s.delivered + s.dropped + s.queued, count)
  t.is(s.droppedBytes, s.dropped * 300)
  // What waited is still there, intact.
  const waiting = await take(pkt0, s.queued)
  t.true(waiting.every((p) => p.header.cmd === AgentCmd.TRAP_FLOW_MISS && p.frame.length === 256))
  t.is(pkt0.stats().queued, 0)
  await close()
})

test('drop-oldest keeps the newest frames; the packet bound holds too', async (t) => {
  const { sim, close } = await setup()
  await using pkt0 = await Pkt0.open(sim.pkt0, { maxQueuePackets: 10, dropPolicy: 'drop-oldest' })
  for (let i = 0; i < 50; i++) sim.inject(tcpFrame(2000 + i), { vif: 3 })
  await until(() => pkt0.stats().received === 50)
  t.like(pkt0.stats(), { queued: 10, dropped: 40 })
  const kept = await take(pkt0, 10)
  t.deepEqual(
    kept.map((p) => p.frame.readUInt16BE(34)),
    Array.from({ length: 10 }, (_, i) => 2040 + i),
  )
  await close()
})

test('frames of 44 bytes or fewer and oversize frames are counted, not delivered', async (t) => {
  const { sim, close } = await setup()
  await using pkt0 = await Pkt0.open(sim.pkt0)
  t.is(await sim.flood({ innerLength: 0, count: 3 }), 3)
  t.is(await sim.flood({ innerLength: 12_000, count: 2 }), 2)
  sim.inject(arpFrame(), { vif: 4 })
  const [arp] = await take(pkt0, 1)
  t.is(arp.header.cmd, AgentCmd.TRAP_ARP)
  t.like(pkt0.stats(), { received: 6, invalidShort: 3, oversize: 2, delivered: 1, unknownCommand: 0 })
  await close()
})

test('batches() hands over whole batches; leaving the loop closes the channel', async (t) => {
  const { sim, close } = await setup()
  const pkt0 = await Pkt0.open(sim.pkt0)
  await sim.flood({ innerLength: 64, count: 1000 })
  let seen = 0
  for await (const batch of pkt0.batches()) {
    t.true(batch.length >= 1)
    for (let i = 0; i < batch.length; i++) t.is(batch.cmd(i), AgentCmd.TRAP_FLOW_MISS)
    seen += batch.length
    if (seen === 1000) break
  }
  t.is(seen, 1000)
  t.throws(() => pkt0.send({ ifindex: 4, vrf: 1 }, arpFrame()), { message: /closed/ })
  t.is(pkt0.stats().delivered, 1000)
  await close()
})

test('an abort signal ends a waiting read with an AbortError and closes the channel', async (t) => {
  const { sim, close } = await setup()
  const ac = new AbortController()
  const pkt0 = await Pkt0.open(sim.pkt0, { signal: ac.signal })
  const reading = (async () => {
    for await (const _ of pkt0) void _
  })()
  setImmediate(() => ac.abort())
  await t.throwsAsync(reading, { instanceOf: AbortError })
  t.throws(() => pkt0.sendSwitch(arpFrame(), 4, 1), { instanceOf: AbortError })
  await close()
})

test('open waits for the forwarding engine socket, times out with a TransportError, and refuses bad endpoints', async (t) => {
  const dir = join(require('node:os').tmpdir(), `pkt0-test-${process.pid}`)
  require('node:fs').mkdirSync(dir, { recursive: true })
  await t.throwsAsync(Pkt0.open(`unix:${dir}/agent_pkt0`, { connectTimeoutMs: 50 }), { name: 'TransportError', message: /did not appear/ })
  await t.throwsAsync(Pkt0.open('udp:1.2.3.4'), { name: 'TransportError', message: /not a pkt0 endpoint/ })
  // The simulator comes up after the agent bound: open connects once dpdk_pkt0 appears.
  const opening = Pkt0.open(`unix:${dir}/agent_pkt0`)
  const sim = await Simulator.start({ dir, flowEntries: 4096, bridgeEntries: 4096 })
  const pkt0 = await opening
  t.truthy(pkt0)
  await pkt0.close()
  await sim.close()
})

test('an idle channel does not keep Node running', (t) => {
  const script = `
    const { Pkt0, Simulator } = require('./lib/index')
    ;(async () => {
      const sim = await Simulator.start({ flowEntries: 4096, bridgeEntries: 4096 })
      const pkt0 = await Pkt0.open(sim.pkt0)
      pkt0.stats()
      console.log('opened')
    })()
  `
  const r = spawnSync(process.execPath, ['--import', 'tsx', '-e', script], { cwd: join(__dirname, '..'), encoding: 'utf8', timeout: 60_000 })
  t.is(r.stdout.trim(), 'opened', r.stderr)
  t.is(r.status, 0)
})

test('a second agent after the first closed: the simulator lets go of the old one and traps reach the new one', async (t) => {
  const { sim, close } = await setup()
  const first = await Pkt0.open(sim.pkt0)
  sim.inject(arpFrame(), { vif: 4 })
  t.is((await take(first, 1)).length, 1)
  await first.close()
  await using second = await Pkt0.open(sim.pkt0)
  sim.inject(arpFrame(), { vif: 4 })
  const [arp] = await take(second, 1)
  t.is(arp.header.cmd, AgentCmd.TRAP_ARP)
  await close()
})
