// A simulator with flows, and flow requests as the agent sends them, for the table tests.

import { FlowAction, FlowFlag, Ksync, Simulator, VifFlag, VifType, type Dialect } from '../../lib/index'

/** VIRTUAL vifs with POLICY_ENABLED (traffic comes from them), through the library's own client. */
export async function addVifs(ksync: Ksync, ids: number[]): Promise<void> {
  for (const idx of ids) {
    await ksync.add('vr_interface_req', {
      vifr_idx: idx,
      vifr_type: VifType.VIRTUAL,
      vifr_name: `tap${idx}`,
      vifr_os_idx: 100 + idx,
      vifr_vrf: 1,
      vifr_nh_id: 20 + idx,
      vifr_flags: VifFlag.POLICY_ENABLED,
    })
  }
}

/** A simulator whose traffic made `flows` flows (HOLD, IPv4), and a ksync connection to it; the caller disposes of both. */
export async function simWithFlows(flows: number, options: { layout?: '2024' | '2019'; dialect?: Dialect; flowEntries?: number; packetsPerFlow?: number } = {}) {
  const { packetsPerFlow = 2, ...simOptions } = options
  const sim = await Simulator.start({ flowHoldLimit: 0, ...simOptions })
  const ksync = await Ksync.connect(sim.ksync)
  await addVifs(ksync, [3, 4])
  const traffic = await sim.traffic({ flows, packetsPerFlow })
  return { sim, ksync, traffic }
}

/** A FLOW_SET adding a flow through nexthop 23 in VRF 1, no reverse flow, no mirror; `fields` give the rest. */
export function flowRequest(fields: Record<string, unknown>): Record<string, unknown> {
  return {
    fr_op: 0,
    fr_index: -1,
    fr_flags: FlowFlag.ACTIVE,
    fr_flow_nh_id: 23,
    fr_src_nh_index: 23,
    fr_flow_vrf: 1,
    fr_rindex: -1,
    fr_ecmp_nh_index: -1,
    fr_mir_id: 255,
    fr_sec_mir_id: 255,
    ...fields,
  }
}

/**
 * A FLOW_SET of the IPv6 flow 2001:db8::`n` → 2001:db8::abcd, TCP 12345 → 443, DROP: the addresses as the agent
 * sends them (each 8-byte half read as a host-order integer), ports in network order. `fields` override any field
 * (a delete: `fr_index`, `fr_gen_id` and `fr_flags: 0`).
 */
export function ipv6FlowRequest(n: number, fields: Record<string, unknown> = {}): Record<string, unknown> {
  const sip = Buffer.from('20010db8000000000000000000000000', 'hex')
  const dip = Buffer.from('20010db800000000000000000000abcd', 'hex')
  sip.writeUInt16BE(n, 14)
  return flowRequest({
    fr_action: FlowAction.DROP,
    fr_family: 10,
    fr_flow_sip_u: sip.readBigUInt64LE(0),
    fr_flow_sip_l: sip.readBigUInt64LE(8),
    fr_flow_dip_u: dip.readBigUInt64LE(0),
    fr_flow_dip_l: dip.readBigUInt64LE(8),
    fr_flow_proto: 6,
    fr_flow_sport: 0x3930,
    fr_flow_dport: 0xbb01,
    ...fields,
  })
}
