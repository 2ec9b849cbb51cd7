// The memory entries are read from: columns (one typed array per field) over one buffer whose
// layout native code describes, either a `ScanBuffer` scanned into again and again, or an
// `Arena` whose rows are handed out once.

import type { NativeColumn } from '../../index'
import type { FlowColumns } from './flow-types'
import type { FlowTable } from './flow-table'

const VIEWS = {
  u8: Uint8Array,
  i8: Int8Array,
  u16: Uint16Array,
  i16: Int16Array,
  u32: Uint32Array,
  i32: Int32Array,
  u64: BigUint64Array,
  bytes: Uint8Array,
} as const

/**
 * An object with these properties, in V8's fast mode. Columns are read through their object for every field of every
 * entry (`FlowEntryView`); an object given more than a dozen properties one by one by computed name (or by native
 * code) is kept as a hash table instead, and each read costs a lookup: measured, 10 ns an element for a loop over
 * `cols.index`, against under 1. `Object.fromEntries` builds it in fast mode.
 */
export function fastObject(entries: Iterable<readonly [string, unknown]>): Record<string, unknown> {
  return Object.fromEntries(entries)
}

/** Each column of `layout` as a view of its first `rows` rows in `buffer`, with its name. */
function columnViews(buffer: ArrayBuffer, layout: NativeColumn[], rows: number): [string, unknown][] {
  return layout.map((c) => [c.name, new VIEWS[c.kind as keyof typeof VIEWS](buffer, c.offset, c.kind === 'bytes' ? rows * c.size : rows)])
}

/** Columns for every entry of a table, reused by {@link FlowTable.scanInto}. */
export class ScanBuffer {
  /** The memory the columns are views of. */
  readonly bytes: Uint8Array
  readonly #buffer: ArrayBuffer
  readonly #header: Uint32Array
  readonly #layout: NativeColumn[]
  /** The table it was last attached to (attaching costs a call). */
  attachedTo: unknown

  constructor(
    /** Entries it holds at most. */
    readonly capacity: number,
    layout: NativeColumn[],
    byteLength: number,
  ) {
    this.#buffer = new ArrayBuffer(byteLength)
    this.bytes = new Uint8Array(this.#buffer)
    this.#header = new Uint32Array(this.#buffer, 0, 4)
    this.#layout = layout
  }

  /** The first `count` rows, as columns. */
  columns(count: number): FlowColumns {
    return fastObject([['count', count], ['torn', this.#header[1]], ...columnViews(this.#buffer, this.#layout, count)]) as unknown as FlowColumns
  }
}

/** Rows handed out one after another, never rewritten: an entry stays valid as long as it is referenced. */
export class Arena<C> {
  readonly cols: C
  readonly header: Uint32Array
  used = 0

  constructor(
    readonly capacity: number,
    layout: NativeColumn[],
    bytes: number,
    attach: (u8: Uint8Array, capacity: number) => void,
  ) {
    // Not zero-filled: every row handed out is written first, and the memory freed by earlier arenas is reused
    // without a page fault or a memset. (Native code zeroes the arena of single reads when it is attached, which
    // brings its lines into the cache before rows are stored one at a time.)
    const buffer = Buffer.allocUnsafeSlow(bytes).buffer as ArrayBuffer
    this.cols = fastObject(columnViews(buffer, layout, capacity)) as C
    this.header = new Uint32Array(buffer, 0, 4)
    attach(new Uint8Array(buffer), capacity)
  }

  get free(): number {
    return this.capacity - this.used
  }
}

/**
 * Rows per arena (about 100 bytes each) of the single reads (`get`, `lookup`, `lookupMany`) and of the bridge table's
 * batches. Small enough that the arena's memory comes from the allocator's heap (reused, already faulted in) rather
 * than fresh pages, and that one entry kept does not keep much memory alive.
 */
export const ARENA_ROWS = 1024
/**
 * Rows of a batch of `active()` (about 2.6 MB with IPv4-sized addresses, 3.4 MB with full ones), in an arena of its
 * own: large enough that the native scan shares each batch with its helper threads, and fills the next one while this
 * one is read. Measured on the default table (half of 629,760 entries active), a pass alone: 1024 rows a batch on one
 * thread, 30 ms; with the helpers, 8192 rows 19.0 ms, 16384 rows 15.9 ms, 32768 rows 14.8–15.1 ms, 65536 rows
 * 13.8 ms — but in bench/tables (passes alternating with the peer's) 65536 rows gave 13.7 M entries/s against
 * 17.9–19.2 M for 32768. An entry keeps its whole batch's memory alive: keep `toJSON()` copies of entries held for
 * long.
 */
export const ACTIVE_BATCH = 32768
/** A batch of the bridge table's entries smaller than this asks for a fresh arena first. */
export const MIN_BATCH = ARENA_ROWS / 4
