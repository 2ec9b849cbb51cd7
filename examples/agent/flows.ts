// Flow set-up, as the agent does it: vRouter creates a flow entry in HOLD for a new 5-tuple and traps its first
// packet (TRAP_FLOW_MISS, with the entry's index and gen id). The agent reads the key from the flow table in shared
// memory, decides (here: allow everything), installs the flow and its reverse with FLOW_SET, and re-injects the
// trapped packet.

import { FlowAction, FlowFlag, FlowOp, type FlowKey, type FlowTable, type Ksync } from 'vrouter-io'

/** FLOW_SET carries IPv4 addresses as network-order bytes read as a native integer, and ports byte-swapped (htons). */
const ipField = (ip: string) => BigInt(Buffer.from(ip.split('.').map(Number)).readUInt32LE(0))
const portField = (port: number) => ((port & 0xff) << 8) | (port >> 8)

function flowSet(key: FlowKey, vrf: number, fields: object) {
  return {
    fr_op: FlowOp.FLOW_SET,
    fr_flags: FlowFlag.ACTIVE,
    fr_action: FlowAction.FORWARD,
    fr_family: 2,
    fr_flow_sip_l: ipField(key.src),
    fr_flow_dip_l: ipField(key.dst),
    fr_flow_sport: portField(key.sport),
    fr_flow_dport: portField(key.dport),
    fr_flow_proto: key.proto,
    fr_flow_nh_id: key.nh,
    fr_src_nh_index: key.nh,
    fr_flow_vrf: vrf,
    fr_ecmp_nh_index: -1,
    fr_mir_id: 255,
    fr_sec_mir_id: 255,
    ...fields,
  }
}

export interface FlowMiss {
  /** The held entry's index and gen id, from the trap's header. */
  index: number
  genId: number
  vrf: number
}

/**
 * Installs the flow the trap names, FORWARD, and its reverse. Resolves false when the entry is no longer the one
 * trapped (evicted or reused meanwhile: its gen id moved on), which is not an error for an agent.
 */
export async function installFlow(ksync: Ksync, flows: FlowTable, miss: FlowMiss): Promise<boolean> {
  const entry = flows.get(miss.index)
  if (!entry || entry.genId !== miss.genId || entry.key.family !== 'inet') return false
  const key = entry.key
  const reverse: FlowKey = { ...key, src: key.dst, dst: key.src, sport: key.dport, dport: key.sport }
  // The reverse first (a new entry, index -1), so that the forward flow can name it.
  const rev = await ksync.request('vr_flow_req', 'add', flowSet(reverse, miss.vrf, { fr_index: -1, fr_rindex: miss.index }), { eexistOk: true })
  const created = rev.objects.find((o) => o.name === 'vr_flow_response')?.fields as { fresp_index?: number } | undefined
  const rindex = created?.fresp_index ?? -1
  const flags = FlowFlag.ACTIVE | (rindex >= 0 ? FlowFlag.RFLOW_VALID : 0)
  await ksync.add('vr_flow_req', flowSet(key, miss.vrf, { fr_index: miss.index, fr_gen_id: miss.genId, fr_flags: flags, fr_rindex: rindex }))
  return true
}

/**
 * Ages flows out as the agent does: a flow and its reverse are deleted (FLOW_SET without ACTIVE, naming the entry by
 * index and gen id) once installed longer than `maxAgeMs`; the next packet of that 5-tuple traps again. Returns the
 * requests sent.
 */
export class FlowAger {
  readonly #installed = new Map<number, { at: number; genId: number; vrf: number }>()

  constructor(readonly maxAgeMs: number) {}

  installed(index: number, genId: number, vrf: number): void {
    this.#installed.set(index, { at: Date.now(), genId, vrf })
  }

  async expire(ksync: Ksync, flows: FlowTable): Promise<number> {
    const old = [...this.#installed].filter(([, f]) => Date.now() - f.at > this.maxAgeMs)
    const requests = []
    for (const [index, f] of old) {
      this.#installed.delete(index)
      const entry = flows.get(index)
      if (!entry || entry.genId !== f.genId) continue
      requests.push({ name: 'vr_flow_req' as const, op: 'add' as const, fields: flowSet(entry.key, f.vrf, { fr_index: index, fr_gen_id: f.genId, fr_flags: 0 }) })
      const reverse = entry.rflow >= 0 ? flows.get(entry.rflow) : undefined
      if (reverse) requests.push({ name: 'vr_flow_req' as const, op: 'add' as const, fields: flowSet(reverse.key, f.vrf, { fr_index: reverse.index, fr_gen_id: reverse.genId, fr_flags: 0 }) })
    }
    // Each result on its own: a flow the datapath already evicted is not a failure of the others.
    if (requests.length) await ksync.bulk(requests)
    return requests.length
  }
}
