// The flow table: opened, read by index, key, batch or scan, snapshotted, closed.

import { Ksync } from '../ksync'
import native from '../native'
import type { NativeActiveBatch, NativeColumn, NativeFlowTable } from '../../index'
import { ActiveBatch, ActiveFlows } from './active-flows'
import { ipv4Number } from './addresses'
import { ACTIVE_BATCH, Arena, ARENA_ROWS, ScanBuffer } from './columns'
import { TableError } from './errors'
import { FlowEntryView } from './flow-entry'
import type { FlowColumns, FlowEntry, FlowFilter, FlowKeyInput, FlowTableStats } from './flow-types'
import { failure, nativeSource, queryFlowTable, type FlowTableOptions, type TableSource } from './source'

/** Keys {@link FlowTable.lookupMany} hands to native code at once. */
const LOOKUP_BATCH = 256

/**
 * vRouter's flow table, mapped read-only: entries by index, the active ones in batches, scans in native code,
 * lookups through vRouter's hash, snapshots. Entries are copies checked against the live table (an entry being
 * rewritten is retried or skipped, never returned torn).
 */
export class FlowTable implements AsyncDisposable, Disposable {
  /** Main entries (a multiple of 4: buckets of four). */
  readonly mainEntries: number
  /** Overflow entries, after the main ones. */
  readonly overflowEntries: number
  /** Main plus overflow entries. */
  readonly entries: number
  /** Bytes of the table. */
  readonly byteLength: number
  /** The entry layout read. */
  readonly layout: '2024' | '2019'
  #native: NativeFlowTable | undefined
  #arena: Arena<FlowColumns> | undefined
  readonly #layout: NativeColumn[]
  /** The layouts of {@link active}'s batches: with full addresses, and with IPv4's 4 bytes (80 bytes a row against 104). */
  readonly #batchLayouts: Record<'full' | 'ipv4', { columns: NativeColumn[]; bytes: number }>
  /**
   * Whether {@link active} fills its batches with IPv4-sized addresses: until a batch finds an IPv6 flow, and again
   * after a whole pass that found none. Less memory allocated per pass means fewer collections by V8 while it runs.
   */
  _ipv4Batches = true
  /** The per-entry calls, plain Node-API callbacks bound to this table (cheaper than napi-rs methods). */
  readonly #fillGet: (row: number, index: number) => boolean
  readonly #fillLookup4: (row: number, proto: number, sip: number, dip: number, sport: number, dport: number, nh: number) => number
  /** {@link lookupMany}'s buffers: keys packed six numbers each, the rows their entries went to, which input each key came from. */
  #lookupKeys: Uint32Array | undefined
  #lookupFound: Int32Array | undefined
  #lookupWhich: Uint32Array | undefined

  private constructor(n: NativeFlowTable, layout: '2024' | '2019') {
    this.#native = n
    const callbacks = n.callbacks()
    this.#fillGet = callbacks.fillGet
    this.#fillLookup4 = callbacks.fillLookup4
    this.mainEntries = n.mainEntries
    this.overflowEntries = n.overflowEntries
    this.entries = this.mainEntries + this.overflowEntries
    this.byteLength = n.byteLength
    this.layout = layout
    this.#layout = native.NativeFlowTable.layout(ARENA_ROWS)
    const batchLayout = (ipv4Only: boolean) => ({
      columns: native.NativeFlowTable.layout(ACTIVE_BATCH, ipv4Only),
      bytes: native.NativeFlowTable.arenaBytes(ACTIVE_BATCH, ipv4Only),
    })
    this.#batchLayouts = { full: batchLayout(false), ipv4: batchLayout(true) }
  }

  /**
   * Opens the flow table: through a {@link Ksync} connection (asks `vr_flow_table_data` and `vrouter_ops`, then
   * maps what the answer names: the file, or the kernel module's `/dev/flow`; on Windows the simulator's section, or
   * the driver's `\\.\vrouterFlow` through IOCTL_SHMEM_GET_ADDRESS), or from a {@link TableSource}.
   * A table whose size does not match its geometry or file is a {@link TableError} `ERR_TABLE_SIZE`.
   */
  static async open(from: Ksync | TableSource, options: FlowTableOptions = {}): Promise<FlowTable> {
    const source = from instanceof Ksync ? await queryFlowTable(from, options) : from
    const layout = String(options.layout ?? '2024') as '2024' | '2019'
    const r = native.NativeFlowTable.open(nativeSource(source), layout)
    if (failure(r)) throw new TableError(r.message, r.code)
    return new FlowTable(r, layout)
  }

