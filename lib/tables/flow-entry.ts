// A flow entry as JavaScript sees it: a view of one row of columns, its fields decoded when asked for.

import { FlowFlag } from '../generated/vr'
import { ipv4, ipv6 } from './addresses'
import type { FlowColumns, FlowEntry, FlowKey } from './flow-types'
import { ACTION_NAMES, flagNames } from './names'

/** A flow entry over one row of columns (an arena's, or a scan's). Fields are read when asked for. */
export class FlowEntryView implements FlowEntry {
  #c: FlowColumns
  #r: number
  #main: number
  #key?: FlowKey

  constructor(c: FlowColumns, r: number, mainEntries: number) {
    this.#c = c
    this.#r = r
    this.#main = mainEntries
  }

  get index(): number {
    return this.#c.index[this.#r]
  }
  get genId(): number {
    return this.#c.genId[this.#r]
  }
  get key(): FlowKey {
    if (this.#key) return this.#key
    const c = this.#c
    const r = this.#r
    const v6 = c.keyLen[r] === 44
    const o = r * addressBytes(c)
    this.#key = {
      family: v6 ? 'inet6' : 'inet',
      proto: c.proto[r],
      src: v6 ? ipv6(c.sip, o) : ipv4(c.sip, o),
      dst: v6 ? ipv6(c.dip, o) : ipv4(c.dip, o),
      sport: c.sport[r],
      dport: c.dport[r],
      nh: c.keyNh[r],
    }
    return this.#key
  }
  get action(): number {
    return this.#c.action[this.#r]
  }
  get actionName(): string {
    return ACTION_NAMES[this.action] ?? String(this.action)
  }
  get flags(): number {
    return this.#c.flags[this.#r]
  }
  get flagNames(): string[] {
    return flagNames(this.flags, FlowFlag)
  }
  get flags1(): number {
    return this.#c.flags1[this.#r]
  }
  get tcpFlags(): number {
    return this.#c.tcpFlags[this.#r]
  }
  get vrf(): number {
    return this.#c.vrf[this.#r]
  }
  get dvrf(): number {
    return this.#c.dvrf[this.#r]
  }
  get rflow(): number {
    return this.flags & FlowFlag.RFLOW_VALID ? this.#c.rflow[this.#r] : -1
  }
  get bytes(): bigint {
    return (BigInt(this.#c.bytesOflow[this.#r]) << 32n) | BigInt(this.#c.bytes[this.#r])
  }
  get packets(): bigint {
    return (BigInt(this.#c.packetsOflow[this.#r]) << 32n) | BigInt(this.#c.packets[this.#r])
  }
  get srcNh(): number {
    return this.#c.srcNh[this.#r]
  }
  get mirrorId(): number {
    return this.#c.mirrorId[this.#r]
  }
  get secMirrorId(): number {
    return this.#c.secMirrorId[this.#r]
  }
  get ecmpNh(): number {
    return this.#c.ecmpNh[this.#r]
  }
  get underlayEcmp(): number {
    return this.#c.underlayEcmp[this.#r]
  }
  get dropReason(): number {
    return this.#c.dropReason[this.#r]
  }
  get type(): number {
    return this.#c.flowType[this.#r]
  }
  get udpSrcPort(): number {
    return this.#c.udpSrcPort[this.#r]
  }
  get srcInfo(): number {
    return this.#c.srcInfo[this.#r]
  }
  get ttl(): number {
    return this.#c.ttl[this.#r]
  }
  get qosId(): number {
    return this.#c.qosId[this.#r]
  }
  get tcpSeq(): number {
    return this.#c.tcpSeq[this.#r]
  }
  get tcpAck(): number {
    return this.#c.tcpAck[this.#r]
  }
  get overflow(): boolean {
    return this.index >= this.#main
  }

  /** A plain object with every field (bigints stay bigints). */
  toJSON(): Record<string, unknown> {
    const out: Record<string, unknown> = {}
    for (const k of FLOW_FIELDS) out[k] = this[k]
    return out
  }
}

/**
 * Bytes a row of the address columns takes: 16 (IPv4 in the first 4), or 4 in the batches {@link FlowTable.active}
 * fills while the table holds no IPv6 flow.
 */
function addressBytes(c: FlowColumns): number {
  return c.sip.length / c.index.length
}

const FLOW_FIELDS = [
  'index', 'genId', 'key', 'action', 'actionName', 'flags', 'flagNames', 'flags1', 'tcpFlags', 'vrf', 'dvrf', 'rflow', 'bytes', 'packets',
  'srcNh', 'mirrorId', 'secMirrorId', 'ecmpNh', 'underlayEcmp', 'dropReason', 'type', 'udpSrcPort', 'srcInfo', 'ttl', 'qosId', 'tcpSeq', 'tcpAck', 'overflow',
] as const satisfies readonly (keyof FlowEntry)[]
