// bench/pkt0: packets from the simulator's pkt0 socket into a JavaScript `for await` loop (64- and 256-byte packets),
// against the native reader alone on the same socket in the same run (`limit`: the reader counts and drops, nothing
// crosses into JavaScript); the send rate of batches of SWITCH frames; and a flood into a stalled consumer, whose
// queue must stay within its configured bound.
//
// The simulator's flood (Simulator.flood) sends FLOW_MISS frames from its own thread, waiting for room rather than
// dropping, so that every rate here is the receiver's.

import { AgentCmd, Pkt0, Simulator } from 'vrouter-io'

import type { Benchmark, Row } from './harness'

const RECEIVE = Number(process.env.PKT0_BENCH_PACKETS ?? 2_000_000)
const SEND_BATCH = 1024
const STALL_BOUND = 4 << 20

const log = (m: string) => process.env.PKT0_BENCH_LOG && console.error(`[pkt0] ${m}`)
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]

async function until(cond: () => boolean): Promise<void> {
  while (!cond()) await new Promise((r) => setTimeout(r, 1))
}

/** Packets per second through `for await`, each packet's header read. */
async function receiveIntoJs(sim: Simulator, pkt0: Pkt0, it: AsyncIterator<{ header: { cmd: number } }>, innerLength: number): Promise<number> {
  let n = 0
  let flowMiss = 0
  const flooding = sim.flood({ innerLength, count: RECEIVE })
  const t0 = process.hrtime.bigint()
  while (n < RECEIVE) {
    const r = await it.next()
    if (r.done) throw new Error('pkt0 closed')
    if (r.value.header.cmd === AgentCmd.TRAP_FLOW_MISS) flowMiss++
    n++
  }
  const s = Number(process.hrtime.bigint() - t0) / 1e9
  await flooding
  if (flowMiss !== RECEIVE || pkt0.stats().dropped !== 0) throw new Error(`lost packets: ${flowMiss} of ${RECEIVE}, ${pkt0.stats().dropped} dropped`)
  return RECEIVE / s
}

/** Packets per second the native reader takes off the same socket when nothing crosses into JavaScript. */
async function receiveNativeOnly(sim: Simulator, pkt0: Pkt0, innerLength: number): Promise<number> {
  pkt0.setDiscard(true)
  const before = pkt0.stats().received
  const t0 = process.hrtime.bigint()
  await sim.flood({ innerLength, count: RECEIVE })
  await until(() => pkt0.stats().received - before >= RECEIVE)
  const s = Number(process.hrtime.bigint() - t0) / 1e9
  pkt0.setDiscard(false)
  return RECEIVE / s
}

/** Frames per second accepted by the socket, sent in batches of SEND_BATCH SWITCH frames for one second. */
function sendRate(pkt0: Pkt0, innerLength: number): { rate: number; full: number } {
  const packet = Buffer.alloc(innerLength, 0xab)
  const list = Array.from({ length: SEND_BATCH }, (_, i) => ({ header: { ifindex: 4, vrf: 1, cmd: AgentCmd.CMD_SWITCH, cmdParam: i }, frame: packet }))
  const fullBefore = pkt0.stats().sendFull
  let sent = 0
  const t0 = process.hrtime.bigint()
  let ns = 0
  while (ns < 1e9) {
    sent += pkt0.sendBatch(list)
    ns = Number(process.hrtime.bigint() - t0)
  }
  return { rate: (sent * 1e9) / ns, full: pkt0.stats().sendFull - fullBefore }
}

export const pkt0: Benchmark = {
  name: 'pkt0',
  async run() {
    await using sim = await Simulator.start({ flowEntries: 4096, bridgeEntries: 4096 })
    const rows: Row[] = []
    {
      // `pause`: when JavaScript falls behind, the reader waits and the flood with it; nothing is dropped.
      await using ch = await Pkt0.open(sim.pkt0, { dropPolicy: 'pause' })
      const it = ch[Symbol.asyncIterator]()
      for (const innerLength of [64, 256]) {
        await receiveIntoJs(sim, ch, it, innerLength) // warm-up (JIT)
        const js: number[] = []
        const limit: number[] = []
        for (let round = 0; round < 3; round++) {
          js.push(await receiveIntoJs(sim, ch, it, innerLength))
          limit.push(await receiveNativeOnly(sim, ch, innerLength))
          log(`${innerLength}: js ${js.at(-1)!.toFixed(0)}/s, native only ${limit.at(-1)!.toFixed(0)}/s`)
        }
        rows.push({ case: `receive ${innerLength}-byte packets into for await`, unit: 'packets/s', ours: median(js), peers: {}, limit: median(limit) })
      }
      await it.return?.()
    }
    {
      // The JavaScript side alone: packets already queued natively, drained through for await (what the reader
      // would deliver if the socket were not the bottleneck).
      await using ch = await Pkt0.open(sim.pkt0, { maxQueuePackets: 2 * RECEIVE, maxQueueBytes: 1 << 30 })
      const it = ch[Symbol.asyncIterator]()
      const rates: number[] = []
      for (let round = 0; round < 4; round++) {
        await sim.flood({ innerLength: 64, count: RECEIVE })
        await until(() => ch.stats().queued >= RECEIVE)
        let n = 0
        const t0 = process.hrtime.bigint()
        while (n < RECEIVE) {
          const r = await it.next()
          if (r.done) throw new Error('pkt0 closed')
          if (r.value.header.cmd === AgentCmd.TRAP_FLOW_MISS) n++
        }
        if (round > 0) rates.push(RECEIVE / (Number(process.hrtime.bigint() - t0) / 1e9))
      }
      log(`drain: ${rates.map((r) => r.toFixed(0)).join(', ')}`)
      rows.push({ case: 'receive 64-byte packets already queued into for await (JS side alone)', unit: 'packets/s', ours: median(rates), peers: {} })
      await it.return?.()
    }
    {
      await using ch = await Pkt0.open(sim.pkt0)
      for (const innerLength of [64, 256]) {
        sendRate(ch, innerLength)
        const rounds = [sendRate(ch, innerLength), sendRate(ch, innerLength), sendRate(ch, innerLength)]
        log(`send ${innerLength}: ${rounds.map((r) => r.rate.toFixed(0)).join(', ')}`)
        const full = rounds.reduce((a, r) => a + r.full, 0)
        rows.push({ case: `send ${innerLength}-byte packets (sendBatch of ${SEND_BATCH}; ${full} refused as full)`, unit: 'packets/s', ours: median(rounds.map((r) => r.rate)), peers: {} })
      }
    }
    {
      // A stalled consumer: nobody reads; 1M frames of 256-byte packets arrive. The queue's bytes stay within the bound.
      await using ch = await Pkt0.open(sim.pkt0, { maxQueueBytes: STALL_BOUND })
      const rss0 = process.memoryUsage().rss
      const count = 1_000_000
      await sim.flood({ innerLength: 256, count })
      await until(() => ch.stats().received >= count)
      const s = ch.stats()
      const rss = process.memoryUsage().rss - rss0
      rows.push({ case: `stalled consumer, ${count} frames: peak queued bytes (${s.dropped} dropped)`, unit: 'bytes', ours: s.peakQueuedBytes, peers: {}, limit: STALL_BOUND })
      rows.push({ case: 'stalled consumer: process RSS growth', unit: 'bytes', ours: Math.max(0, rss), peers: {} })
    }
    return rows
  },
}
