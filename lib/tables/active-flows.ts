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
  ) {}

  /** Waits for the fill; how many rows, and the index to go on from. */
  finish(): { count: number; next: number } {
    const count = this.native.finish()
    this.arena.used = count
    return { count, next: this.arena.header[0] }
  }
}

/** The iterator {@link FlowTable.active} returns: walks a batch's rows, the next batch filling meanwhile. */
export class ActiveFlows implements IterableIterator<FlowEntry> {
  #pending: ActiveBatch | undefined
  #cols: FlowColumns | undefined
  #row = 0
  #end = 0
  #done = false

  constructor(
    readonly table: FlowTable,
    readonly entries: number,
    readonly main: number,
  ) {}

  next(): IteratorResult<FlowEntry> {
    while (this.#row === this.#end) {
      if (this.#done) return { done: true, value: undefined }
      if (this.table.closed) {
        this.return()
        throw new TableError('the flow table was closed while its active entries were being read', 'ERR_TABLE_CLOSED')
      }
      const batch = this.#pending ?? this.table._startBatch(0)
      const { count, next } = batch.finish()
      // Started before this batch is read, so that its fill overlaps the reading.
      this.#pending = next < this.entries ? this.table._startBatch(next) : undefined
      this.#done = this.#pending === undefined
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
