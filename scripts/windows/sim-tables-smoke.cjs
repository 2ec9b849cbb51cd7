'use strict'
// The Windows smoke test of the tables end to end, run by node.exe under Wine (scripts/windows/node-smoke.sh stages
// it beside smoke.cjs): the embedded Simulator keeps its flow and bridge tables in named sections; traffic creates
// flows, the agent side adds bridge routes over the ksync pipe, and FlowTable.open(ksync) / BridgeTable.open(ksync)
// ask the table queries over that pipe, map the sections they name read-only and read back what was written: counts,
// get, lookup, active(), scans; `vrouter-io flows` / `vrouter-io bridge` in a second node.exe do the same. Then the driver's way (no section named): \\.\vrouterFlow, which Wine does not have.
// Prints one line, "windows node smoke: tables through the Simulator: PASS (…)" or "… FAIL (<reason>)"; exits 1 on
// failure.

const assert = require('node:assert/strict')

const FLOWS = 3000
const MACS = 50

async function main() {
  const who = 'windows node smoke: tables through the Simulator'
  try {
    const vr = require('./dist/index.js')
    const sim = await vr.Simulator.start({ dialect: 'windows', flowEntries: 8192, bridgeEntries: 2048, flowHoldLimit: 0 })
    try {
      assert.match(sim.flowTable, /^Local\\.+-flow$/, `flow table section ${sim.flowTable}`)
      assert.match(sim.bridgeTable, /^Local\\.+-bridge$/, `bridge table section ${sim.bridgeTable}`)
      const ksync = await vr.Ksync.connect(sim.ksync)
      try {
        for (const idx of [3, 4]) {
          await ksync.add('vr_interface_req', {
            vifr_idx: idx,
            vifr_type: vr.VifType.VIRTUAL,
            vifr_name: `tap${idx}`,
            vifr_os_idx: 100 + idx,
            vifr_vrf: 1,
            vifr_nh_id: 20 + idx,
            vifr_flags: vr.VifFlag.POLICY_ENABLED,
          })
        }
        // What the table query answers on Windows: the section's name where DPDK puts its file, device 0.
        const data = (await ksync.request('vr_flow_table_data', vr.FlowOp.FLOW_TABLE_GET, {}, { timeoutMs: 30_000 })).objects.find((o) => o.name === 'vr_flow_table_data').fields
        assert.equal(data.ftable_file_path, sim.flowTable)
        assert.equal(data.ftable_size, sim.flowTableSize)
        assert.equal(data.ftable_dev, 0)

        const traffic = await sim.traffic({ flows: FLOWS, packetsPerFlow: 1 })
        assert.equal(traffic.trapped, FLOWS, 'every flow trapped as a FLOW_MISS (new HOLD entry)')
        await flowTable(vr, ksync)

        await ksync.add('vr_nexthop_req', { nhr_id: 30 })
        for (let i = 0; i < MACS; i++) {
          const mac = Buffer.from([2, 0, 0, 0, 0, i])
          await ksync.add('vr_route_req', { rtr_family: 7, rtr_vrf_id: 1, rtr_mac: mac, rtr_nh_id: 30, rtr_label: 99, rtr_label_flags: 1 })
        }
        await bridgeTable(vr, ksync)
        cli(sim)
      } finally {
        await ksync.close()
      }
      await driverWay(vr, sim)
    } finally {
      await sim.close()
    }
    // Closing the simulator removes its sections (nothing else holds them).
    await assert.rejects(vr.FlowTable.open({ section: sim.flowTable, size: sim.flowTableSize }), { name: 'TableError', code: 'ERR_TABLE_NOT_FOUND' })
  } catch (e) {
    const reason = (e instanceof Error ? e.message : String(e)).replace(/\s+/g, ' ').slice(0, 400)
    console.log(`${who}: FAIL (${reason})`)
    if (e instanceof Error) console.log(e.stack)
    process.exitCode = 1
    return
  }
  console.log(`${who}: PASS (${FLOWS} flows from traffic and ${MACS} bridge routes read through FlowTable.open(ksync) / BridgeTable.open(ksync) on the sections the queries name: counts, get, lookup, scans; vrouter-io flows/bridge in a second node.exe; the driver's device absent)`)
}

