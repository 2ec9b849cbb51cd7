// Start-up, as vRouter's agent does it (PROTOCOL.md §8, step 4): a soft reset that flushes everything, then the knobs
// (-1 and log level 0 mean "no change"), then the limits the forwarding engine was started with.

import type { Ksync } from 'vrouter-io'

/** The `vrouter_ops` knobs the agent sends on start-up, each meaning "leave as it is". */
const NO_CHANGE = Object.fromEntries(
  [
    'vo_flow_entries', 'vo_oflow_entries', 'vo_mpls_labels', 'vo_nexthops', 'vo_bridge_entries', 'vo_oflow_bridge_entries',
    'vo_interfaces', 'vo_mirror_entries', 'vo_vrfs', 'vo_perfr', 'vo_perfs', 'vo_from_vm_mss_adj', 'vo_to_vm_mss_adj',
    'vo_perfr1', 'vo_perfr2', 'vo_perfr3', 'vo_perfp', 'vo_perfq1', 'vo_perfq2', 'vo_perfq3', 'vo_udp_coff',
    'vo_flow_hold_limit', 'vo_mudp',
  ].map((knob) => [knob, -1]),
)

/** RESET, ADD, GET; resolves with the limits (`vo_flow_entries`, `vo_nexthops`, …) and counts the requests it sent. */
export async function startUp(ksync: Ksync, counted: { requests: number }) {
  await ksync.reset('vrouter_ops', {})
  await ksync.add('vrouter_ops', { ...NO_CHANGE, vo_log_level: 0 })
  const ops = await ksync.get('vrouter_ops', {})
  counted.requests += 3
  return ops
}
