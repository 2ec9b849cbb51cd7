// The flow and bridge tables read from JavaScript, against the simulator's live tables: opened
// through ksync, filled by traffic, read by index, in batches, by scans and lookups, copied whole.

import { spawn } from 'node:child_process'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'

import test from 'ava'

import { BridgeTable, FlowAction, FlowFlag, FlowTable, Ksync, Simulator, TableError, type FlowKeyInput } from '../lib/index'
import { addVifs, flowRequest, ipv6FlowRequest, simWithFlows } from './helpers/flows'

// For the collection test: `gc` as a function a new context can hand out.
setFlagsFromString('--expose-gc')

/** Active entries, read from the file with DataView as `flow -l` walks it (2024 layout: fe_flags at 88). */
function activeInFile(path: string, flagsAt = 88): Set<number> {
  const bytes = readFileSync(path)
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const out = new Set<number>()
  for (let i = 0; i < bytes.byteLength / 256; i++) if (view.getUint16(i * 256 + flagsAt, true) & FlowFlag.ACTIVE) out.add(i)
  return out
}

test('opened through ksync: tens of thousands of flows from traffic, counted, read, scanned and looked up', async (t) => {
  const { sim, ksync, traffic } = await simWithFlows(40_000)
  await using _s = sim
  await using _k = ksync
  t.is(traffic.trapped, 40_000)
  await using flows = await FlowTable.open(ksync)
  t.like(flows, { mainEntries: 524_288, overflowEntries: 105_472, entries: 629_760, byteLength: 161_218_560, layout: '2024' })

  const inFile = activeInFile(sim.flowTable)
  t.is(inFile.size, 40_000)
  const seen = new Set<number>()
  for (const e of flows.active()) seen.add(e.index)
  t.deepEqual(seen, inFile, 'active() yields exactly the ACTIVE entries of the file')

  const stats = flows.stats()
  t.like(stats, { entries: 629_760, active: 40_000, hold: 40_000, forward: 0, ipv4: 40_000, ipv6: 0, torn: 0 })
  t.true(stats.activeOverflow >= 0 && stats.activeOverflow < 40_000)
  t.is(typeof stats.bytes, 'bigint')

  // Every flow the traffic made is found by its key, at the index active() gave it.
  const all = flows.scan()
  t.is(all.count, 40_000)
  t.is(all.torn, 0)
  let checked = 0
  for (let i = 0; i < all.count; i += 97) {
    const e = flows.entryOf(all, i)
    const found = flows.lookup(e.key)
    t.truthy(found)
    t.is(found!.index, e.index)
    t.is(found!.genId, e.genId)
    t.deepEqual(found!.key, e.key)
    checked++
  }
  t.true(checked > 400)
  t.is(flows.lookup({ proto: 6, src: '10.9.9.9', dst: '10.9.9.8', sport: 1, dport: 2, nh: 0 }), undefined)

  // lookupMany: every key in order, more keys than one native batch, misses in between (undefined in their place).
  const missing = { proto: 6, src: '10.9.9.9', dst: '10.9.9.8', sport: 1, dport: 2, nh: 0 }
  const keys = []
  for (let i = 0; i < all.count; i += 37) keys.push(i % 5 === 0 ? missing : flows.entryOf(all, i).key)
  t.true(keys.length > 1000)
  const many = flows.lookupMany(keys)
  t.is(many.length, keys.length)
  let hits = 0
  for (let j = 0; j < keys.length; j++) {
    const one = flows.lookup(keys[j])
    if (keys[j] === missing) {
      t.is(many[j], undefined)
      continue
    }
    hits++
    t.truthy(many[j])
    t.is(many[j]!.index, one!.index)
    t.is(many[j]!.genId, one!.genId)
    t.deepEqual(many[j]!.key, keys[j])
    t.deepEqual(many[j]!.toJSON(), one!.toJSON())
  }
  t.true(hits > 800)
  t.deepEqual(flows.lookupMany([]), [])
  t.throws(() => flows.lookupMany([{ proto: 6, src: '10.0.0.1', dst: '10.0.0.2', sport: 70_000, dport: 80, nh: 0 }]), { message: /port 70000/ })
  t.throws(() => flows.lookup({ proto: 6, src: '10.0.0.1', dst: '10.0.0.2', sport: 80, dport: 70_000, nh: 0 }), { message: /port 70000/ })
  t.throws(() => flows.lookup({ proto: 300, src: '10.0.0.1', dst: '10.0.0.2', sport: 80, dport: 80, nh: 0 }), { message: /protocol 300/ })

  // An entry by index: what the traffic generator sent (TCP to 80 or UDP to 53, host-order ports), HOLD, NEW_FLOW.
  const first = flows.get(all.index[0])!
  t.is(first.index, all.index[0])
  t.is(first.action, FlowAction.HOLD)
  t.is(first.actionName, 'HOLD')
  const file = readFileSync(sim.flowTable)
  t.is(first.flags, file.readUInt16LE(first.index * 256 + 88), 'fe_flags as in the file')
  t.is(first.genId, file[first.index * 256 + 69], 'fe_gen_id as in the file')
  t.true(first.flagNames.includes('ACTIVE'))
  t.true([80, 53].includes(first.key.dport))
  t.true(first.key.proto === 6 ? first.key.dport === 80 : first.key.dport === 53)
  t.is(first.key.family, 'inet')
  t.regex(first.key.src, /^\d+\.\d+\.\d+\.\d+$/)
  t.is(first.rflow, -1)
  const free = [...Array(100).keys()].find((i) => !inFile.has(i))!
  t.is(flows.get(free), undefined)
  t.throws(() => flows.get(629_760), { instanceOf: RangeError })

  // Filters run natively: TCP only, one destination port, a prefix.
  const tcp = flows.scan({ proto: 6 })
  t.is(tcp.count, 20_000)
  t.true(tcp.proto.every((p) => p === 6))
  t.is(flows.scan({ dport: 53 }).count, 20_000)
  t.is(flows.scan({ limit: 10 }).count, 10)
  t.is(flows.scan({ dst: '172.16.0.0/12' }).count, 40_000)
  t.is(flows.scan({ dst: '10.0.0.0/8' }).count, 0)
  t.is(flows.scan({ action: FlowAction.FORWARD }).count, 0)
  t.throws(() => flows.scan({ src: 'nope' }), { message: /not an address/ })
  // An index range or limit that is not a whole number from 0 is an error, not a wrapped-around number.
  t.throws(() => flows.scan({ limit: -3 }), { instanceOf: RangeError, message: /limit -3 is not an index/ })
  t.throws(() => flows.scanInto(flows.scanBuffer(), { start: 1.5 }), { instanceOf: RangeError, message: /start 1.5/ })
  // A range past the table, or empty, finds nothing.
  t.is(flows.scan({ start: 1e9 }).count, 0)
  t.is(flows.scan({ start: 100, end: 50 }).count, 0)

  // A snapshot is the file's bytes.
  const snap = flows.snapshot()
  t.is(snap.length, 161_218_560)
  t.true(snap.equals(readFileSync(sim.flowTable)))
})

