// active() fills its batches with IPv4-sized addresses (4 bytes a row, not 16) while the table holds no IPv6
// flow; a batch that meets one is filled again with full addresses, and so is the rest of the pass. Whichever way
// a batch was filled, active() must yield exactly the entries a scan returns.

import test from 'ava'

import { FlowTable } from '../lib/index'
import { ACTIVE_BATCH } from '../lib/tables/columns'
import { ipv6FlowRequest, simWithFlows } from './helpers/flows'

/** More IPv4 flows than one batch holds, so that an IPv6 flow can lie in the first batch or a later one. */
const FLOWS = 40_000

test('active() yields IPv6 flows whole among IPv4 ones, whether its batches hold IPv4-sized addresses or full ones', async (t) => {
  const { sim, ksync, traffic } = await simWithFlows(FLOWS, { packetsPerFlow: 1 })
  await using _s = sim
  await using _k = ksync
  t.is(traffic.trapped, FLOWS)
  await using flows = await FlowTable.open(ksync)

  // The reference: every entry of a scan (always full addresses), every field.
  const scanned = () => {
    const all = flows.scan()
    return Array.from({ length: all.count }, (_, row) => flows.entryOf(all, row).toJSON())
  }
  const pass = () => Array.from(flows.active(), (e) => e.toJSON())

  t.true(flows._ipv4Batches)
  t.deepEqual(pass(), scanned(), 'IPv4 flows only: batches with IPv4-sized addresses')
  t.true(flows._ipv4Batches)

  // IPv6 flows, added until one lies past the first batch: a batch of IPv4-sized addresses meets it after others did not.
  const firstBatchEnd = flows.scan().index[ACTIVE_BATCH - 1]
  const added: { index: number; genId: number; n: number }[] = []
  for (let n = 1; n <= 200 && !added.some((f) => f.index > firstBatchEnd); n++) {
    const reply = await ksync.request('vr_flow_req', 0, ipv6FlowRequest(n))
    const resp = reply.objects.find((o) => o.name === 'vr_flow_response')!.fields as { fresp_index: number; fresp_gen_id: number }
    added.push({ index: resp.fresp_index, genId: resp.fresp_gen_id, n })
  }
  t.true(added.some((f) => f.index > firstBatchEnd), `an IPv6 flow past index ${firstBatchEnd}`)
  t.is(flows.stats().ipv6, added.length)

  const withIpv6 = scanned()
  t.is(withIpv6.length, FLOWS + added.length)
  t.deepEqual(pass(), withIpv6, 'the batch that met an IPv6 flow filled again, the rest of the pass with full addresses')
  t.false(flows._ipv4Batches)
  const ipv6Keys = withIpv6.filter((e) => (e.key as { family: string }).family === 'inet6').map((e) => (e.key as { src: string }).src)
  t.deepEqual(ipv6Keys.sort(), added.map((f) => `2001:db8::${f.n.toString(16)}`).sort())
  t.deepEqual(pass(), withIpv6, 'full addresses from the first batch on')

  // Once a whole pass finds no IPv6 flow, the batches go back to IPv4-sized addresses.
  for (const f of added) await ksync.request('vr_flow_req', 0, ipv6FlowRequest(f.n, { fr_index: f.index, fr_gen_id: f.genId, fr_flags: 0 }))
  t.is(flows.stats().ipv6, 0)
  const ipv4Only = scanned()
  t.is(ipv4Only.length, FLOWS)
  t.deepEqual(pass(), ipv4Only)
  t.true(flows._ipv4Batches)
  t.deepEqual(pass(), ipv4Only)
})
