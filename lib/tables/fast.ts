// The flow table's per-entry native calls, fetched once: plain Node-API callbacks rather than
// napi-rs methods, because they run once per entry.

import native from '../native'

/** The per-entry calls, exported as plain Node-API callbacks (crates/node/src/tables/fast.rs). */
interface TableCallbacks {
  flowFillGet(id: number, row: number, index: number): boolean
  flowFillLookup4(id: number, row: number, proto: number, sip: number, dip: number, sport: number, dport: number, nh: number): number
}
export const fast = native.tableCallbacks() as unknown as TableCallbacks
