import { Ksync, Simulator, NhType } from 'vrouter-io'
async function main() {
  const sim = await Simulator.start()
  const k = await Ksync.connect(sim.ksync)
  await k.add('vr_nexthop_req', { nhr_id: 10, nhr_type: NhType.DISCARD, nhr_family: 2, nhr_flags: 1 })
  const N = 100000
  const reqs = Array.from({ length: N }, (_, i) => ({ name: 'vr_mpls_req' as const, op: 'add' as const, fields: { mr_label: i % 5000, mr_nhid: 10 } }))
  for (let r = 0; r < 3; r++) {
    const t0 = process.hrtime.bigint()
    await k.bulk(reqs)
    const dt = Number(process.hrtime.bigint() - t0) / 1e9
    console.log('bulk', Math.round(N / dt), 'req/s')
  }
  await k.close(); await sim.close()
}
main()
