// The iterator over a flow table's active entries, one native batch at a time.

import { FlowEntryView } from './flow-entry'
import type { FlowTable } from './flow-table'
import type { FlowColumns, FlowEntry } from './flow-types'

/** The iterator {@link FlowTable.active} returns: walks a batch's rows, asks for the next batch when done. */
export class ActiveFlows implements IterableIterator<FlowEntry> {
  #next = 0
  #cols: FlowColumns | undefined
  #row = 0
  #end = 0

  constructor(
    readonly table: FlowTable,
    readonly entries: number,
    readonly main: number,
  ) {}

  next(): IteratorResult<FlowEntry> {
    while (this.#row === this.#end) {
      if (this.#next >= this.entries) return { done: true, value: undefined }
      const b = this.table._fill(this.#next)
      this.#cols = b.arena.cols
      this.#row = 0
      this.#end = b.count
      this.#next = b.next
    }
    return { done: false, value: new FlowEntryView(this.#cols!, this.#row++, this.main) }
  }

  [Symbol.iterator](): IterableIterator<FlowEntry> {
    return this
  }
}
