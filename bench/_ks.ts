import { Ksync, Simulator, NhType } from 'vrouter-io'
async function main() {
  const sim = await Simulator.start()
  const k = await Ksync.connect(sim.ksync)
  await k.add('vr_nexthop_req', { nhr_id: 10, nhr_type: NhType.DISCARD, nhr_family: 2, nhr_flags: 1 })
  const lat: number[] = []
  for (let i = 0; i < 30000; i++) {
    const t0 = process.hrtime.bigint()
    await k.add('vr_mpls_req', { mr_label: i % 5000, mr_nhid: 10 })
    lat.push(Number(process.hrtime.bigint() - t0) / 1000)
  }
  lat.sort((a, b) => a - b)
  console.log('p50', lat[lat.length >> 1].toFixed(1), 'us p99', lat[Math.floor(lat.length * 0.99)].toFixed(1), 'us')
  await k.close(); await sim.close()
}
main()
