// The bridge table: opened, read by index, key, batch or scan, snapshotted, closed.

import { Ksync } from '../ksync'
import native from '../native'
import type { NativeBridgeTable, NativeColumn } from '../../index'
import { parseMac } from './addresses'
import { bridgeEntry, type BridgeColumns, type BridgeEntry } from './bridge-entry'
import { Arena, ARENA_ROWS, MIN_BATCH } from './columns'
import { TableError } from './errors'
import { failure, nativeSource, queryBridgeTable, type FlowTableOptions, type TableSource } from './source'

/** vRouter's bridge table (MAC + VRF → nexthop, label), mapped read-only. */
export class BridgeTable implements AsyncDisposable, Disposable {
  /** Main entries (buckets of four). */
  readonly mainEntries: number
  /** Overflow entries, after the main ones. */
  readonly overflowEntries: number
  /** Main plus overflow entries. */
  readonly entries: number
  /** Bytes of the table (64 per entry). */
  readonly byteLength: number
  #native: NativeBridgeTable | undefined
  #arena: Arena<BridgeColumns> | undefined
  readonly #layout: NativeColumn[]

  private constructor(n: NativeBridgeTable) {
    this.#native = n
    this.mainEntries = n.mainEntries
    this.overflowEntries = n.overflowEntries
    this.entries = this.mainEntries + this.overflowEntries
    this.byteLength = n.byteLength
    this.#layout = native.NativeBridgeTable.layout(ARENA_ROWS)
  }

  /** Opens the bridge table through ksync (`vr_bridge_table_data`) or from a {@link TableSource}. */
  static async open(from: Ksync | TableSource, options: Omit<FlowTableOptions, 'layout'> = {}): Promise<BridgeTable> {
    const source = from instanceof Ksync ? await queryBridgeTable(from, options) : from
    const r = native.NativeBridgeTable.open(nativeSource(source))
    if (failure(r)) throw new TableError(r.message, r.code)
    return new BridgeTable(r)
  }

  #open(): NativeBridgeTable {
    if (!this.#native) throw new TableError('the bridge table is closed', 'ERR_TABLE_CLOSED')
    return this.#native
  }

  #rows(rows: number): Arena<BridgeColumns> {
    const n = this.#open()
    if (!this.#arena || this.#arena.free < rows) {
      this.#arena = new Arena<BridgeColumns>(ARENA_ROWS, this.#layout, native.NativeBridgeTable.arenaBytes(ARENA_ROWS), (u8, cap) => n.attach(u8, cap))
    }
    return this.#arena
  }

  /** Entry `index`, or `undefined` when it is not valid. */
  get(index: number): BridgeEntry | undefined {
    if (!Number.isInteger(index) || index < 0 || index >= this.entries) throw new RangeError(`index ${index} is outside 0…${this.entries - 1}`)
    const a = this.#rows(1)
    if (!this.#native!.fillGet(a.used, index)) return undefined
    return bridgeEntry(a.cols, a.used++, this.mainEntries)
  }

  /** The valid entry for `mac` in `vrf`, found through vRouter's hash; `undefined` if none. */
  lookup(mac: string, vrf: number): BridgeEntry | undefined {
    const a = this.#rows(1)
    if (this.#native!.fillLookup(a.used, parseMac(mac), vrf) < 0) return undefined
    return bridgeEntry(a.cols, a.used++, this.mainEntries)
  }

  /** The valid entries, in index order, fetched in batches. */
  *active(): Generator<BridgeEntry, void, undefined> {
    let next = 0
    while (next < this.entries) {
      const a = this.#rows(MIN_BATCH)
      const row = a.used
      const n = this.#native!.fillActive(row, a.free, next)
      a.used += n
      next = a.header[0]
      for (let i = row; i < row + n; i++) yield bridgeEntry(a.cols, i, this.mainEntries)
    }
  }

  /** The valid entries (of one VRF), as entries. */
  scan(filter: { vrf?: number } = {}): BridgeEntry[] {
    const n = this.#open()
    let count = 0
    const scanInto = (u8: Uint8Array, capacity: number) => (count = n.scanInto(u8, capacity, filter.vrf))
    const c = new Arena<BridgeColumns>(this.entries, native.NativeBridgeTable.layout(this.entries), native.NativeBridgeTable.arenaBytes(this.entries), scanInto).cols
    const out: BridgeEntry[] = new Array(count)
    for (let i = 0; i < count; i++) out[i] = bridgeEntry(c, i, this.mainEntries)
    return out
  }

  /** A copy of the whole table. */
  snapshot(): Buffer {
    return this.#open().snapshot()
  }

  /** Unmaps the table. Entries already returned stay readable (they are copies). */
  close(): void {
    this.#native?.close()
    this.#native = undefined
    this.#arena = undefined
  }

  [Symbol.dispose](): void {
    this.close()
  }

  async [Symbol.asyncDispose](): Promise<void> {
    this.close()
  }
}
