// Scans of a large flow table are shared between threads (crates/node/src/tables/parallel_scan.rs):
// each thread takes chunks of the table in turn and stores its rows where the chunk before ended.
// Whatever the threads do, a scan must return what reading the entries one at a time returns, in
// index order, cut by a limit exactly where a one-thread scan stops; and active() (batches filled
// the same way) must yield the same entries.

import test from 'ava'

import { FlowTable } from '../lib/index'
import native from '../lib/native'
import { ipv4Number } from '../lib/tables/addresses'
import { failure, nativeSource } from '../lib/tables/source'
import { simWithFlows } from './helpers/flows'

/** More active flows than one batch of active() holds (32768), so that batches follow each other. */
const FLOWS = 70_000

test('a scan shared between threads returns the entries one-at-a-time reads return, in index order', async (t) => {
  const { sim, ksync, traffic } = await simWithFlows(FLOWS, { packetsPerFlow: 1 })
  await using _s = sim
  await using _k = ksync
  t.is(traffic.trapped, FLOWS)
  await using flows = await FlowTable.open(ksync)

  // The reference: every index read by itself.
  const expected: number[] = []
  for (let i = 0; i < flows.entries; i++) if (flows.get(i)) expected.push(i)
  t.is(expected.length, FLOWS)

  const all = flows.scan()
  t.is(all.count, FLOWS)
  t.is(all.torn, 0)
  t.deepEqual(Array.from(all.index), expected, 'scan(): every active index, in order, once')
  for (let row = 0; row < all.count; row += 97) {
    t.deepEqual(flows.entryOf(all, row).toJSON(), flows.get(all.index[row])!.toJSON(), `row ${row}: every field as get() reads it`)
  }

  const iterated: number[] = []
  for (const e of flows.active()) iterated.push(e.index)
  t.deepEqual(iterated, expected, 'active(): the same entries, in order, across its batches')

  // A limit cuts the scan after that many rows, wherever the rows of the threads' chunks end.
  const buffer = flows.scanBuffer()
  const whole = flows.scanInto(buffer)
  t.deepEqual(Array.from(whole.index), expected, 'scanInto(): every active index, in order, once')
  for (let row = 0; row < whole.count; row += 89) {
    t.deepEqual(flows.entryOf(whole, row).toJSON(), flows.get(whole.index[row])!.toJSON(), `scanInto row ${row}: every field as get() reads it`)
  }
  for (const limit of [1, 1000, 4096, 33_333, FLOWS - 1, FLOWS, FLOWS + 10]) {
    const cols = flows.scanInto(buffer, { limit })
    t.is(cols.count, Math.min(limit, FLOWS), `limit ${limit}`)
    t.deepEqual(Array.from(cols.index), expected.slice(0, cols.count), `limit ${limit}: the first rows of the whole scan`)
  }

  // Index windows that do not fall on chunk boundaries, together, are the whole scan.
  const cuts = [0, 40_001, 100_003, 333_333, flows.entries]
  const windows: number[] = []
  for (let w = 0; w + 1 < cuts.length; w++) windows.push(...flows.scan({ start: cuts[w], end: cuts[w + 1] }).index)
  t.deepEqual(windows, expected, 'windows of the table, concatenated')

  // Two iterators read at once, with scans in between: each batch being filled shares the helpers with the others.
  const first = flows.active()
  const second = flows.active()
  const a: number[] = []
  const b: number[] = []
  for (let x = first.next(); !x.done; x = first.next()) {
    a.push(x.value.index)
    if (a.length % 2 === 0) {
      const y = second.next()
      if (!y.done) b.push(y.value.index)
    }
    if (a.length % 20_000 === 0) t.is(flows.scanInto(buffer).count, FLOWS)
  }
  for (const e of second) b.push(e.index)
  t.deepEqual(a, expected, 'the first iterator, interleaved')
  t.deepEqual(b, expected, 'the second iterator, interleaved')

  // A filter is applied by every thread.
  const dport = all.dport[12_345]
  const matching = expected.filter((_, row) => all.dport[row] === dport)
  t.true(matching.length > 0)
  t.deepEqual(Array.from(flows.scanInto(buffer, { dport }).index), matching, `dport ${dport}`)
})