test('a flow the agent programs is read back with its action, reverse flow and counters', async (t) => {
  await using sim = await Simulator.start({ flowEntries: 4096 })
  await using ksync = await Ksync.connect(sim.ksync)
  await addVifs(ksync, [3])
  const add = async (sip: string, dip: string, sport: number, dport: number) => {
    // The agent's encodings: an IPv4 address as its octets read as a host-order integer, ports in network order.
    const ip = (a: string) => BigInt(Buffer.from(a.split('.').map(Number)).readUInt32LE(0))
    const htons = (p: number) => ((p & 0xff) << 8) | (p >> 8)
    const reply = await ksync.request(
      'vr_flow_req',
      0,
      flowRequest({ fr_action: FlowAction.FORWARD, fr_family: 2, fr_flow_sip_l: ip(sip), fr_flow_dip_l: ip(dip), fr_flow_proto: 17, fr_flow_sport: htons(sport), fr_flow_dport: htons(dport) }),
    )
    const resp = reply.objects.find((o) => o.name === 'vr_flow_response')!.fields as { fresp_index: number; fresp_gen_id: number }
    return resp
  }
  const f = await add('10.1.1.1', '10.1.1.2', 5000, 53)
  await using flows = await FlowTable.open(ksync)
  const e = flows.lookup({ proto: 17, src: '10.1.1.1', dst: '10.1.1.2', sport: 5000, dport: 53, nh: 23 })
  t.truthy(e)
  t.like(e!, { index: f.fresp_index, genId: f.fresp_gen_id, action: FlowAction.FORWARD, vrf: 1, srcNh: 23, bytes: 0n, packets: 0n })
  t.deepEqual(e!.key, { family: 'inet', proto: 17, src: '10.1.1.1', dst: '10.1.1.2', sport: 5000, dport: 53, nh: 23 })
  t.like(flows.get(f.fresp_index)!, { index: f.fresp_index, genId: f.fresp_gen_id })

  // An IPv6 flow, found by its key as well.
  const reply6 = await ksync.request('vr_flow_req', 0, ipv6FlowRequest(1))
  const f6 = reply6.objects.find((o) => o.name === 'vr_flow_response')!.fields as { fresp_index: number }
  const e6 = flows.lookup({ proto: 6, src: '2001:db8::1', dst: '2001:db8::abcd', sport: 12345, dport: 443, nh: 23 })
  t.truthy(e6)
  t.is(e6!.index, f6.fresp_index)
  t.deepEqual(e6!.key, { family: 'inet6', proto: 6, src: '2001:db8::1', dst: '2001:db8::abcd', sport: 12345, dport: 443, nh: 23 })
  // IPv6 keys in lookupMany go through the single lookup, in their place among IPv4 ones.
  const mixed = flows.lookupMany([e6!.key, { proto: 6, src: '10.200.0.1', dst: '10.200.0.2', sport: 1, dport: 2, nh: 23 }, e6!.key])
  t.deepEqual(mixed.map((e) => e?.index), [f6.fresp_index, undefined, f6.fresp_index])
  t.like(flows.stats(), { active: 2, ipv4: 1, ipv6: 1, forward: 1, drop: 1 })
  t.is(flows.scan({ src: '2001:db8::/32' }).count, 1)
})

