// Smoke test of vrouter-io as installed from its tarballs, through import (the ESM entry, dist/index.mjs); the ESM
// twin of smoke.cjs, run by scripts/pack/test-pack.mjs in a fresh project. Also checks that import and require give
// the same classes (one module instance, so instanceof works across both).

import assert from 'node:assert/strict'
import { createRequire } from 'node:module'
import vrDefault, { Ksync, KsyncError, NhType, Simulator, decode, encode } from 'vrouter-io'

const sim = await Simulator.start()
const ksync = await Ksync.connect(sim.ksync)
try {
  const ops = await ksync.get('vrouter_ops', {})
  console.log(`first call at ${Date.now()}`)
  assert.ok(ops.vo_interfaces > 0, 'vrouter_ops reports an interface table size')

  assert.equal(await ksync.add('vr_nexthop_req', { nhr_id: 10, nhr_type: NhType.DISCARD, nhr_family: 2, nhr_flags: 1 }), 0)
  await assert.rejects(ksync.get('vr_nexthop_req', { nhr_id: 11 }), (e) => e instanceof KsyncError && e.code === 'ENOENT')
  assert.equal(decode(encode('vr_mpls_req', { mr_label: 100 }))[0].fields.mr_label, 100)

  const required = createRequire(import.meta.url)('vrouter-io')
  assert.equal(required.Ksync, Ksync, 'import and require give the same module')
  assert.equal(vrDefault.Simulator, Simulator, 'the default export is the CommonJS module')
} catch (e) {
  console.log(`pack smoke (ESM): FAIL on Node ${process.version} ${process.platform}-${process.arch}: ${e && e.stack}`)
  process.exitCode = 1
} finally {
  await ksync.close()
  await sim.close()
}
if (!process.exitCode) console.log(`pack smoke (ESM): PASS on Node ${process.version} ${process.platform}-${process.arch}`)
