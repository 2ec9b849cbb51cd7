//! `NativeFlowTable`, the flow table object JavaScript holds (lib/tables/flow-table.ts): its
//! napi-rs methods, each run on the table's `FlowReader`, and the plain callbacks made for it.

use std::sync::Arc;

use napi::bindgen_prelude::*;
use napi_derive::napi;
use vrouter_proto::tables::{FlowEntryCopy, FlowFilter, FlowKey, FlowLayout};

use super::active_batch::NativeActiveBatch;
use super::arena::Arena;
use super::columns::NativeColumn;
use super::errors::{closed, invalid, no_arena};
use super::fast;
use super::flow_input::{flow_filter, flow_key, NativeFlowFilter};
use super::flow_reader::FlowReader;
use super::flow_row::{Addresses, FlowRow};
use super::flow_stats::{flow_stats, NativeFlowTableStats};
use super::mapping::{self, MappedTable, NativeTableFailure, NativeTableSource, TableKindArg};
use super::parallel_scan::scan_rows;
use super::shared_reader::{ReaderCell, SharedReader};
use super::snapshot::{copy_table, snapshot};

/// A flow table mapped read-only. Its state is shared with the plain Node-API callbacks of the
/// per-entry calls (`callbacks`).
#[napi]
pub struct NativeFlowTable {
    reader: SharedReader,
}

#[napi]
impl NativeFlowTable {
    /// Maps the table; a failure is returned (with its code), not thrown.
    #[napi(ts_return_type = "NativeFlowTable | NativeTableFailure")]
    pub fn open(source: NativeTableSource, layout: Option<String>) -> Either<NativeFlowTable, NativeTableFailure> {
        let layout = match layout.as_deref().unwrap_or("2024") {
            "2024" => FlowLayout::Tf2024,
            "2019" => FlowLayout::Juniper2019,
            other => {
                return Either::B(NativeTableFailure::new("ERR_TABLE_LAYOUT", format!("unknown flow layout {other:?}: expected 2024 or 2019")))
            }
        };
        match mapping::open(&source, TableKindArg::Flow) {
            Ok(table) => Either::A(NativeFlowTable { reader: ReaderCell::new(FlowReader { table: Arc::new(table), layout, arena: None, scan_arena: None, copy: FlowEntryCopy::new(layout) }) }),
            Err(f) => Either::B(f),
        }
    }