test('active() left early or outliving its table: the batch being filled is given up, nothing torn or crashed', async (t) => {
  const { sim, ksync } = await simWithFlows(FLOWS, { packetsPerFlow: 1 })
  await using _s = sim
  await using _k = ksync
  const flows = await FlowTable.open(ksync)
  const all = Array.from(flows.scan().index)

  // break: the next batch, already being filled, is abandoned; iterating again starts over.
  for (let stop = 1; stop <= 3; stop++) {
    const seen: number[] = []
    for (const e of flows.active()) {
      seen.push(e.index)
      if (seen.length === stop * 20_000) break
    }
    t.deepEqual(seen, all.slice(0, stop * 20_000))
  }
  // An iterator dropped mid-way (never finished, never returned) is collected with its batch.
  const it = flows.active()
  t.is(it.next().value?.index, all[0])

  // Closing the table mid-iteration: the entries already yielded stay readable (they are copies); going on is a
  // TableError, not a crash, whatever the batch being filled was doing.
  const kept: { index: number; key: unknown }[] = []
  const error = t.throws(() => {
    for (const e of flows.active()) {
      kept.push(e)
      if (kept.length === 1000) flows.close()
    }
  })
  t.is((error as { code?: string }).code, 'ERR_TABLE_CLOSED')
  t.true(kept.length >= 1000 && kept.length <= 32_768, `${kept.length} entries after close`)
  t.deepEqual(kept.slice(0, 1000).map((e) => e.index), all.slice(0, 1000))
  t.truthy(kept[999].key)
})

test('a native lookup of more keys than one stage holds: found entries packed into rows in key order, misses −1', async (t) => {
  const { sim, ksync, traffic } = await simWithFlows(20_000, { packetsPerFlow: 1 })
  await using _s = sim
  await using _k = ksync
  t.is(traffic.trapped, 20_000)
  await using flows = await FlowTable.open(ksync)
  const all = flows.scan()

  // FlowTable.lookupMany hands native code 256 keys a call; the native call itself takes any number, a stage's worth
  // (4096) at a time. 9000 keys, every third one missing.
  const KEYS = 9000
  const packed = new Uint32Array(KEYS * 6)
  const wanted: (number | undefined)[] = []
  for (let i = 0; i < KEYS; i++) {
    const row = (i * 7919) % all.count
    const missing = i % 3 === 1
    packed.set([all.proto[row], ipv4Number(flows.entryOf(all, row).key.src), missing ? 0x0a636363 : ipv4Number(flows.entryOf(all, row).key.dst), all.sport[row], all.dport[row], all.keyNh[row]], i * 6)
    wanted.push(missing ? undefined : all.index[row])
  }
  const opened = native.NativeFlowTable.open(nativeSource({ path: sim.flowTable, size: sim.flowTableSize }), '2024')
  if (failure(opened)) return t.fail(opened.message)
  const capacity = KEYS + 10
  const arena = new Uint8Array(native.NativeFlowTable.arenaBytes(capacity))
  opened.attach(arena, capacity)
  const rows = new Int32Array(KEYS)
  const found = opened.fillLookupMany4(3, packed, rows)
  t.is(found, wanted.filter((w) => w !== undefined).length)
  const layout = native.NativeFlowTable.layout(capacity)
  const indexColumn = new Uint32Array(arena.buffer, layout.find((c) => c.name === 'index')!.offset, capacity)
  let next = 0
  for (let i = 0; i < KEYS; i++) {
    const index = wanted[i]
    if (index === undefined) {
      t.is(rows[i], -1, `key ${i} is missing`)
      continue
    }
    t.is(rows[i], next++, `key ${i}: the next row`)
    t.is(indexColumn[3 + rows[i]], index, `key ${i}: its entry, in row 3 + ${rows[i]}`)
  }
  opened.close()
})
