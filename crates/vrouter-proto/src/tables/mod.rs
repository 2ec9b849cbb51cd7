//! The flow and bridge tables vRouter shares with the agent (PROTOCOL.md §7), without I/O.
//!
//! Everything here works on bytes the caller provides: the I/O crate maps the table, the
//! simulator owns one. Pieces:
//!
//! - Layout: [`FlowLayout`] (the 2024 and 2019 flow entries), [`FlowKey`], [`BridgeKey`],
//!   [`HEntry`] (the hash-entry header of both), [`TableGeometry`] (entry counts and sizes).
//! - Reading: [`FlowEntryRef`] / [`BridgeEntryRef`] views, [`lookup_flow`] / [`lookup_bridge`]
//!   (over [`BucketWalk`]), and [`read_flow_entry`] / [`read_bridge_entry`] for a copy checked
//!   against the live entry.
//! - Writing: [`init_table`], [`FlowTableWriter`], [`BridgeTableWriter`].
//! - The hash: [`vr_hash`] and [`bucket_start`].
//!
//! Readers are generic over [`TableBytes`]: a plain `[u8]` for memory nobody else writes, or a
//! `[AtomicU8]` (see [`shared_bytes`]) for a live mapping, where concurrent writes can only make
//! a reader see stale or torn values, never undefined behaviour. See [`memory`] for why.

#![warn(missing_docs)]

mod bridge_entry;
mod bridge_key;
mod bridge_writer;
mod consistent_read;
pub mod constants;
mod error;
mod flow_entry;
mod flow_entry_mut;
mod flow_key;
mod flow_layout;
mod flow_stats;
mod flow_writer;
mod geometry;
mod hash;
mod hentry;
mod init;
mod lookup;
pub mod memory;
mod scan;
mod slot_allocator;

pub use bridge_entry::{
    BridgeEntryRef, BE_FLAGS, BE_KEY, BE_LABEL, BE_NH_ID, BE_NH_PTR, BE_PACKETS, BE_VRF,
};
pub use bridge_key::{BridgeKey, BRIDGE_KEY_LEN};
pub use bridge_writer::BridgeTableWriter;
pub use consistent_read::{
    read_bridge_entry, read_flow_entry, BridgeEntryCopy, FlowEntryCopy, ReadError,
};
pub use constants::INVALID_INDEX;
pub use error::TableError;
pub use flow_entry::FlowEntryRef;
pub use flow_entry_mut::FlowEntryMut;
pub use flow_key::{
    FlowKey, FlowKeyError, FLOW_FAMILY_INET, FLOW_FAMILY_INET6, FLOW_KEY_LEN_INET,
    FLOW_KEY_LEN_INET6, FLOW_KEY_REGION,
};
pub use flow_layout::{
    FlowLayout, FlowOffsets, FE_GEN_ID, FE_HOLD_LIST, FE_KEY, FE_KEY_LEN, FE_QOS_ID, FE_TCP_FLAGS,
    FE_TCP_SEQ, FE_TTL,
};
pub use flow_stats::FlowStats;
pub use flow_writer::{FlowSlot, FlowTableWriter};
pub use geometry::{
    default_overflow_entries, GeometryError, TableGeometry, BRIDGE_ENTRY_SIZE,
    DEFAULT_BRIDGE_ENTRIES, DEFAULT_FLOW_ENTRIES, FLOW_ENTRY_SIZE,
};
pub use hash::{bucket_start, vr_hash, HENTRIES_PER_BUCKET};
pub use hentry::{
    HEntry, HENTRY_BUCKET_INDEX, HENTRY_FLAGS, HENTRY_INDEX, HENTRY_NEXT_INDEX, HENTRY_NEXT_PTR,
    HENTRY_SIZE,
};
pub use init::init_table;
pub use lookup::{lookup_bridge, lookup_flow, lookup_flow_hashed, prefetch_bucket, same_key, BucketWalk};
pub use memory::{racy_copy, shared_bytes, TableBytes, TableSink};
pub use scan::{
    flow_copy_is_active, read_flow_entry_retrying, read_retrying_into, scan_bridge, scan_flows, scan_flows_noting_torn, BridgeFilter,
    FlowFilter, Prefix, ScanProgress, TORN_RETRIES,
};
