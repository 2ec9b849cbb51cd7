// bench/ksync: the ksync client against the simulator — programming 100k routes with bulk, and
// 100k single awaited requests — against a pure-Node client (node:net + the thrift codec +
// netlink framing in JS, bench/peers/node-ksync.ts) on the same simulator, in the same run; our client both
// with its I/O on Node's loop (the default) and on native threads.

import { decode, encode, Ksync, NhType, SandeshOp, Simulator, type MessageName } from 'vrouter-io'

import type { Benchmark, Row } from './harness'
import { NodeKsyncClient } from './peers/node-ksync'
import { toThriftFields } from './peers/thrift-structs'

const ROUTES = 100_000
const SINGLES = 100_000

function route(i: number) {
  return {
    h_op: SandeshOp.ADD,
    rtr_vrf_id: 1,
    rtr_family: 2,
    rtr_prefix: new Uint8Array([10, (i >> 16) & 255, (i >> 8) & 255, i & 255]),
    rtr_prefix_len: 32,
    rtr_nh_id: 10,
    rtr_label: 1000,
    rtr_label_flags: 1,
  }
}

/** Every field, as the thrift structs need them. */
const full = (name: MessageName, fields: object) => toThriftFields(name, decode(encode(name, fields as never))[0].fields as never)

async function timed(f: () => Promise<unknown>): Promise<number> {
  const t0 = process.hrtime.bigint()
  await f()
  return Number(process.hrtime.bigint() - t0) / 1e9
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]

export const ksync: Benchmark = {
  name: 'ksync',
  async run() {
    await using sim = await Simulator.start()
    await using ours = await Ksync.connect(sim.ksync)
    // The same client with its I/O on native threads instead of Node's loop (KsyncOptions.io).
    await using threads = await Ksync.connect(sim.ksync, { io: 'threads' })
    await ours.add('vr_nexthop_req', { nhr_id: 10, nhr_type: NhType.DISCARD, nhr_family: 2, nhr_flags: 1 })
    await ours.add('vr_vrf_req', { vrf_idx: 1 })
    const peer = await NodeKsyncClient.connect(sim.ksync.slice('unix:'.length), ['vr_route_req', 'vr_mpls_req'])
    try {
      const rows: Row[] = []
      const ourRoutes = Array.from({ length: ROUTES }, (_, i) => ({ name: 'vr_route_req' as const, op: 'add' as const, fields: route(i) }))
      const peerRoutes = Array.from({ length: ROUTES }, (_, i) => ({ name: 'vr_route_req' as const, fields: full('vr_route_req', route(i)) }))
      // Warm both paths (JIT, the simulator's tries), then measure three rounds each.
      await ours.bulk(ourRoutes.slice(0, 20_000))
      await threads.bulk(ourRoutes.slice(0, 20_000))
      await Promise.all(peer.bulk(peerRoutes.slice(0, 20_000)))
      const oursBulk: number[] = []
      const threadsBulk: number[] = []
      const peerBulk: number[] = []
      for (let round = 0; round < 3; round++) {
        oursBulk.push(ROUTES / (await timed(() => ours.bulk(ourRoutes))))
        threadsBulk.push(ROUTES / (await timed(() => threads.bulk(ourRoutes))))
        peerBulk.push(ROUTES / (await timed(() => Promise.all(peer.bulk(peerRoutes)))))
      }
      const failed = (await ours.bulk(ourRoutes.slice(0, 100))).filter((r) => !r.ok).length
      if (failed) throw new Error(`${failed} route ADDs failed`)
      rows.push({ case: `bulk: program ${ROUTES / 1000}k routes`, unit: 'requests/s', ours: median(oursBulk), peers: { node: median(peerBulk) } })
      rows.push({ case: `bulk: program ${ROUTES / 1000}k routes, io: 'threads'`, unit: 'requests/s', ours: median(threadsBulk), peers: { node: median(peerBulk) } })

      const get = { mr_label: 1 }
      await ours.add('vr_mpls_req', { mr_label: 1, mr_nhid: 10 })
      const peerGet = full('vr_mpls_req', { h_op: SandeshOp.GET, ...get })
      const latencies = (n: number, one: () => Promise<unknown>) => async () => {
        const lat = new Float64Array(n)
        for (let i = 0; i < n; i++) {
          const t0 = process.hrtime.bigint()
          await one()
          lat[i] = Number(process.hrtime.bigint() - t0) / 1000
        }
        return lat.sort()
      }
      const oursLat = await latencies(SINGLES, () => ours.get('vr_mpls_req', get))()
      const threadsLat = await latencies(SINGLES, () => threads.get('vr_mpls_req', get))()
      const peerLat = await latencies(SINGLES, () => peer.request('vr_mpls_req', peerGet))()
      const rate = (lat: Float64Array) => 1e6 / (lat.reduce((a, b) => a + b, 0) / lat.length)
      const p50 = (lat: Float64Array) => lat[lat.length >> 1].toFixed(1)
      rows.push({
        case: `single awaited GET, ${SINGLES / 1000}k (p50 ours ${p50(oursLat)} µs, node ${p50(peerLat)} µs)`,
        unit: 'requests/s',
        ours: rate(oursLat),
        peers: { node: rate(peerLat) },
      })
      rows.push({
        case: `single awaited GET, io: 'threads' (p50 ${p50(threadsLat)} µs)`,
        unit: 'requests/s',
        ours: rate(threadsLat),
        peers: { node: rate(peerLat) },
      })
      return rows
    } finally {
      peer.close()
    }
  },
}
