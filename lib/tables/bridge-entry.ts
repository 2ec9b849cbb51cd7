// A bridge entry as JavaScript sees it: a plain object made from one row of columns.

import { BridgeEntryFlag } from '../generated/vr'
import { macOf } from './addresses'
import { flagNames } from './names'

/** One bridge entry, copied out consistently. */
export interface BridgeEntry {
  readonly index: number
  /** `aa:bb:cc:dd:ee:ff`. */
  readonly mac: string
  readonly vrf: number
  /** `be_flags` (see {@link BridgeEntryFlag}). */
  readonly flags: number
  readonly flagNames: string[]
  readonly label: number
  readonly nhId: number
  readonly packets: bigint
  readonly overflow: boolean
}

export interface BridgeColumns {
  readonly count: number
  readonly torn: number
  readonly index: Uint32Array
  readonly hentryFlags: Uint8Array
  readonly mac: Uint8Array
  readonly vrf: Uint16Array
  readonly flags: Uint16Array
  readonly label: Uint32Array
  readonly nhId: Int32Array
  readonly packets: BigUint64Array
}

export function bridgeEntry(c: BridgeColumns, r: number, main: number): BridgeEntry {
  const flags = c.flags[r]
  return {
    index: c.index[r],
    mac: macOf(c.mac, r * 6),
    vrf: c.vrf[r],
    flags,
    flagNames: flagNames(flags, BridgeEntryFlag),
    label: c.label[r],
    nhId: c.nhId[r],
    packets: c.packets[r],
    overflow: c.index[r] >= main,
  }
}