test('the 2019 layout: flags, action and counters read from their older offsets', async (t) => {
  const { sim, ksync } = await simWithFlows(3000, { layout: '2019', flowEntries: 65536 })
  await using _s = sim
  await using _k = ksync
  await using flows = await FlowTable.open(ksync, { layout: '2019' })
  t.is(flows.layout, '2019')
  t.is(flows.stats().active, 3000)
  t.is(flows.stats().hold, 3000)
  const seen = new Set<number>()
  const keys: FlowKeyInput[] = []
  const indexes: number[] = []
  for (const e of flows.active()) {
    seen.add(e.index)
    t.is(flows.lookup(e.key)?.index, e.index)
    keys.push(e.key)
    indexes.push(e.index)
  }
  t.deepEqual(flows.lookupMany(keys).map((e) => e?.index), indexes)
  t.deepEqual(seen, activeInFile(sim.flowTable, 86))
  // Read with the 2024 layout, fe_flags is taken from where the 2019 entry keeps fe_rflow (−1).
  await using wrong = await FlowTable.open({ path: sim.flowTable, size: sim.flowTableSize })
  const index = [...seen][0]
  const file = readFileSync(sim.flowTable)
  t.is(flows.get(index)!.flags, file.readUInt16LE(index * 256 + 86))
  t.is(flows.get(index)!.action, file.readUInt16LE(index * 256 + 84))
  t.is(wrong.get(index)!.flags, 0xffff)
})

test('a wrong or short table is a TableError, never a crash', async (t) => {
  await using sim = await Simulator.start({ flowEntries: 4096 })
  const short = join(sim.dir, 'short.shmem')
  writeFileSync(short, Buffer.alloc(4096 * 256))
  await t.throwsAsync(FlowTable.open({ path: short, size: sim.flowTableSize }), { instanceOf: TableError, code: 'ERR_TABLE_SIZE', message: /holds 1048576 bytes, the table needs 1310720/ })
  await t.throwsAsync(FlowTable.open({ path: sim.flowTable, size: 1000 }), { instanceOf: TableError, code: 'ERR_TABLE_SIZE' })
  await t.throwsAsync(FlowTable.open({ path: sim.flowTable, size: sim.flowTableSize, mainEntries: 8192 }), { instanceOf: TableError, code: 'ERR_TABLE_SIZE', message: /make/ })
  await t.throwsAsync(FlowTable.open({ path: join(sim.dir, 'absent'), size: sim.flowTableSize }), { instanceOf: TableError, code: 'ERR_TABLE_NOT_FOUND' })
  await t.throwsAsync(FlowTable.open({ path: sim.flowTable, size: sim.flowTableSize }, { layout: '2031' as '2024' }), { instanceOf: TableError, code: 'ERR_TABLE_LAYOUT' })
  // Bridge entries are 64 bytes: a flow-table size that is not a whole bridge geometry is refused too.
  await t.throwsAsync(BridgeTable.open({ path: sim.bridgeTable, size: sim.bridgeTableSize + 64 }), { instanceOf: TableError, code: 'ERR_TABLE_SIZE' })

  // No file and no device: a kernel module reporting no major (0 or 65535), or nothing at all.
  await t.throwsAsync(FlowTable.open({ deviceMajor: 0, devDir: sim.dir, size: sim.flowTableSize }), { instanceOf: TableError, code: 'ERR_TABLE_INVALID', message: /no char device/ })
  await t.throwsAsync(FlowTable.open({ size: sim.flowTableSize }), { instanceOf: TableError, code: 'ERR_TABLE_UNSUPPORTED' })

  const flows = await FlowTable.open({ path: sim.flowTable, size: sim.flowTableSize })
  flows.close()
  t.throws(() => flows.stats(), { instanceOf: TableError, code: 'ERR_TABLE_CLOSED' })
})

