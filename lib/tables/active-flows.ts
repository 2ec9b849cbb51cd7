// The iterator over a flow table's active entries, one native batch at a time: the next batch is
// filled by native helper threads while this one is read.

import type { NativeActiveBatch } from '../../index'
import type { Arena } from './columns'
import { TableError } from './errors'
import { FlowEntryView } from './flow-entry'
import type { FlowTable } from './flow-table'
import type { FlowColumns, FlowEntry } from './flow-types'

/** A batch being filled: its arena, and the native fill to wait for. */
export class ActiveBatch {
  constructor(
    readonly arena: Arena<FlowColumns>,
    readonly native: NativeActiveBatch,
    /** The index the fill started from. */
    readonly start: number,
    /** Whether the arena's addresses take IPv4's 4 bytes a row. */
    readonly ipv4Only: boolean,
  ) {}

  /** Waits for the fill; how many rows, the index to go on from, and how many rows have an IPv6 key. */
  finish(): { count: number; next: number; ipv6: number } {
    const count = this.native.finish()
    this.arena.used = count
    return { count, next: this.arena.header[0], ipv6: this.arena.header[2] }
  }
}

/** The iterator {@link FlowTable.active} returns: walks a batch's rows, the next batch filling meanwhile. */
export class ActiveFlows implements IterableIterator<FlowEntry> {
  #pending: ActiveBatch | undefined
  #cols: FlowColumns | undefined
  #row = 0
  #end = 0
  #done = false
  /** Whether batches are filled with IPv4-sized addresses (see {@link FlowTable._ipv4Batches}). */
  #ipv4Only: boolean
  #sawIpv6 = false

  constructor(
    readonly table: FlowTable,
    readonly entries: number,
    readonly main: number,
  ) {
    this.#ipv4Only = table._ipv4Batches
  }

  next(): IteratorResult<FlowEntry> {
    while (this.#row === this.#end) {
      if (this.#done) return { done: true, value: undefined }
      if (this.table.closed) {
        this.return()
        throw new TableError('the flow table was closed while its active entries were being read', 'ERR_TABLE_CLOSED')
      }
      let batch = this.#pending ?? this.table._startBatch(0, this.#ipv4Only)
      let { count, next, ipv6 } = batch.finish()
      if (ipv6 > 0 && batch.ipv4Only) {
        // Its IPv6 addresses were cut short: the same range again with full addresses, and so the rest of the pass.
        this.#ipv4Only = this.table._ipv4Batches = false
        batch = this.table._startBatch(batch.start, false)
        ;({ count, next, ipv6 } = batch.finish())
      }
      this.#sawIpv6 ||= ipv6 > 0
      // Started before this batch is read, so that its fill overlaps the reading.
      this.#pending = next < this.entries ? this.table._startBatch(next, this.#ipv4Only) : undefined
      this.#done = this.#pending === undefined
      if (this.#done) this.table._ipv4Batches = !this.#sawIpv6
      this.#cols = batch.arena.cols
      this.#row = 0
      this.#end = count
    }
    return { done: false, value: new FlowEntryView(this.#cols!, this.#row++, this.main) }
  }

  /** Leaving the loop early: the batch being filled is abandoned (its threads stop). */
  return(): IteratorResult<FlowEntry> {
    this.#pending?.native.abandon()
    this.#pending = undefined
    this.#done = true
    this.#row = this.#end
    return { done: true, value: undefined }
  }

  [Symbol.iterator](): IterableIterator<FlowEntry> {
    return this
  }
}
