// bench/tables: reading the flow table while it is mapped, on vRouter's default table (629,760
// entries of 256 bytes, 161 MB) with half of it active (flows made by the simulator's traffic).
//
// - scan: a full pass returning every active flow as columns, against pure JavaScript (fs.read of
//   the file + a DataView walk, bench/peers/js-tables.ts) and against `limit`: memcpy of the bytes
//   the pass must touch (the cache line holding fe_flags of each free entry, all 256 bytes of each
//   active one). Unit: table entries covered per second.
// - active(): entries delivered to JavaScript as entry objects, per second.
// - lookup: an IPv4 key to its entry (hash, bucket of 4, overflow chain, checked copy), per second; lookupMany: the
//   same for 1024 keys a call, per key.
// - snapshot: the whole table into a Buffer, bytes per second, against fs.read of the file and
//   memcpy of the same size.

import { FlowTable, Ksync, Simulator, VifFlag, VifType, type FlowKeyInput } from 'vrouter-io'

import { opsPerSecond, type Benchmark, type Row } from './harness'
import { JsColumns, JsFlowTable } from './peers/js-tables'

const ENTRY = 256
const LINE = 64

/** A copy of `bytes` bytes into a buffer (both touched beforehand: no page faults in the figure). */
function memcpyOf(bytes: number): () => void {
  const src = Buffer.alloc(bytes, 1)
  const dst = Buffer.alloc(bytes, 2)
  return () => dst.set(src)
}

/**
 * Calls per second of each function, measured in alternation: each round times one call of each, in a rotating
 * order, so that all of them see the same load on a shared machine (a pass takes tens of milliseconds); the median of
 * the rounds, after two warm-up rounds.
 */
function paired(fns: Record<string, () => unknown>, rounds = 21): Record<string, number> {
  const names = Object.keys(fns)
  const times: Record<string, number[]> = Object.fromEntries(names.map((n) => [n, []]))
  for (let r = 0; r < rounds + 2; r++) {
    for (let i = 0; i < names.length; i++) {
      const name = names[(i + r) % names.length]
      const t0 = process.hrtime.bigint()
      fns[name]()
      const ns = Number(process.hrtime.bigint() - t0)
      if (r >= 2) times[name].push(ns)
    }
  }
  return Object.fromEntries(names.map((n) => [n, 1e9 / times[n].sort((a, b) => a - b)[times[n].length >> 1]]))
}