test('scan() in a loop that never yields: each result is freed once collected, memory stays flat', async (t) => {
  const { sim, ksync } = await simWithFlows(40_000)
  await using _s = sim
  await using _k = ksync
  // In a process of its own: RSS is the process's, and the other test files run in this one.
  const script = `
    const { FlowTable } = require(${JSON.stringify(join(__dirname, '..', 'lib', 'index.ts'))})
    FlowTable.open({ path: ${JSON.stringify(sim.flowTable)}, size: ${sim.flowTableSize} }).then((flows) => {
      const first = flows.scan().count
      const before = process.memoryUsage().rss
      let rows = 0
      for (let i = 0; i < 100; i++) rows += flows.scan().count
      console.log(JSON.stringify({ first, rows, grown: process.memoryUsage().rss - before }))
    })`
  const child = spawn(process.execPath, ['--import', 'tsx', '-e', script])
  let out = ''
  child.stdout.on('data', (d: Buffer) => (out += d))
  child.stderr.on('data', (d: Buffer) => (out += d))
  t.is(await new Promise((resolve) => child.once('close', resolve)), 0, out)
  const { first, rows, grown } = JSON.parse(out) as { first: number; rows: number; grown: number }
  t.is(first, 40_000)
  t.is(rows, 4_000_000)
  // Each result touches about 4 MB; results freed only from the event loop (as Node runs the finalizers of buffers
  // native code allocated) added up to 420 MB here.
  t.true(grown < 150e6, `RSS grew ${(grown / 1e6).toFixed(0)} MB over 100 scans`)
})

test('a flow table never closed is unmapped once collected, with the callbacks made for it', async (t) => {
  await using sim = await Simulator.start({ flowEntries: 4096 })
  const gc = runInNewContext('gc') as () => void
  const mappings = () => readFileSync('/proc/self/maps', 'utf8').split('\n').filter((l) => l.endsWith(sim.flowTable)).length
  const before = mappings()
  let table: FlowTable | undefined = await FlowTable.open({ path: sim.flowTable, size: sim.flowTableSize })
  t.is(table.lookup({ proto: 6, src: '10.0.0.1', dst: '10.0.0.2', sport: 1, dport: 2, nh: 0 }), undefined)
  t.is(mappings(), before + 1)
  table = undefined
  // Node-API finalizers run after the collection, from the event loop.
  for (let i = 0; i < 50 && mappings() > before; i++) {
    gc()
    await new Promise((resolve) => setImmediate(resolve))
  }
  t.is(mappings(), before)
})

test('the bridge table: routes the agent adds are read back by MAC and VRF', async (t) => {
  await using sim = await Simulator.start({ bridgeEntries: 4096 })
  await using ksync = await Ksync.connect(sim.ksync)
  await addVifs(ksync, [3])
  await ksync.add('vr_nexthop_req', { nhr_id: 30 })
  const macs = Array.from({ length: 200 }, (_, i) => Buffer.from([2, 0, 0, 0, i >> 8, i & 0xff]))
  for (const mac of macs) {
    await ksync.add('vr_route_req', { rtr_family: 7, rtr_vrf_id: 1, rtr_mac: mac, rtr_nh_id: 30, rtr_label: 99, rtr_label_flags: 1 })
  }
  await using bridge = await BridgeTable.open(ksync)
  t.is(bridge.entries, 4096 + 1024)
  const all = [...bridge.active()]
  t.is(all.length, 200)
  t.deepEqual(bridge.scan().map((e) => e.index), all.map((e) => e.index))
  t.is(bridge.scan({ vrf: 2 }).length, 0)
  const e = bridge.lookup('02:00:00:00:00:07', 1)
  t.truthy(e)
  t.like(e!, { mac: '02:00:00:00:00:07', vrf: 1, nhId: 30, packets: 0n })
  t.true(e!.flagNames.includes('VALID'))
  t.is(bridge.get(e!.index)!.mac, e!.mac)
  t.is(bridge.lookup('02:00:00:00:00:07', 2), undefined)
  t.throws(() => bridge.lookup('zz', 1), { instanceOf: TypeError })
  t.is(bridge.snapshot().length, bridge.byteLength)
})
