// The live-writer test: the simulator's churn writer rewrites the flow table at full rate (a test
// mode stamping each flow with a check value derived from its key and gen id) while the table is
// scanned, iterated, read by index and looked up; every entry returned must carry its own stamp —
// an entry copied while the writer replaced it would mix two occupants.

import { setImmediate as tick } from 'node:timers/promises'

import test from 'ava'

import { FlowTable, Ksync, Simulator, type FlowEntry } from '../lib/index'
import { churnCheckValue } from '../lib/sim'

const CHURN_NH = 0x00c40000

test('every entry read while the writer churns carries its own check value', async (t) => {
  // A small table: the readers keep meeting the entries being rewritten, chains form and break.
  await using sim = await Simulator.start({ flowEntries: 1024 })
  await using ksync = await Ksync.connect(sim.ksync)
  await using flows = await FlowTable.open(ksync)

  let verified = 0
  const check = (e: FlowEntry) => {
    const k = e.key
    const value = churnCheckValue(k.src, k.dst, k.sport, k.dport, e.genId)
    if (k.nh !== CHURN_NH || e.tcpSeq !== value || e.srcInfo !== (value ^ 0xa5a5a5a5) >>> 0 || e.udpSrcPort !== (value & 0xffff)) {
      t.fail(`entry ${e.index} torn: ${JSON.stringify({ key: k, genId: e.genId, tcpSeq: e.tcpSeq, srcInfo: e.srcInfo, udpSrcPort: e.udpSrcPort, value })}`)
    }
    verified++
  }

  let done = false
  const churn = sim.churn({ flows: 1500, durationMs: 2000 }).finally(() => (done = true))
  let passes = 0
  let torn = 0
  while (!done || passes === 0) {
    const cols = flows.scan()
    torn += cols.torn
    for (let i = 0; i < cols.count; i++) check(flows.entryOf(cols, i))
    for (const e of flows.active()) check(e)
    for (let i = 0; i < flows.entries; i += 7) {
      const e = flows.get(i)
      if (e) check(e)
    }
    for (let i = 0; i < cols.count; i += 5) {
      const e = flows.lookup(flows.entryOf(cols, i).key)
      if (e) check(e)
    }
    passes++
    await tick()
  }
  const r = await churn
  t.log(`writer: ${r.inserted} inserted, ${r.released} released, ${r.updated} updated in ${r.elapsedMs.toFixed(0)} ms; readers: ${passes} passes, ${verified} entries verified, ${torn} skipped as torn`)
  t.true(r.inserted > 10_000, 'the writer ran')
  t.true(verified > 10_000, 'the readers returned entries')
})
