// The flow table's public shapes: keys, entries, scan columns and filters, counts.

import type { FlowAction, FlowFlag } from '../generated/vr'
import type { FlowTable } from './flow-table'

/** A flow key: addresses as strings, ports in host order. */
export interface FlowKey {
  family: 'inet' | 'inet6'
  /** IP protocol (6 TCP, 17 UDP, …). */
  proto: number
  src: string
  dst: string
  sport: number
  dport: number
  /** The nexthop id in the key (`nh_id`). */
  nh: number
}

/** What {@link FlowTable.lookup} takes: a key; `family` follows from the addresses. */
export type FlowKeyInput = Omit<FlowKey, 'family'> & { family?: FlowKey['family'] }

/** One flow entry, copied out consistently. */
export interface FlowEntry {
  readonly index: number
  readonly genId: number
  readonly key: FlowKey
  /** `fe_action` (see {@link FlowAction}). */
  readonly action: number
  /** `DROP`, `HOLD`, `FORWARD`, `NAT`. */
  readonly actionName: string
  /** `fe_flags` (see {@link FlowFlag}). */
  readonly flags: number
  /** The names of the flags set (`ACTIVE`, `RFLOW_VALID`, …). */
  readonly flagNames: string[]
  /** `fe_flags1` (0 in the 2019 layout). */
  readonly flags1: number
  readonly tcpFlags: number
  readonly vrf: number
  readonly dvrf: number
  /** The reverse flow's index, or −1 (also when `RFLOW_VALID` is not set). */
  readonly rflow: number
  /** Bytes counted, with the overflow part (`bytes_oflow << 32 | bytes`). */
  readonly bytes: bigint
  /** Packets counted, with the overflow part. */
  readonly packets: bigint
  /** `fe_src_nh_index`: the source nexthop. */
  readonly srcNh: number
  readonly mirrorId: number
  readonly secMirrorId: number
  readonly ecmpNh: number
  readonly underlayEcmp: number
  readonly dropReason: number
  /** `fe_type`: 2 IPv4, 3 IPv6. */
  readonly type: number
  readonly udpSrcPort: number
  /** `fe_src_info`: the ingress vif, or the outer source address as stored. */
  readonly srcInfo: number
  readonly ttl: number
  readonly qosId: number
  readonly tcpSeq: number
  readonly tcpAck: number
  /** The entry sits in the overflow table. */
  readonly overflow: boolean
  /** Every field as a plain object (bigints stay bigints). */
  toJSON(): Record<string, unknown>
}

/** Matches of a scan, as columns: one typed array per field, `count` rows. */
export interface FlowColumns {
  readonly count: number
  /** In-use entries left out because they kept changing while being copied. */
  readonly torn: number
  readonly index: Uint32Array
  readonly genId: Uint8Array
  readonly flags: Uint16Array
  readonly flags1: Uint16Array
  readonly action: Uint16Array
  readonly tcpFlags: Uint16Array
  readonly vrf: Uint16Array
  readonly dvrf: Uint16Array
  readonly rflow: Int32Array
  readonly family: Uint8Array
  readonly proto: Uint8Array
  readonly keyLen: Uint8Array
  readonly sport: Uint16Array
  readonly dport: Uint16Array
  readonly keyNh: Uint32Array
  /** 16 bytes per row, network order (IPv4 in the first 4). */
  readonly sip: Uint8Array
  readonly dip: Uint8Array
  readonly srcNh: Uint32Array
  /** Low 32 bits of the byte count; `bytesOflow` holds bits 32–47. */
  readonly bytes: Uint32Array
  readonly bytesOflow: Uint16Array
  readonly packets: Uint32Array
  readonly packetsOflow: Uint8Array
  readonly mirrorId: Uint8Array
  readonly secMirrorId: Uint8Array
  readonly ecmpNh: Int8Array
  readonly dropReason: Uint8Array
  readonly flowType: Uint8Array
  readonly udpSrcPort: Uint16Array
  readonly srcInfo: Uint32Array
  readonly ttl: Uint8Array
  readonly qosId: Int16Array
  readonly tcpSeq: Uint32Array
  readonly tcpAck: Uint32Array
  readonly underlayEcmp: Int8Array
  readonly hentryFlags: Uint8Array
}

/** Which active flows {@link FlowTable.scan} returns; every condition given must hold. */
export interface FlowFilter {
  proto?: number
  /** Source address, or `address/length`. */
  src?: string
  dst?: string
  /** Either address (as `flow --match`). */
  addr?: string
  sport?: number
  dport?: number
  /** Either port. */
  port?: number
  vrf?: number
  action?: number
  /** Flag bits that must all be set. */
  flags?: number
  minBytes?: bigint | number
  minPackets?: bigint | number
  /** Index range: from `start` (default 0) to `end` (exclusive). */
  start?: number
  end?: number
  /** At most this many matches. */
  limit?: number
}

/** Counts over the whole flow table, from one pass. */
export interface FlowTableStats {
  entries: number
  mainEntries: number
  overflowEntries: number
  active: number
  activeOverflow: number
  hold: number
  forward: number
  drop: number
  nat: number
  ipv4: number
  ipv6: number
  torn: number
  bytes: bigint
  packets: bigint
}