async function flowTable(vr, ksync) {
  const flows = await vr.FlowTable.open(ksync, { timeoutMs: 30_000 })
  try {
    assert.equal(flows.entries, 8192 + 2048)
    assert.equal(flows.stats().active, FLOWS)
    let n = 0
    for (const e of flows.active()) {
      // What the traffic generator sends: TCP to 80 or UDP to 53 from the vifs' VMs, HOLD, gen id 1.
      assert.ok([6, 17].includes(e.key.proto), `entry ${e.index}: proto ${e.key.proto}`)
      assert.ok([80, 53].includes(e.key.dport), `entry ${e.index}: dport ${e.key.dport}`)
      assert.equal(e.action, vr.FlowAction.HOLD)
      if (n % 25 === 0) {
        assert.equal(flows.lookup(e.key)?.index, e.index, `lookup of entry ${e.index}`)
        assert.deepEqual(flows.get(e.index)?.key, e.key, `get(${e.index})`)
      }
      n++
    }
    assert.equal(n, FLOWS)
    assert.equal(flows.scan({ proto: 17 }).count + flows.scan({ proto: 6 }).count, FLOWS)
    assert.equal(flows.lookup({ proto: 6, src: '10.9.9.9', dst: '10.9.9.8', sport: 1, dport: 2, nh: 0 }), undefined)
  } finally {
    flows.close()
  }
}

async function bridgeTable(vr, ksync) {
  const bridge = await vr.BridgeTable.open(ksync, { timeoutMs: 30_000 })
  try {
    assert.equal(bridge.entries, 2048 + 1024)
    assert.equal([...bridge.active()].length, MACS)
    const e = bridge.lookup('02:00:00:00:00:07', 1)
    assert.ok(e, 'the bridge entry of 02:00:00:00:00:07 in VRF 1')
    assert.equal(e.nhId, 30)
    assert.equal(bridge.get(e.index).mac, '02:00:00:00:00:07')
    assert.equal(bridge.lookup('02:00:00:00:00:07', 2), undefined)
  } finally {
    bridge.close()
  }
}

/**
 * The command line in a second node.exe while this one serves: `vrouter-io flows` and `vrouter-io bridge` ask the
 * table queries over the simulator's pipe and list what they map. Its output goes to a file (node.exe under Wine
 * fails with EBADF on a pipe), read back after it exits.
 */
function cli(sim) {
  const { spawnSync } = require('node:child_process')
  const fs = require('node:fs')
  const run = (...args) => {
    const file = `cli-${process.pid}.out`
    const fd = fs.openSync(file, 'w')
    try {
      const r = spawnSync(process.execPath, ['dist/cli.js', ...args], { stdio: ['ignore', fd, fd], timeout: 60_000 })
      const out = fs.readFileSync(file, 'utf8')
      assert.equal(r.status, 0, `vrouter-io ${args.join(' ')}: status ${r.status} ${r.error ?? ''}: ${out.slice(0, 300)}`)
      return out
    } finally {
      fs.closeSync(fd)
      fs.rmSync(file, { force: true })
    }
  }
  const flows = JSON.parse(run('flows', '--endpoint', sim.ksync, '--json'))
  assert.equal(flows.length, FLOWS, 'vrouter-io flows lists every flow')
  assert.equal(JSON.parse(run('flows', '--endpoint', sim.ksync, '--json', '--proto', '17')).length + JSON.parse(run('flows', '--endpoint', sim.ksync, '--json', '--proto', '6')).length, FLOWS)
  const bridge = JSON.parse(run('bridge', '--endpoint', sim.ksync, '--json'))
  assert.equal(bridge.length, MACS, 'vrouter-io bridge lists every entry')
}

/** No section named: the driver's devices, which Wine does not have, so a typed not-found error naming the device. */
async function driverWay(vr, sim) {
  await assert.rejects(vr.FlowTable.open({ size: sim.flowTableSize }), (e) => {
    assert.equal(e.name, 'TableError')
    assert.equal(e.code, 'ERR_TABLE_NOT_FOUND', e.message)
    assert.match(e.message, /\\\\\.\\vrouterFlow/)
    return true
  })
  // A DPDK vRouter reached over TCP names a file on its own machine: not mappable here, and said so.
  await assert.rejects(vr.FlowTable.open({ path: '/var/run/vrouter/flow.shmem', size: sim.flowTableSize }), { name: 'TableError', code: 'ERR_TABLE_UNSUPPORTED' })
  await assert.rejects(vr.BridgeTable.open({ size: sim.bridgeTableSize }), (e) => {
    assert.equal(e.code, 'ERR_TABLE_NOT_FOUND', e.message)
    assert.match(e.message, /\\\\\.\\vrouterBridge/)
    return true
  })
}

main()
