// The network this agent prototype programs: a fabric interface, vhost0, the pkt0 interface towards the agent, and a
// few VMs in one VRF, each with its nexthop, route and MPLS label — what vRouter's agent sends after start-up
// (PROTOCOL.md §8, step 7), as one bulk of requests.

import { NhType, VifFlag, VifType, type BulkRequest } from 'vrouter-io'

export const VRF = 1
/** The forwarding engine's own MAC: the source of every frame it sends a VM. */
export const ROUTER_MAC = [0x00, 0x00, 0x5e, 0x00, 0x01, 0x00]

export interface Vm {
  vif: number
  name: string
  ip: string
  mac: number[]
  /** The encap nexthop that reaches it. */
  nh: number
  label: number
}

/** Four VMs, vifs 3–6, 10.1.1.3–6. */
export const VMS: Vm[] = [3, 4, 5, 6].map((vif) => ({
  vif,
  name: `tap${vif}`,
  ip: `10.1.1.${vif}`,
  mac: [0x02, 0x00, 0x00, 0x00, 0x00, vif],
  nh: 10 + vif,
  label: 100 + vif,
}))

const ipBytes = (ip: string) => new Uint8Array(ip.split('.').map(Number))
/** `vifr_ip` and friends carry an IPv4 address as its network-order bytes read as a native (little-endian) integer. */
const ipField = (ip: string) => Buffer.from(ipBytes(ip)).readUInt32LE(0)

/** Everything to ADD, in dependency order (interfaces before the nexthops that use them, nexthops before routes). */
export function topology(): BulkRequest[] {
  const add = <T extends BulkRequest['name']>(name: T, fields: object): BulkRequest => ({ name, op: 'add', fields } as BulkRequest)
  return [
    add('vr_interface_req', { vifr_idx: 0, vifr_type: VifType.PHYSICAL, vifr_name: 'eth0', vifr_os_idx: 2, vifr_vrf: 0, vifr_mac: new Uint8Array([0x52, 0x54, 0, 0x12, 0x34, 0x56]), vifr_mtu: 1514 }),
    // vhost0 names the physical interfaces it bridges, by host index.
    add('vr_interface_req', { vifr_idx: 1, vifr_type: VifType.HOST, vifr_name: 'vhost0', vifr_os_idx: 3, vifr_vrf: 0, vifr_mac: new Uint8Array([0x52, 0x54, 0, 0x12, 0x34, 0x56]), vifr_mtu: 1514, vifr_cross_connect_idx: [2] }),
    // The AGENT vif is what makes the forwarding engine open its end of pkt0.
    add('vr_interface_req', { vifr_idx: 2, vifr_type: VifType.AGENT, vifr_name: 'pkt0', vifr_transport: 3, vifr_vrf: 65535, vifr_mac: new Uint8Array(ROUTER_MAC), vifr_mtu: 1514 }),
    add('vr_vrf_req', { vrf_idx: VRF }),
    ...VMS.flatMap((vm) => [
      add('vr_interface_req', {
        vifr_idx: vm.vif, vifr_type: VifType.VIRTUAL, vifr_name: vm.name, vifr_os_idx: 100 + vm.vif, vifr_vrf: VRF,
        vifr_mac: new Uint8Array(vm.mac), vifr_ip: ipField(vm.ip), vifr_nh_id: vm.nh, vifr_mtu: 9000,
        // POLICY_ENABLED: new flows from this VM go to the flow table and trap to the agent.
        vifr_flags: VifFlag.POLICY_ENABLED,
      }),
      add('vr_nexthop_req', {
        nhr_id: vm.nh, nhr_type: NhType.ENCAP, nhr_family: 2, nhr_flags: 1 /* VALID */, nhr_vrf: VRF, nhr_encap_oif_id: [vm.vif],
        nhr_encap: new Uint8Array([...vm.mac, ...ROUTER_MAC, 0x08, 0x00]),
      }),
      add('vr_route_req', { rtr_vrf_id: VRF, rtr_family: 2, rtr_prefix: ipBytes(vm.ip), rtr_prefix_len: 32, rtr_nh_id: vm.nh, rtr_label_flags: 0 }),
      add('vr_mpls_req', { mr_label: vm.label, mr_nhid: vm.nh }),
    ]),
  ]
}

/** The VM that owns an address, if any. */
export const vmByIp = (ip: string) => VMS.find((vm) => vm.ip === ip)
