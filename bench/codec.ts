// bench/codec: Sandesh encode and decode, JS objects to bytes and back, against the `thrift`
// package's TBinaryProtocol over structs with the same fields (bench/peers/thrift-structs.ts).

import { decode, encode, encodeMany, FlowAction, FlowFlag, FlowOp, SandeshOp, VifType, type MessageName } from 'vrouter-io'
import { opsPerSecond, type Benchmark, type Row } from './harness'
import { thriftCodec, toThriftFields } from './peers/thrift-structs'

/** A message as vRouter returns it: every field present, realistic values. */
function full<K extends MessageName>(name: K, fields: Record<string, unknown>) {
  return decode(encode(name, fields as never))[0].fields as unknown as Record<string, unknown>
}

const ip4 = (a: number, b: number, c: number, d: number) => ((d << 24) | (c << 16) | (b << 8) | a) >>> 0

function samples() {
  const vif = full('vr_interface_req', {
    h_op: SandeshOp.GET, vifr_type: VifType.VIRTUAL, vifr_idx: 17, vifr_vrf: 2, vifr_os_idx: 117, vifr_mtu: 9000,
    vifr_name: 'tapa1b2c3d4-e5', vifr_mac: new Uint8Array([0x02, 0x1b, 0x2c, 0x3d, 0x4e, 0x5f]), vifr_ip: ip4(10, 1, 1, 17),
    vifr_nh_id: 34, vifr_flags: 0x1c1, vifr_ibytes: 123456789012n, vifr_ipackets: 98765432n, vifr_obytes: 234567890123n,
    vifr_opackets: 87654321n, vifr_ref_cnt: 2, vifr_speed: 10000, vifr_duplex: 1, vifr_transport: 1,
  })
  const route = (i: number) =>
    full('vr_route_req', {
      h_op: SandeshOp.ADD, rtr_vrf_id: 2, rtr_family: 2, rtr_prefix: new Uint8Array([10, (i >> 8) & 255, i & 255, 0]),
      rtr_prefix_len: 24, rtr_label_flags: 1, rtr_label: 1000 + i, rtr_nh_id: 40 + (i % 100),
    })
  const flow = full('vr_flow_req', {
    fr_op: FlowOp.FLOW_SET, fr_index: 265784, fr_action: FlowAction.FORWARD, fr_flags: FlowFlag.ACTIVE | FlowFlag.RFLOW_VALID,
    fr_rindex: 73236, fr_family: 2, fr_flow_sip_l: BigInt(ip4(10, 1, 1, 5)), fr_flow_dip_l: BigInt(ip4(10, 1, 1, 6)),
    fr_flow_sport: 0x409c, fr_flow_dport: 0x5000, fr_flow_proto: 6, fr_flow_vrf: 2, fr_flow_dvrf: 2,
    fr_src_nh_index: 12, fr_flow_nh_id: 12, fr_gen_id: 7, fr_ecmp_nh_index: 0xffffffff, fr_qos_id: 0xffff,
  })
  return { vif, routes: Array.from({ length: 1000 }, (_, i) => route(i)), flow }
}

export const codec: Benchmark = {
  name: 'codec',
  async run() {
    const { vif, routes, flow } = samples()
    const peer = thriftCodec(['vr_interface_req', 'vr_route_req', 'vr_flow_req'])
    const rows: Row[] = []
    const single: [MessageName, Record<string, unknown>][] = [
      ['vr_interface_req', vif],
      ['vr_route_req', routes[0]],
      ['vr_flow_req', flow],
    ]
    for (const [name, fields] of single) {
      const theirs = toThriftFields(name, fields)
      const bytes = encode(name, fields as never)
      // Both sides must produce vRouter's bytes before either is timed.
      if (!Buffer.from(bytes).equals(peer.encode(name, theirs))) throw new Error(`thrift peer encodes ${name} differently`)
      if (peer.decode(Buffer.from(bytes)).length !== 1) throw new Error(`thrift peer cannot decode ${name}`)
      rows.push({
        case: `encode ${name} (${bytes.length} B)`,
        unit: 'messages/s',
        ours: opsPerSecond(() => encode(name, fields as never)),
        peers: { thrift: opsPerSecond(() => peer.encode(name, theirs)) },
      })
      const buf = Buffer.from(bytes)
      rows.push({
        case: `decode ${name} (${bytes.length} B)`,
        unit: 'messages/s',
        ours: opsPerSecond(() => decode(buf)),
        peers: { thrift: opsPerSecond(() => peer.decode(buf)) },
      })
    }
    // A dump reply: vRouter's objects back to back; 1000 routes in one payload.
    const dump = Buffer.from(encodeMany(routes.map((fields) => ({ name: 'vr_route_req' as const, fields: fields as never }))))
    if (peer.decode(dump).length !== 1000 || decode(dump).length !== 1000) throw new Error('dump payload does not decode')
    rows.push({
      case: `decode dump payload of 1000 vr_route_req (${dump.length} B)`,
      unit: 'objects/s',
      ours: opsPerSecond(() => decode(dump), { opsPerCall: 1000 }),
      peers: { thrift: opsPerSecond(() => peer.decode(dump), { opsPerCall: 1000 }) },
    })
    return rows
  },
}
