//! Bringing a table to the state vRouter creates it in.

use super::constants::{HENTRY_IN_FREE_LIST, INVALID_INDEX};
use super::error::TableError;
use super::geometry::TableGeometry;
use super::hentry::{HEntry, HENTRY_SIZE};
use super::memory::{TableBytes, TableSink};

/// Initialises every entry of a table the way vRouter does when it creates one: all bytes zero,
/// except each hash-entry header, which carries the entry's own index, no chain
/// (`next_index` = 0xffffffff), no bucket (`bucket_index` = 0xffffffff) and, for overflow
/// entries, the `IN_FREE_LIST` flag.
///
/// An all-zero table is not a valid empty table: `flow -l` follows `next_index` and takes a 0
/// there for a corrupted table. The same header applies to flow and bridge tables and to both
/// flow layouts. Bytes past the geometry's end are left alone.
pub fn init_table<S: TableSink>(mut sink: S, geometry: &TableGeometry) -> Result<(), TableError> {
    init_in_place(&mut sink, geometry)
}

/// [`init_table`] for a sink the caller keeps.
pub(crate) fn init_in_place<S: TableSink>(
    sink: &mut S,
    geometry: &TableGeometry,
) -> Result<(), TableError> {
    check_len(sink.bytes(), geometry)?;
    let mut entry = vec![0u8; geometry.entry_size() as usize];
    for index in 0..geometry.total_entries() {
        let header = HEntry {
            index,
            bucket_index: INVALID_INDEX,
            next_index: INVALID_INDEX,
            flags: if geometry.is_overflow(index) {
                HENTRY_IN_FREE_LIST
            } else {
                0
            },
        };
        entry[..HENTRY_SIZE].copy_from_slice(&header.to_bytes());
        // entry_offset is Some for every index below total_entries.
        let base = geometry
            .entry_offset(index)
            .expect("index inside the geometry");
        sink.write(base, &entry);
    }
    Ok(())
}

pub(crate) fn check_len<B: TableBytes + ?Sized>(
    bytes: &B,
    geometry: &TableGeometry,
) -> Result<(), TableError> {
    let available = bytes.byte_len() as u64;
    if available < geometry.byte_len() {
        return Err(TableError::TableTooShort {
            needed: geometry.byte_len(),
            available,
        });
    }
    Ok(())
}