  /** Whether {@link close} was called. */
  get closed(): boolean {
    return this.#native === undefined
  }

  #open(): NativeFlowTable {
    if (!this.#native) throw new TableError('the flow table is closed', 'ERR_TABLE_CLOSED')
    return this.#native
  }

  /** An arena with at least `rows` free rows. */
  #rows(rows: number): Arena<FlowColumns> {
    const n = this.#open()
    if (!this.#arena || this.#arena.free < rows) {
      this.#arena = new Arena<FlowColumns>(ARENA_ROWS, this.#layout, native.NativeFlowTable.arenaBytes(ARENA_ROWS), (u8, cap) => n.attach(u8, cap))
    }
    return this.#arena
  }

  /** Entry `index`, or `undefined` when it is not active (free, or changing on every try). */
  get(index: number): FlowEntry | undefined {
    if (!Number.isInteger(index) || index < 0 || index >= this.entries) throw new RangeError(`index ${index} is outside 0…${this.entries - 1}`)
    const a = this.#rows(1)
    const row = a.used
    if (!this.#fillGet(row, index)) return undefined
    a.used++
    return new FlowEntryView(a.cols, row, this.mainEntries)
  }

  /** The active entry with this key, found as vRouter finds it (hash, bucket of 4, overflow chain); `undefined` if none. */
  lookup(key: FlowKeyInput): FlowEntry | undefined {
    const a = this.#rows(1)
    const row = a.used
    const sip = ipv4Number(key.src)
    const dip = sip < 0 ? -1 : ipv4Number(key.dst)
    const index =
      dip >= 0
        ? this.#fillLookup4(row, key.proto, sip, dip, key.sport, key.dport, key.nh ?? 0)
        : this.#native!.fillLookup(row, key.proto, key.src, key.dst, key.sport, key.dport, key.nh ?? 0)
    if (index < 0) return undefined
    a.used++
    return new FlowEntryView(a.cols, row, this.mainEntries)
  }

  /**
   * {@link lookup} of many keys at once: the result's `i`-th element is the entry with `keys[i]`, or `undefined`.
   * IPv4 keys are looked up in native code in batches, the bucket lines of the keys a few places ahead fetched while
   * one is resolved, so that the memory latencies of different keys overlap: per key, several times faster than
   * {@link lookup} on a table much larger than the CPU caches. Every entry is copied and checked as {@link lookup}
   * checks it.
   */
  lookupMany(keys: readonly FlowKeyInput[]): (FlowEntry | undefined)[] {
    const n = this.#open()
    const out: (FlowEntry | undefined)[] = []
    const packed = (this.#lookupKeys ??= new Uint32Array(LOOKUP_BATCH * 6))
    const found = (this.#lookupFound ??= new Int32Array(LOOKUP_BATCH))
    const which = (this.#lookupWhich ??= new Uint32Array(LOOKUP_BATCH))
    for (let at = 0; at < keys.length; ) {
      let m = 0
      for (; at < keys.length && m < LOOKUP_BATCH; at++) {
        const key = keys[at]
        const sip = ipv4Number(key.src)
        const dip = sip < 0 ? -1 : ipv4Number(key.dst)
        if (dip < 0) {
          out.push(this.lookup(key))
          continue
        }
        out.push(undefined)
        const o = m * 6
        packed[o] = key.proto
        packed[o + 1] = sip
        packed[o + 2] = dip
        packed[o + 3] = key.sport
        packed[o + 4] = key.dport
        packed[o + 5] = key.nh ?? 0
        which[m++] = at
      }
      if (m === 0) continue
      const a = this.#rows(m)
      const row = a.used
      a.used += n.fillLookupMany4(row, packed.subarray(0, m * 6), found)
      for (let j = 0; j < m; j++) if (found[j] >= 0) out[which[j]] = new FlowEntryView(a.cols, row + found[j], this.mainEntries)
    }
    return out
  }

  /**
   * The active entries, in index order, fetched from native code in batches of 32768, each filled by native threads
   * while the one before is read. An entry keeps its batch's memory (2.6–3.4 MB) alive: keep `toJSON()` copies of
   * entries held for long. Leaving the loop early stops the batch being filled.
   */
  active(): IterableIterator<FlowEntry> {
    return new ActiveFlows(this, this.entries, this.mainEntries)
  }

  /**
   * Starts one batch of {@link active}: up to {@link ACTIVE_BATCH} active entries from `next` on, in an arena of
   * their own (large enough for the native scan to share between threads), filled by native helper threads while the
   * caller goes on; {@link ActiveBatch.finish} waits for it. `ipv4Only`: with addresses of 4 bytes a row (its rows
   * with an IPv6 key are cut short and counted, for the caller to fill the range again with full addresses).
   */
  _startBatch(next: number, ipv4Only: boolean): ActiveBatch {
    const n = this.#open()
    const layout = this.#batchLayouts[ipv4Only ? 'ipv4' : 'full']
    let batch: NativeActiveBatch | undefined
    const start = (u8: Uint8Array, cap: number) => (batch = n.startActive(u8, cap, next, ipv4Only))
    const arena = new Arena<FlowColumns>(ACTIVE_BATCH, layout.columns, layout.bytes, start)
    return new ActiveBatch(arena, batch!, next, ipv4Only)
  }

  /**
   * Active entries passing `filter`, as columns (one typed array per field), scanned in native code into fresh memory
   * of JavaScript's (freed as soon as the columns are collected).
   */
  scan(filter: FlowFilter = {}): FlowColumns {
    const n = this.#open()
    const checked = nativeFilter(filter)
    const rows = scanRows(filter, this.entries)
    const buffer = new ScanBuffer(rows, native.NativeFlowTable.layout(rows), native.NativeFlowTable.arenaBytes(rows))
    return buffer.columns(n.scanInto(buffer.bytes, rows, checked))
  }

  /**
   * A scan buffer: room for every entry's columns (about 100 bytes an entry), for {@link scanInto}. Scanning into
   * the same buffer again and again allocates nothing (the memory is not touched anew each time).
   */
  scanBuffer(): ScanBuffer {
    return new ScanBuffer(this.entries, native.NativeFlowTable.layout(this.entries), native.NativeFlowTable.arenaBytes(this.entries))
  }

  /**
   * {@link scan} into `buffer` (from {@link scanBuffer}): the columns returned are views of the buffer, valid until
   * it is scanned into again.
   */
  scanInto(buffer: ScanBuffer, filter: FlowFilter = {}): FlowColumns {
    const n = this.#open()
    if (buffer.attachedTo !== this) {
      n.attachScan(buffer.bytes, buffer.capacity)
      buffer.attachedTo = this
    }
    return buffer.columns(n.fillScan(nativeFilter(filter)))
  }

  /** Row `row` of a scan's columns, as an entry. */
  entryOf(columns: FlowColumns, row: number): FlowEntry {
    if (!(row >= 0 && row < columns.count)) throw new RangeError(`row ${row} is outside 0…${columns.count - 1}`)
    return new FlowEntryView(columns, row, this.mainEntries)
  }

  /** Counts over the whole table: active entries by action and family, bytes and packets. */
  stats(): FlowTableStats {
    return this.#open().stats()
  }

  /** A copy of the whole table, at memory speed (entries may be mid-update in it: it is the bytes, not checked entries). */
  snapshot(): Buffer {
    return this.#open().snapshot()
  }

  /** Copies the whole table into `into` (at least {@link byteLength} bytes): a snapshot without allocating. */
  snapshotInto(into: Uint8Array): void {
    this.#open().snapshotInto(into)
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

/** A filter as native code takes it (counters as bigints), its index range and limit checked. */
function nativeFilter(filter: FlowFilter) {
  for (const name of ['start', 'end', 'limit'] as const) {
    const v = filter[name]
    if (v !== undefined && !(Number.isInteger(v) && v >= 0 && v <= 0xffff_ffff)) throw new RangeError(`${name} ${v} is not an index (a whole number from 0)`)
  }
  const big = (v: bigint | number | undefined) => (v === undefined ? undefined : BigInt(v))
  return { ...filter, minBytes: big(filter.minBytes), minPackets: big(filter.minPackets) }
}

/** Rows a scan with `filter` can return at most: its index range, or its limit. */
function scanRows(filter: FlowFilter, entries: number): number {
  const start = Math.max(0, filter.start ?? 0)
  const end = Math.min(entries, filter.end ?? entries)
  const rows = Math.min(end - start, filter.limit ?? entries)
  return rows > 0 ? rows : 0
}
