//! The flow and bridge tables, read from JavaScript (lib/tables.ts).
//!
//! JavaScript never gets a view of the mapping itself (a store through it would kill the
//! process): every read here copies entries out, consistently (`read_flow_entry`: identity read
//! before and after the copy; torn copies retried, then skipped), and writes them as columns
//! into an arena JavaScript allocated (`get`, `lookup`, batches of `active()`, scans). One call
//! per entry or batch, never per field.
//!
//! The parts: `mapping` opens a table from a `NativeTableSource`; `flow_table` and `bridge_table`
//! are the objects JavaScript holds; a flow table's state is a `flow_reader` in a
//! `shared_reader` cell, held also by the plain callbacks `fast` makes for the table; `arena`,
//! `columns`, `flow_row` and `bridge_row` are where and how entries are written for JavaScript;
//! `parallel_scan` is how a large flow scan shares its work with the `helpers` threads (into
//! `rows_out`), `active_batch` a batch of `active()` filled while the one before is read;
//! `flow_input` checks keys and filters, `flow_stats` counts, `snapshot` copies a whole table,
//! `errors` are what they throw.

mod active_batch;
mod arena;
mod bridge_row;
mod bridge_table;
mod columns;
mod errors;
mod fast;
mod flow_input;
mod flow_reader;
mod flow_row;
mod flow_stats;
mod flow_table;
mod helpers;
mod mapping;
mod parallel_scan;
mod rows_out;
mod shared_reader;
mod snapshot;
mod stage;
mod streaming;
#[cfg(windows)]
mod sections;