export const tables: Benchmark = {
  name: 'tables',
  async run() {
    await using sim = await Simulator.start({ flowHoldLimit: 0 })
    await using ksync = await Ksync.connect(sim.ksync)
    for (const idx of [3, 4]) {
      await ksync.add('vr_interface_req', { vifr_idx: idx, vifr_type: VifType.VIRTUAL, vifr_name: `tap${idx}`, vifr_os_idx: 100 + idx, vifr_vrf: 1, vifr_nh_id: 20 + idx, vifr_flags: VifFlag.POLICY_ENABLED })
    }
    await using flows = await FlowTable.open(ksync)
    const half = flows.entries / 2
    const traffic = await sim.traffic({ flows: half, packetsPerFlow: 1 })
    const active = flows.stats().active
    if (active !== half || traffic.trapped !== half) throw new Error(`expected ${half} active flows, have ${active}`)
    console.log(`tables: ${flows.entries} entries (${flows.byteLength} bytes), ${active} active`)

    const js = new JsFlowTable(sim.flowTable, flows.byteLength)
    const jsColumns = new JsColumns(flows.entries)
    const rows: Row[] = []

    // Full scans: entries covered per second. The peer fills columns it allocated once; scanInto() does the same with
    // a ScanBuffer. scan() returns fresh typed arrays each time (their first touch costs page faults): its own row.
    const touched = (flows.entries - active) * LINE + active * ENTRY
    const buffer = flows.scanBuffer()
    let sink = 0
    const s = paired({
      scanInto: () => flows.scanInto(buffer).count,
      scan: () => flows.scan().count,
      filtered: () => flows.scanInto(buffer, { dport: 80 }).count,
      js: () => js.scan(jsColumns),
      limit: memcpyOf(touched),
    })
    const perEntry = (rate: number) => rate * flows.entries
    rows.push({ case: 'scan: every active flow as columns, scanInto (full table)', unit: 'entries/s', ours: perEntry(s.scanInto), peers: { 'peers.js': perEntry(s.js) }, limit: perEntry(s.limit) })
    rows.push({ case: 'scan: every active flow as new columns, scan() (full table)', unit: 'entries/s', ours: perEntry(s.scan), peers: { 'peers.js': perEntry(s.js) }, limit: perEntry(s.limit) })
    rows.push({ case: 'scan: active flows with dport 80 (full table)', unit: 'entries/s', ours: perEntry(s.filtered), peers: {}, limit: perEntry(s.limit) })

    // active(): entries into JavaScript, one entry object each.
    const a = paired({
      ours: () => {
        for (const e of flows.active()) sink += e.index
      },
      js: () => js.active((e) => (sink += e.index)),
    })
    rows.push({ case: 'active(): entries delivered to JS', unit: 'entries/s', ours: a.ours * active, peers: { 'peers.js': a.js * active } })

    // Lookups of keys known to be there, in a random order.
    const all = flows.scan()
    const keys: FlowKeyInput[] = []
    for (let i = 0; i < 65536; i++) keys.push(flows.entryOf(all, Math.floor(Math.random() * all.count)).key)
    let k = 0
    const lookups = opsPerSecond(() => {
      if (flows.lookup(keys[k++ & 65535]) === undefined) throw new Error('a key in the table was not found')
    })
    rows.push({ case: `lookup: random IPv4 key to entry (${(1e9 / lookups).toFixed(0)} ns each)`, unit: 'lookups/s', ours: lookups, peers: {} })
    // The same with the table's lines for 64 keys in the CPU caches: the cost of the lookup itself, without DRAM and
    // TLB misses (a 161 MB table on 4 KiB pages).
    const warm = opsPerSecond(() => {
      if (flows.lookup(keys[k++ & 63]) === undefined) throw new Error('a key in the table was not found')
    })
    rows.push({ case: `lookup: cached IPv4 key to entry (${(1e9 / warm).toFixed(0)} ns each)`, unit: 'lookups/s', ours: warm, peers: {} })
    // lookupMany: the same random keys, 1024 per call, per key. The buckets of keys a few places ahead are fetched while
    // one is resolved, so DRAM latencies overlap instead of adding up.
    const BATCH = 1024
    const batches: FlowKeyInput[][] = []
    for (let i = 0; i < 65536; i += BATCH) batches.push(keys.slice(i, i + BATCH))
    let b = 0
    const many = opsPerSecond(
      () => {
        const found = flows.lookupMany(batches[b++ & (batches.length - 1)])
        if (found[BATCH - 1] === undefined) throw new Error('a key in the table was not found')
      },
      { opsPerCall: BATCH },
    )
    rows.push({ case: `lookupMany: random IPv4 keys, ${BATCH} a call (${(1e9 / many).toFixed(0)} ns per key)`, unit: 'lookups/s', ours: many, peers: {} })

    // Snapshots: bytes per second.
    const into = Buffer.alloc(flows.byteLength, 3)
    const c = paired({ ours: () => flows.snapshotInto(into), js: () => js.read(), limit: memcpyOf(flows.byteLength) })
    const bytes = (rate: number) => rate * flows.byteLength
    rows.push({ case: 'snapshot: whole table into a Buffer', unit: 'bytes/s', ours: bytes(c.ours), peers: { 'peers.js': bytes(c.js) }, limit: bytes(c.limit) })

    js.close()
    if (sink === -1) console.log(sink)
    return rows
  },
}
