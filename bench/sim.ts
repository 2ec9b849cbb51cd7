// bench/sim: is the simulator ever what limits a benchmark? Measured natively inside the simulator, so that the
// figures are its own and not a client's:
// - `ksync request`: GET requests pipelined by a native client over a real Unix stream connection, one request per
//   netlink frame (the worst case: each pays the framing and a dispatch); beside it the same frames handed to the
//   service with no connection, and frames of 16 (the agent's bulk);
// - trap frames: one packet on each of many new flows, every one creating a HOLD flow in the table and trapping
//   FLOW_MISS to pkt0, with no agent bound (generated and dropped, as vRouter drops them) and with a native agent
//   reading them; what that agent received, against what the socket delivers to it with no datapath at all.
// Goals (issue 4): ≥ 500k ksync requests/s, ≥ 2M trap frames/s.

import { decode, encode, exchange, FamilyId, frameRequest, NhType, parseFrames, SandeshOp, Simulator, VifFlag, VifType } from 'vrouter-io'

import type { Benchmark, Row } from './harness'

const KSYNC_FRAMES = 1_000_000
const BULK_FRAMES = 100_000
const TRAP_FLOWS = 300_000
/** Outer Ethernet + agent header + the generator's TCP and UDP packets (54 and 60 bytes), on average. */
const TRAP_FRAME_LEN = 44 + 57
const ROUNDS = 3

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]

/**
 * A simulator with the MPLS label the GETs ask for, and two policy-enabled VM vifs for traffic. Configured with one
 * `exchange` (a bulk frame, every answer checked) so that the setup does not depend on the Ksync client.
 */
async function simulator(): Promise<Simulator> {
  const sim = await Simulator.start({ flowHoldLimit: 0 })
  const vif = (idx: number) =>
    encode('vr_interface_req', {
      h_op: SandeshOp.ADD,
      vifr_idx: idx,
      vifr_type: VifType.VIRTUAL,
      vifr_name: `tap${idx}`,
      vifr_os_idx: 100 + idx,
      vifr_vrf: 1,
      vifr_nh_id: 10,
      vifr_flags: VifFlag.POLICY_ENABLED,
    })
  const payload = Buffer.concat([
    encode('vr_nexthop_req', { h_op: SandeshOp.ADD, nhr_id: 10, nhr_type: NhType.DISCARD, nhr_family: 2, nhr_flags: 1 }),
    encode('vr_mpls_req', { h_op: SandeshOp.ADD, mr_label: 1, mr_nhid: 10 }),
    vif(3),
    vif(4),
  ])
  const replies = parseFrames(await exchange(sim.ksync, frameRequest(payload, { familyId: FamilyId.DPDK_AGENT, seq: 1 })))
  const codes = replies.map((f) => (decode(f.payload!)[0].fields as { resp_code: number }).resp_code)
  if (codes.length !== 4 || codes.some((c) => c !== 0)) throw new Error(`simulator set-up answered ${codes.join(', ')}`)
  return sim
}

export const sim: Benchmark = {
  name: 'sim',
  async run() {
    const rows: Row[] = []
    {
      await using s = await simulator()
      // Warm-up: the service's paths and the socket.
      await s.measureKsync({ frames: 100_000 })
      const socket: number[] = []
      const direct: number[] = []
      const bulk: number[] = []
      for (let r = 0; r < ROUNDS; r++) {
        socket.push((await s.measureKsync({ frames: KSYNC_FRAMES })).requestsPerSecond)
        direct.push((await s.measureKsync({ frames: KSYNC_FRAMES, inProcess: true })).requestsPerSecond)
        bulk.push((await s.measureKsync({ frames: BULK_FRAMES, perFrame: 16 })).requestsPerSecond)
      }
      rows.push({ case: 'ksync request', unit: 'requests/s', ours: median(socket), peers: { 'no connection': median(direct) } })
      rows.push({ case: 'ksync request, 16 per frame', unit: 'requests/s', ours: median(bulk), peers: {} })
    }

    // Trap frames: generated (each packet a new flow, a HOLD entry and a FLOW_MISS trap) and handed to pkt0.
    const alone: number[] = []
    const aloneCpu: number[] = []
    const withAgent: number[] = []
    const withAgentCpu: number[] = []
    const delivered: number[] = []
    const socket: number[] = []
    for (let r = 0; r < ROUNDS; r++) {
      // A fresh simulator per run: flows created by one run would not trap again.
      {
        await using s = await simulator()
        const m = await s.measureTraps({ flows: TRAP_FLOWS, readingAgent: false })
        if (m.trapped !== TRAP_FLOWS) throw new Error(`${m.trapped} of ${TRAP_FLOWS} packets trapped`)
        alone.push(m.trapsPerSecond)
        aloneCpu.push(m.trapsPerCpuSecond)
      }
      {
        await using s = await simulator()
        const m = await s.measureTraps({ flows: TRAP_FLOWS })
        if (m.trapped !== TRAP_FLOWS) throw new Error(`${m.trapped} of ${TRAP_FLOWS} packets trapped`)
        withAgent.push(m.trapsPerSecond)
        withAgentCpu.push(m.trapsPerCpuSecond)
        delivered.push(m.receivedPerSecond)
        socket.push((await s.measurePkt0Socket(TRAP_FLOWS, TRAP_FRAME_LEN)).receivedPerSecond)
      }
    }
    rows.push({
      case: `trap frames generated, ${TRAP_FLOWS / 1000}k new flows (no agent bound)`,
      unit: 'traps/s',
      ours: median(alone),
      peers: { 'with a reading agent': median(withAgent) },
    })
    // The 2 cores here are shared with whatever else runs: per second of the generating thread's own CPU time, the
    // figure does not depend on that.
    rows.push({
      case: 'trap frames generated per CPU-second of the generator',
      unit: 'traps/s',
      ours: median(aloneCpu),
      peers: { 'with a reading agent': median(withAgentCpu) },
    })
    // vRouter sends without waiting and drops what the agent's socket cannot take; the limit is what the socket
    // delivers to the same agent from a sender that waits for room, with no datapath at all.
    rows.push({
      case: 'trap frames received by a native reading agent',
      unit: 'frames/s',
      ours: median(delivered),
      peers: {},
      limit: median(socket),
    })
    return rows
  },
}
