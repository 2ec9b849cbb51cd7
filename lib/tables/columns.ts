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

/** Columns for every entry of a table, reused by {@link FlowTable.scanInto}. */
export class ScanBuffer {
  /** The memory the columns are views of. */
  readonly bytes: Uint8Array
  readonly #buffer: ArrayBuffer
  readonly #header: Uint32Array
  readonly #views: { name: string; kind: string; size: number; offset: number }[]
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
    this.#views = layout
  }

  /** The first `count` rows, as columns. */
  columns(count: number): FlowColumns {
    const cols: Record<string, unknown> = { count, torn: this.#header[1] }
    for (const c of this.#views) {
      const View = VIEWS[c.kind as keyof typeof VIEWS]
      cols[c.name] = new View(this.#buffer, c.offset, c.kind === 'bytes' ? count * c.size : count)
    }
    return cols as unknown as FlowColumns
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
    // without a page fault or a memset.
    const buffer = Buffer.allocUnsafeSlow(bytes).buffer as ArrayBuffer
    const cols: Record<string, unknown> = {}
    for (const c of layout) {
      const View = VIEWS[c.kind as keyof typeof VIEWS]
      const length = c.kind === 'bytes' ? capacity * c.size : capacity
      cols[c.name] = new View(buffer, c.offset, length)
    }
    this.cols = cols as C
    this.header = new Uint32Array(buffer, 0, 4)
    attach(new Uint8Array(buffer), capacity)
  }

  get free(): number {
    return this.capacity - this.used
  }
}

/**
 * Rows per arena (about 100 bytes each). Small enough that a batch of `active()` is still in the CPU's L2 cache when
 * JavaScript reads it, and that the arena's memory comes from the allocator's heap (reused, already faulted in) rather
 * than fresh pages. Measured: `active()` alone, repeated, about 20% faster than with 4096 or 16384 rows; in bench/tables
 * (alternating with the peer's 161 MB reads) the same within noise.
 */
export const ARENA_ROWS = 1024
/**
 * Rows of a batch of `active()` (about 3.4 MB), in an arena of its own: large enough that the native scan shares each
 * batch between threads (starting one costs tens of microseconds). Measured on the default table: 1024 rows a batch,
 * one thread, 30 ms a pass; 16384 rows, 17.4 ms; 32768 rows, 16.2 ms; 65536 and 131072, slower again. An entry keeps
 * its batch's memory alive.
 */
export const ACTIVE_BATCH = 32768
/** A batch of `active()` smaller than this asks for a fresh arena first. */
export const MIN_BATCH = ARENA_ROWS / 4
