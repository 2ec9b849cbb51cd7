'use strict'
// Smoke test of vrouter-io as installed from its tarballs, through require() (run by scripts/pack/test-pack.mjs in
// a fresh project, never by ava: the file name does not match test/**/*.test.ts).
// A real call first: start the embedded simulator, connect the ksync client, GET vrouter_ops. Prints the wall-clock
// time of that first successful call ("first call at <epoch ms>") for the install-to-first-call measure, then checks
// an add/get/error round trip and the codec, and prints one verdict line.

const assert = require('node:assert/strict')
const vr = require('vrouter-io')

async function main() {
  const sim = await vr.Simulator.start()
  const ksync = await vr.Ksync.connect(sim.ksync)
  try {
    const ops = await ksync.get('vrouter_ops', {})
    console.log(`first call at ${Date.now()}`)
    assert.ok(ops.vo_interfaces > 0, 'vrouter_ops reports an interface table size')

    assert.equal(await ksync.add('vr_nexthop_req', { nhr_id: 10, nhr_type: vr.NhType.DISCARD, nhr_family: 2, nhr_flags: 1 }), 0)
    assert.equal((await ksync.get('vr_nexthop_req', { nhr_id: 10 })).nhr_type, vr.NhType.DISCARD)
    await assert.rejects(ksync.get('vr_nexthop_req', { nhr_id: 11 }), (e) => e instanceof vr.KsyncError && e.code === 'ENOENT')

    const [decoded] = vr.decode(vr.encode('vr_mpls_req', { h_op: vr.SandeshOp.ADD, mr_label: 100, mr_nhid: 10 }))
    assert.equal(decoded.name, 'vr_mpls_req')
    assert.equal(decoded.fields.mr_label, 100)
  } finally {
    await ksync.close()
    await sim.close()
  }
  console.log(`pack smoke (CommonJS): PASS on Node ${process.version} ${process.platform}-${process.arch}`)
}

main().catch((e) => {
  console.log(`pack smoke (CommonJS): FAIL on Node ${process.version} ${process.platform}-${process.arch}: ${e && e.stack}`)
  process.exitCode = 1
})
