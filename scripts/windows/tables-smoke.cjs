'use strict'
// The Windows smoke test of the flow table in JavaScript, run by node.exe under Wine beside smoke.cjs
// (scripts/windows/node-smoke.sh stages both): the simulator's tables as named sections (NativeSectionTables, filled
// with flows stamped with a check value), opened read-only by FlowTable.open({ section, size }) through vrouter-io's
// section reader; counts, active(), lookups, scans, a snapshot, and a size the section does not hold.
// Prints one line, "windows node smoke: tables on named sections: PASS (…)" or "… FAIL (<reason>)"; exits 1 on failure.

const assert = require('node:assert/strict')

async function main() {
  const who = 'windows node smoke: tables on named sections'
  try {
    const vr = require('./dist/index.js')
    const { churnCheckValue } = require('./dist/sim.js')
    const native = require('./index.js')
    const sections = native.NativeSectionTables.create(`Local\\vrouter-smoke-${process.pid}`, 4096)
    try {
      assert.equal(sections.insertFlows(3000), 3000)
      const flows = await vr.FlowTable.open({ section: sections.flowName, size: sections.flowSize })
      try {
        assert.equal(flows.entries, 4096 + 1024)
        assert.equal(flows.stats().active, 3000)
        let n = 0
        for (const e of flows.active()) {
          const k = e.key
          const check = churnCheckValue(k.src, k.dst, k.sport, k.dport, e.genId)
          assert.equal(e.tcpSeq, check, `entry ${e.index}: its stamp`)
          assert.equal(e.srcInfo, (check ^ 0xa5a5a5a5) >>> 0)
          if (n % 50 === 0) assert.equal(flows.lookup(k)?.index, e.index, `lookup of entry ${e.index}`)
          n++
        }
        assert.equal(n, 3000)
        assert.equal(flows.scan({ dport: 53 }).count, 3000)
        assert.equal(flows.scan({ src: '192.168.0.0/24' }).count, 256)
        assert.equal(flows.snapshot().length, sections.flowSize)
      } finally {
        flows.close()
      }
      await assert.rejects(vr.FlowTable.open({ section: sections.flowName, size: sections.flowSize + (1 << 20) }), { name: 'TableError', code: 'ERR_TABLE_SIZE' })
      await assert.rejects(vr.FlowTable.open({ section: `${sections.flowName}-missing`, size: sections.flowSize }), { name: 'TableError' })
      const bridge = await vr.BridgeTable.open({ section: sections.bridgeName, size: sections.bridgeSize })
      assert.equal([...bridge.active()].length, 0)
      bridge.close()
    } finally {
      sections.close()
    }
  } catch (e) {
    const reason = (e instanceof Error ? e.message : String(e)).replace(/\s+/g, ' ').slice(0, 400)
    console.log(`${who}: FAIL (${reason})`)
    if (e instanceof Error) console.log(e.stack)
    process.exitCode = 1
    return
  }
  console.log(`${who}: PASS (3000 stamped flows: stats, active(), lookups, scans, snapshot; a short section refused)`)
}

main()