    /// The per-entry calls as plain callbacks bound to this table: `fillGet(row, index)`, and
    /// `fillLookup4(row, proto, sip, dip, sport, dport, nh)`, an IPv4 `fillLookup` with the
    /// addresses as host-order integers.
    #[napi(ts_return_type = "{ fillGet(row: number, index: number): boolean; fillLookup4(row: number, proto: number, sip: number, dip: number, sport: number, dport: number, nh: number): number }")]
    pub fn callbacks<'env>(&self, env: &'env Env) -> Result<Object<'env>> {
        fast::callbacks(env, &self.reader)
    }

    /// The columns of an arena of `capacity` rows: names, kinds, sizes and offsets; `ipv4Only`:
    /// of an arena whose addresses take IPv4's 4 bytes a row (`startActive`).
    #[napi]
    pub fn layout(capacity: u32, ipv4_only: Option<bool>) -> Vec<NativeColumn> {
        FlowRow::layout_sized(capacity as usize, &FlowRow::sizes(addresses(ipv4_only)))
    }

    /// Bytes of an arena of `capacity` rows (`ipv4Only`: as `layout`).
    #[napi]
    pub fn arena_bytes(capacity: u32, ipv4_only: Option<bool>) -> u32 {
        FlowRow::arena_len_sized(capacity as usize, &FlowRow::sizes(addresses(ipv4_only))) as u32
    }

    /// Main entries.
    #[napi(getter)]
    pub fn main_entries(&self) -> Result<u32> {
        self.with(|r| Ok(r.table.geometry.main_entries()))
    }

    /// Overflow entries.
    #[napi(getter)]
    pub fn overflow_entries(&self) -> Result<u32> {
        self.with(|r| Ok(r.table.geometry.overflow_entries()))
    }

    /// Bytes of the table.
    #[napi(getter)]
    pub fn byte_length(&self) -> Result<f64> {
        self.with(|r| Ok(r.table.geometry.byte_len() as f64))
    }

    /// Makes `arena` (a view over a whole `ArrayBuffer` of `arenaBytes(capacity)` bytes) the
    /// destination of the next fills. The arena is zeroed first: that brings its lines into the
    /// cache, where each single read (`get`, `lookup`) would otherwise miss on some of the 35
    /// lines its row is stored in (measured: a random lookup 578 against 530 ns).
    #[napi]
    pub fn attach(&mut self, env: Env, arena: Uint8ArraySlice, capacity: u32) -> Result<()> {
        let mut arena = Arena::attach_flow(&env, arena, capacity, Addresses::Full)?;
        arena.parts().0.fill(0);
        self.with(|r| {
            r.arena = Some(arena);
            Ok(())
        })
    }

    /// Starts filling `arena` (of `arenaBytes(capacity)` bytes, held by the batch until it is
    /// finished) from row 0 with up to `capacity` active entries from index `start` on, on the
    /// scan helpers; `finish()` on the batch returns how many, with the next index and the torn
    /// count in the arena's header. `active()` reads a batch while the next one is filled, in
    /// arenas of their own, larger than the attached one, so that a batch is worth sharing.
    /// `ipv4Only`: an arena laid out so (`layout`), whose rows with an IPv6 key are stored cut
    /// short and counted in the header's third word, for the caller to fill that range again.
    #[napi]
    pub fn start_active(&mut self, env: Env, arena: Uint8ArraySlice, capacity: u32, start: u32, ipv4_only: Option<bool>) -> Result<NativeActiveBatch> {
        let arena = Arena::attach_flow(&env, arena, capacity, addresses(ipv4_only))?;
        self.with(|r| Ok(r.start_active(arena, start)))
    }

    /// Copies entry `index` into row `row`: true when it is active (a free or torn entry is
    /// not written).
    #[napi]
    pub fn fill_get(&mut self, row: u32, index: u32) -> Result<bool> {
        self.with(|r| r.fill_get(row, index).map_err(invalid))
    }

    /// Finds the live entry with this key through vRouter's hash, bucket and overflow chain,
    /// copies it into row `row`, and returns its index (−1: none).
    #[napi]
    #[allow(clippy::too_many_arguments)] // a key is six numbers and strings; an object would cost a conversion per call
    pub fn fill_lookup(&mut self, row: u32, proto: u32, src: String, dst: String, sport: u32, dport: u32, nh: u32) -> Result<i32> {
        let key = flow_key(proto, &src, &dst, sport, dport, nh)?;
        self.with(|r| r.fill_lookup(row, &key).map_err(invalid))
    }

    /// Looks up many IPv4 keys at once: `keys` holds six numbers per key (proto, source and
    /// destination address as host-order integers, source and destination port, nexthop id).
    /// The entries found are copied into rows `row..`, in the keys' order; `out[i]` gets the row
    /// (counted from `row`) key `i`'s entry went to, or −1. Returns how many were found.
    #[napi]
    pub fn fill_lookup_many4(&mut self, row: u32, keys: Uint32Array, out: Int32Array) -> Result<u32> {
        if keys.len() % 6 != 0 {
            return Err(invalid(format!("keys hold six numbers each, got {}", keys.len())));
        }
        let mut parsed = Vec::with_capacity(keys.len() / 6);
        for k in keys.chunks_exact(6) {
            let proto = u8::try_from(k[0]).map_err(|_| invalid(format!("protocol {} does not fit 8 bits", k[0])))?;
            let port = |p: u32| u16::try_from(p).map_err(|_| invalid(format!("port {p} does not fit 16 bits")));
            parsed.push(FlowKey::inet(proto, k[1].into(), k[2].into(), port(k[3])?, port(k[4])?, k[5]));
        }
        let mut out = out;
        // SAFETY: the slice is used only during this call, on the JavaScript thread.
        let out = unsafe { out.as_mut() };
        self.with(|r| r.fill_lookup_many(row, &parsed, out).map_err(invalid))
    }

    /// Makes `arena` (of `arenaBytes(capacity)` bytes) the destination of `fillScan`: a scan
    /// buffer JavaScript reuses from scan to scan.
    #[napi]
    pub fn attach_scan(&mut self, env: Env, arena: Uint8ArraySlice, capacity: u32) -> Result<()> {
        let arena = Arena::attach_flow(&env, arena, capacity, Addresses::Full)?;
        self.with(|r| {
            r.scan_arena = Some(arena);
            Ok(())
        })
    }

    /// Scans into the scan arena from row 0: the active entries passing `filter` (up to the
    /// arena's capacity); returns how many, with the next index and the torn count in its header.
    #[napi]
    pub fn fill_scan(&mut self, filter: NativeFlowFilter) -> Result<u32> {
        let f = flow_filter(&filter)?;
        self.with(|r| {
            let (table, layout) = (&r.table, r.layout);
            Ok(scan_to_arena(table, layout, r.scan_arena.as_mut().ok_or_else(no_arena)?, &filter, &f))
        })
    }

    /// [`fill_scan`](Self::fill_scan) into `arena` (of `arenaBytes(capacity)` bytes), for this
    /// call only: `scan()`'s fresh columns. They live in memory JavaScript allocated, which V8
    /// frees as soon as it collects them; columns allocated here would be freed by a finalizer that
    /// runs later, from the event loop, so a loop of scans that never yields held all of them
    /// (measured: 33 MB more at each scan, and a scan from 18 to 57 ms after thirty).
    #[napi]
    pub fn scan_into(&mut self, env: Env, arena: Uint8ArraySlice, capacity: u32, filter: NativeFlowFilter) -> Result<u32> {
        let mut arena = Arena::attach_flow(&env, arena, capacity, Addresses::Full)?;
        let f = flow_filter(&filter)?;
        self.with(|r| Ok(scan_to_arena(&r.table, r.layout, &mut arena, &filter, &f)))
    }

    /// Counts the table's entries in one pass.
    #[napi]
    pub fn stats(&self) -> Result<NativeFlowTableStats> {
        self.with(|r| Ok(flow_stats(&r.table, r.layout)))
    }

    /// A copy of the whole table (as it is during the copy: entries may be mid-update; read them
    /// with the layout, as a private table nobody writes).
    #[napi]
    pub fn snapshot(&self) -> Result<Buffer> {
        self.with(|r| Ok(snapshot(&r.table)?.into()))
    }

    /// Copies the whole table into `dst` (at least the table's length).
    #[napi]
    pub fn snapshot_into(&self, mut dst: Uint8ArraySlice) -> Result<()> {
        // SAFETY: the slice is used only during this call, on the JavaScript thread.
        let out = unsafe { dst.as_mut() };
        self.with(|r| copy_table(&r.table, out))
    }

    /// Unmaps the table; later calls fail.
    #[napi]
    pub fn close(&mut self) {
        self.reader.close();
    }

    fn with<T>(&self, f: impl FnOnce(&mut FlowReader) -> Result<T>) -> Result<T> {
        self.reader.with(f).unwrap_or_else(|| Err(closed()))
    }
}

impl Drop for NativeFlowTable {
    fn drop(&mut self) {
        self.close();
    }
}

/// Scans the part of the table `filter` names into `arena` from row 0 (up to its capacity and
/// `filter.limit`); reports the next index and the torn count in its header.
fn scan_to_arena(table: &MappedTable, layout: FlowLayout, arena: &mut Arena, filter: &NativeFlowFilter, f: &FlowFilter) -> u32 {
    let max = filter.limit.unwrap_or(u32::MAX);
    let p = scan_rows(table.bytes(), layout, filter.start.unwrap_or(0), filter.end.unwrap_or(u32::MAX), f, max, &arena.flow_rows());
    arena.report(p.next, p.torn);
    p.delivered
}

/// How an arena asked for with `ipv4Only` holds addresses.
fn addresses(ipv4_only: Option<bool>) -> Addresses {
    if ipv4_only == Some(true) {
        Addresses::Ipv4
    } else {
        Addresses::Full
    }
}
