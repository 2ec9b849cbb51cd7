// The flow and bridge tables, mapped read-only (crates/node/src/tables.rs). JavaScript never sees
// the mapping: native calls copy entries out (checked against the live entry, never torn) into
// columns — typed arrays, one per field — and the entries here are views of one row of them.
//
// This file is the public entry; each part lives in lib/tables/: errors.ts (TableError), source.ts
// (where a table is: TableSource, the ksync queries), flow-types.ts (keys, entries, columns, filters),
// columns.ts (ScanBuffer, arenas), flow-entry.ts and active-flows.ts (entries as views of rows),
// flow-table.ts, bridge-entry.ts and bridge-table.ts, fast.ts (the per-entry native calls),
// addresses.ts and names.ts (addresses and numbers as text).

export { BridgeTable } from './tables/bridge-table'
export type { BridgeEntry } from './tables/bridge-entry'
export { ScanBuffer } from './tables/columns'
export { TableError } from './tables/errors'
export { FlowTable } from './tables/flow-table'
export type { FlowColumns, FlowEntry, FlowFilter, FlowKey, FlowKeyInput, FlowTableStats } from './tables/flow-types'
export type { FlowTableOptions, TableSource } from './tables/source'
