//! `FlowReader`, an open flow table as the reader registry keeps it, and its fills: active
//! entries, one entry by index, lookups by key (one, or many with their buckets prefetched).

use std::sync::Arc;

use vrouter_proto::tables::{
    flow_copy_is_active, lookup_flow_hashed, prefetch_bucket, read_retrying_into, same_key, FlowEntryCopy, FlowFilter,
    FlowKey, FlowLayout, FE_KEY, FLOW_KEY_REGION,
};

use super::active_batch::NativeActiveBatch;
use super::arena::Arena;
use super::flow_row::{with_stage, FlowSource};
use super::mapping::MappedTable;
use super::parallel_scan::{scan_rows, ScanJob};
use super::stage::STAGE_ROWS;

/// An open flow table: the mapping, its layout, the arena JavaScript attached.
pub struct FlowReader {
    pub(super) table: Arc<MappedTable>,
    pub(super) layout: FlowLayout,
    pub(super) arena: Option<Arena>,
    /// Where `fillScan` writes.
    pub(super) scan_arena: Option<Arena>,
    /// The copy single reads (`get`, `lookup`) go through, reused.
    pub(super) copy: FlowEntryCopy,
}

impl FlowReader {
    /// See `NativeFlowTable::start_active`: a batch of the active entries from index `start` on,
    /// as many as `arena` holds, filled by the scan helpers while the caller goes on (or now, when
    /// the batch is too small to share).
    pub fn start_active(&self, mut arena: Arena, start: u32) -> NativeActiveBatch {
        // SAFETY: the batch holds the arena (its memory pinned) until the job is finished or
        // abandoned and waited for, and nothing else writes it meanwhile (JavaScript reads it only
        // after `finish`).
        match unsafe { ScanJob::start(self.table.clone(), self.layout, start, arena.flow_rows()) } {
            Some(job) => NativeActiveBatch::filling(arena, job),
            None => {
                let max = arena.capacity as u32;
                let p = scan_rows(self.table.bytes(), self.layout, start, u32::MAX, &FlowFilter::default(), max, &arena.flow_rows());
                arena.report(p.next, p.torn);
                NativeActiveBatch::filled(p.delivered)
            }
        }
    }

    /// See `NativeFlowTable::fill_get`.
    pub fn fill_get(&mut self, row: u32, index: u32) -> std::result::Result<bool, String> {
        let arena = attached(&mut self.arena, row, 1)?;
        let entries = self.table.geometry.total_entries();
        match read_retrying_into(self.table.bytes(), self.layout, index, &mut self.copy) {
            Ok(true) => {}
            Ok(false) => return Ok(false),
            Err(_) => return Err(format!("index {index} is past the table's {entries} entries")),
        }
        if !flow_copy_is_active(&self.copy) {
            return Ok(false);
        }
        arena.put_flow(row, &self.copy);
        Ok(true)
    }

    /// See `NativeFlowTable::fill_lookup`.
    pub fn fill_lookup(&mut self, row: u32, key: &FlowKey) -> std::result::Result<i32, String> {
        let arena = attached(&mut self.arena, row, 1)?;
        let index = find_and_copy(&self.table, self.layout, key, key.hash(), &mut self.copy);
        if index >= 0 {
            arena.put_flow(row, &self.copy);
        }
        Ok(index)
    }

    /// See `NativeFlowTable::fill_lookup_many4`: keys resolved in order while the buckets of the
    /// keys [`LOOKUP_AHEAD`] further on are being fetched, so that their memory latencies overlap.
    /// The entries found are staged and stored a column at a time, as scans store them: stored
    /// row by row, into an arena whose lines are not in the cache, they cost more than the
    /// lookups (measured: 199 against 129 ns a key in the native call, 1024 keys in the caches).
    pub fn fill_lookup_many(&mut self, row: u32, keys: &[FlowKey], out: &mut [i32]) -> std::result::Result<u32, String> {
        if out.len() < keys.len() {
            return Err(format!("{} keys need {} result slots, got {}", keys.len(), keys.len(), out.len()));
        }
        let rows = attached(&mut self.arena, row, keys.len() as u32)?.flow_rows();
        let hashes: Vec<u32> = keys.iter().map(FlowKey::hash).collect();
        let (table, layout, copy) = (&self.table, self.layout, &mut self.copy);
        let (bytes, geometry) = (table.bytes(), table.geometry);
        for &h in hashes.iter().take(LOOKUP_AHEAD) {
            prefetch_bucket(bytes, &geometry, h);
        }
        let mut found = 0u32;
        with_stage(|stage| {
            for (first, keys) in keys.chunks(STAGE_ROWS).enumerate().map(|(c, k)| (c * STAGE_ROWS, k)) {
                stage.clear();
                for (i, key) in keys.iter().enumerate().map(|(i, k)| (first + i, k)) {
                    if let Some(&h) = hashes.get(i + LOOKUP_AHEAD) {
                        prefetch_bucket(bytes, &geometry, h);
                    }
                    out[i] = -1;
                    if find_and_copy(table, layout, key, hashes[i], copy) >= 0 {
                        out[i] = (found as usize + stage.len()) as i32;
                        stage.push(&FlowSource::new(copy));
                    }
                }
                rows.store(row as usize + found as usize, stage, stage.len());
                found += stage.len() as u32;
            }
        });
        Ok(found)
    }
}

/// The attached arena, once rows `row..row + rows` are known to be inside it.
fn attached(arena: &mut Option<Arena>, row: u32, rows: u32) -> std::result::Result<&mut Arena, String> {
    let arena = arena.as_mut().ok_or("no arena attached")?;
    arena.check_rows(row, rows)?;
    Ok(arena)
}

/// Finds `key` (whose hash is `hash`) and copies its entry into `copy`; its index, or −1.
fn find_and_copy(table: &MappedTable, layout: FlowLayout, key: &FlowKey, hash: u32, copy: &mut FlowEntryCopy) -> i32 {
    let bytes = table.bytes();
    // A key moved or replaced between the walk and the copy is looked up again.
    for _ in 0..4 {
        let Some(index) = lookup_flow_hashed(bytes, &table.geometry, layout, key, hash) else { return -1 };
        if !matches!(read_retrying_into(bytes, layout, index, copy), Ok(true)) {
            continue;
        }
        let stored: &[u8; FLOW_KEY_REGION] = copy.bytes()[FE_KEY..FE_KEY + FLOW_KEY_REGION].try_into().expect("45 bytes");
        if flow_copy_is_active(copy) && same_key(stored, key) {
            return index as i32;
        }
    }
    -1
}

/// How many keys ahead of the one it resolves a lookup of many keys fetches buckets for.
const LOOKUP_AHEAD: usize = 8;
