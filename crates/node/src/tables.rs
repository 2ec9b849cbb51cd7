//! The flow and bridge tables, read from JavaScript (lib/tables.ts).
//!
//! JavaScript never gets a view of the mapping itself (a store through it would kill the
//! process): every read here copies entries out, consistently (`read_flow_entry`: identity read
//! before and after the copy; torn copies retried, then skipped), and writes them as columns
//! into an arena JavaScript attached (`get`, `lookup`, batches of `active()`), or returns a scan's
//! matches as typed arrays. One call per batch, never per entry or field.

mod bridge_row;
mod columns;
mod fast;
mod flow_row;
mod mapping;
#[cfg(windows)]
mod sections;

use std::net::IpAddr;
use std::str::FromStr;

use napi::bindgen_prelude::*;
use napi_derive::napi;
use vrouter_proto::tables::{
    flow_copy_is_active, lookup_bridge, lookup_flow_hashed, prefetch_bucket, racy_copy, same_key, read_bridge_entry, scan_bridge,
    scan_flows, BridgeFilter, BridgeKey, FlowEntryCopy, FlowFilter, FlowKey, FlowLayout, Prefix, FE_KEY, FLOW_KEY_LEN_INET, FLOW_KEY_REGION, read_retrying_into,
};

use crate::columns::{pin_u8, Column};
use bridge_row::{BridgeColumns, BridgeRow};
pub use columns::NativeColumn;
use columns::ARENA_HEADER;
use flow_row::{FlowColumns, FlowRow, FlowSource};
use mapping::{MappedTable, TableKindArg};
pub use mapping::{NativeTableFailure, NativeTableSource};

/// The arena JavaScript attached, and its row count.
struct Arena {
    column: Column<u8>,
    capacity: usize,
    /// Where each column starts.
    offsets: Vec<usize>,
}

impl Arena {
    fn attach(env: &Env, array: Uint8ArraySlice, capacity: u32, needed: usize, offsets: Vec<usize>) -> Result<Self> {
        let column = pin_u8(env, array)?;
        if column.as_slice().len() < needed {
            return Err(invalid(format!("an arena of {capacity} rows needs {needed} bytes, got {}", column.as_slice().len())));
        }
        Ok(Self { column, capacity: capacity as usize, offsets })
    }

    fn check_rows(&self, row: u32, rows: u32) -> std::result::Result<(), String> {
        if row as usize + rows as usize > self.capacity {
            return Err(format!("rows {row}..{} are past the arena's {} rows", row as usize + rows as usize, self.capacity));
        }
        Ok(())
    }

    /// The arena's bytes and its column offsets, for writing rows.
    fn parts(&mut self) -> (&mut [u8], &[usize]) {
        (self.column.as_mut_slice(), &self.offsets)
    }

    /// Reports a fill's progress in the header: next index, entries skipped as torn.
    fn report(&mut self, next: u32, torn: u32) {
        let header = &mut self.column.as_mut_slice()[..ARENA_HEADER];
        header[0..4].copy_from_slice(&next.to_ne_bytes());
        header[4..8].copy_from_slice(&torn.to_ne_bytes());
    }
}

/// What a scan returns besides the matches' columns (one typed array per field, named as in the
/// arena layout). Declared for the types only: `scan` builds the object itself.
#[napi(object)]
#[allow(dead_code)]
pub struct NativeScanCounts {
    pub count: u32,
    pub torn: u32,
}

/// A filter for a flow scan; absent fields match anything.
#[napi(object)]
pub struct NativeFlowFilter {
    pub proto: Option<u32>,
    /// Address or `address/length`.
    pub src: Option<String>,
    pub dst: Option<String>,
    /// Either address.
    pub addr: Option<String>,
    pub sport: Option<u32>,
    pub dport: Option<u32>,
    /// Either port.
    pub port: Option<u32>,
    pub vrf: Option<u32>,
    pub action: Option<u32>,
    /// Bits that must all be set in `fe_flags`.
    pub flags: Option<u32>,
    pub min_bytes: Option<BigInt>,
    pub min_packets: Option<BigInt>,
    /// Index range: `start` (default 0) to `end` (exclusive, default the table's end).
    pub start: Option<u32>,
    pub end: Option<u32>,
    /// At most this many matches.
    pub limit: Option<u32>,
}

/// Counters of a flow table, from one pass over it.
#[napi(object)]
pub struct NativeFlowTableStats {
    pub entries: u32,
    pub main_entries: u32,
    pub overflow_entries: u32,
    pub active: u32,
    pub active_overflow: u32,
    pub hold: u32,
    pub forward: u32,
    pub drop: u32,
    pub nat: u32,
    pub ipv4: u32,
    pub ipv6: u32,
    pub torn: u32,
    pub bytes: BigInt,
    pub packets: BigInt,
}

/// A flow table mapped read-only. Its state lives in the reader registry (`fast`), so that the
/// per-entry calls can be plain Node-API callbacks taking the table's id.
#[napi]
pub struct NativeFlowTable {
    id: Option<u32>,
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
            Ok(table) => Either::A(NativeFlowTable { id: Some(fast::register(FlowReader { table, layout, arena: None, scan_arena: None, copy: FlowEntryCopy::new(layout) })) }),
            Err(f) => Either::B(f),
        }
    }

    /// The id the plain callbacks (`flowFillGet`, `flowFillLookup`, `flowFillActive`) take.
    #[napi(getter)]
    pub fn id(&self) -> Result<u32> {
        self.id.ok_or_else(closed)
    }

    /// The columns of an arena of `capacity` rows: names, kinds and offsets.
    #[napi]
    pub fn layout(capacity: u32) -> Vec<NativeColumn> {
        FlowRow::layout(capacity as usize)
    }

    /// Bytes of an arena of `capacity` rows.
    #[napi]
    pub fn arena_bytes(capacity: u32) -> u32 {
        FlowRow::arena_len(capacity as usize) as u32
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
    /// destination of the next fills.
    #[napi]
    pub fn attach(&mut self, env: Env, arena: Uint8ArraySlice, capacity: u32) -> Result<()> {
        let arena = Arena::attach(&env, arena, capacity, FlowRow::arena_len(capacity as usize), FlowRow::offsets(capacity as usize))?;
        self.with(|r| {
            r.arena = Some(arena);
            Ok(())
        })
    }

    /// Fills rows `row..row + max` with the active entries from index `start` on; returns how
    /// many, with the next index and the torn count in the arena's header.
    #[napi]
    pub fn fill_active(&mut self, row: u32, max: u32, start: u32) -> Result<u32> {
        self.with(|r| r.fill_active(row, max, start).map_err(invalid))
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
    /// Key `i` is copied into row `row + i` when found; `out[i]` gets its index, or −1. Returns
    /// how many were found.
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
        let arena = Arena::attach(&env, arena, capacity, FlowRow::arena_len(capacity as usize), FlowRow::offsets(capacity as usize))?;
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
            let arena = r.scan_arena.as_mut().ok_or_else(no_arena)?;
            let max = filter.limit.unwrap_or(u32::MAX).min(arena.capacity as u32);
            let (out, offsets) = arena.parts();
            let mut row = 0;
            let p = scan_flows(table.bytes(), layout, filter.start.unwrap_or(0), filter.end.unwrap_or(u32::MAX), &f, max, |copy| {
                FlowRow::of(&FlowSource::new(copy)).write(out, offsets, row);
                row += 1;
            });
            arena.report(p.next, p.torn);
            Ok(p.delivered)
        })
    }

    /// The active entries passing `filter`, as columns on a new object (one typed array per
    /// field), with `count` and `torn`.
    #[napi(ts_return_type = "Record<string, unknown> & NativeScanCounts")]
    pub fn scan(&self, env: Env, filter: NativeFlowFilter) -> Result<Object<'_>> {
        let f = flow_filter(&filter)?;
        let (cols, p) = self.with(|r| {
            let (start, end) = (filter.start.unwrap_or(0), filter.end.unwrap_or(u32::MAX).min(r.table.geometry.total_entries()));
            let limit = filter.limit.unwrap_or(u32::MAX);
            let mut cols = FlowColumns::with_capacity(end.saturating_sub(start).min(limit) as usize);
            let p = scan_flows(r.table.bytes(), r.layout, start, end, &f, limit, |copy| {
                cols.push(&FlowRow::of(&FlowSource::new(copy)))
            });
            Ok((cols, p))
        })?;
        let mut obj = Object::new(&env)?;
        obj.set("count", p.delivered)?;
        obj.set("torn", p.torn)?;
        cols.into_object(&mut obj)?;
        Ok(obj)
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
        if let Some(id) = self.id.take() {
            fast::unregister(id);
        }
    }

    fn with<T>(&self, f: impl FnOnce(&mut FlowReader) -> Result<T>) -> Result<T> {
        let id = self.id.ok_or_else(closed)?;
        fast::with(id, f).unwrap_or_else(|| Err(closed()))
    }
}

impl Drop for NativeFlowTable {
    fn drop(&mut self) {
        self.close();
    }
}

/// An open flow table: the mapping, its layout, the arena JavaScript attached.
pub struct FlowReader {
    table: MappedTable,
    layout: FlowLayout,
    arena: Option<Arena>,
    /// Where `fillScan` writes.
    scan_arena: Option<Arena>,
    /// The copy single reads (`get`, `lookup`) go through, reused.
    copy: FlowEntryCopy,
}

impl FlowReader {
    fn arena(&mut self, row: u32, rows: u32) -> std::result::Result<&mut Arena, String> {
        let arena = self.arena.as_mut().ok_or("no arena attached")?;
        arena.check_rows(row, rows)?;
        Ok(arena)
    }

    /// See `NativeFlowTable::fill_active`.
    pub fn fill_active(&mut self, row: u32, max: u32, start: u32) -> std::result::Result<u32, String> {
        let (table, layout) = (&self.table, self.layout);
        let arena = self.arena.as_mut().ok_or("no arena attached")?;
        arena.check_rows(row, max)?;
        let (out, offsets) = arena.parts();
        let mut r = row as usize;
        let p = scan_flows(table.bytes(), layout, start, u32::MAX, &FlowFilter::default(), max, |copy| {
            FlowRow::of(&FlowSource::new(copy)).write(out, offsets, r);
            r += 1;
        });
        arena.report(p.next, p.torn);
        Ok(p.delivered)
    }

    /// See `NativeFlowTable::fill_get`.
    pub fn fill_get(&mut self, row: u32, index: u32) -> std::result::Result<bool, String> {
        let entries = self.table.geometry.total_entries();
        match read_retrying_into(self.table.bytes(), self.layout, index, &mut self.copy) {
            Ok(true) => {}
            Ok(false) => return Ok(false),
            Err(_) => return Err(format!("index {index} is past the table's {entries} entries")),
        }
        if !flow_copy_is_active(&self.copy) {
            return Ok(false);
        }
        let arena = self.arena.as_mut().ok_or("no arena attached")?;
        arena.check_rows(row, 1)?;
        let (out, offsets) = arena.parts();
        FlowRow::of(&FlowSource::new(&self.copy)).write(out, offsets, row as usize);
        Ok(true)
    }

    /// See `NativeFlowTable::fill_lookup`.
    pub fn fill_lookup(&mut self, row: u32, key: &FlowKey) -> std::result::Result<i32, String> {
        self.arena(row, 1)?;
        Ok(self.lookup_into(row, key, key.hash()))
    }

    /// See `NativeFlowTable::fill_lookup_many`: keys resolved in order while the buckets of the
    /// keys [`LOOKUP_AHEAD`] further on are being fetched, so that their memory latencies overlap.
    pub fn fill_lookup_many(&mut self, row: u32, keys: &[FlowKey], out: &mut [i32]) -> std::result::Result<u32, String> {
        if out.len() < keys.len() {
            return Err(format!("{} keys need {} result slots, got {}", keys.len(), keys.len(), out.len()));
        }
        self.arena(row, keys.len() as u32)?;
        let hashes: Vec<u32> = keys.iter().map(FlowKey::hash).collect();
        let (bytes, geometry) = (self.table.bytes(), self.table.geometry);
        for &h in hashes.iter().take(LOOKUP_AHEAD) {
            prefetch_bucket(bytes, &geometry, h);
        }
        let mut found = 0;
        for (i, key) in keys.iter().enumerate() {
            if let Some(&h) = hashes.get(i + LOOKUP_AHEAD) {
                prefetch_bucket(self.table.bytes(), &geometry, h);
            }
            out[i] = self.lookup_into(row + i as u32, key, hashes[i]);
            found += u32::from(out[i] >= 0);
        }
        Ok(found)
    }

    /// Finds `key` (whose hash is `hash`), copies its entry into row `row` (checked by the
    /// caller) and returns its index, or −1.
    fn lookup_into(&mut self, row: u32, key: &FlowKey, hash: u32) -> i32 {
        let (table, layout, copy) = (&self.table, self.layout, &mut self.copy);
        let bytes = table.bytes();
        // A key moved or replaced between the walk and the copy is looked up again.
        for _ in 0..4 {
            let Some(index) = lookup_flow_hashed(bytes, &table.geometry, layout, key, hash) else { return -1 };
            if !matches!(read_retrying_into(bytes, layout, index, copy), Ok(true)) {
                continue;
            }
            let stored: &[u8; FLOW_KEY_REGION] = copy.bytes()[FE_KEY..FE_KEY + FLOW_KEY_REGION].try_into().expect("45 bytes");
            if flow_copy_is_active(copy) && same_key(stored, key) {
                if let Some(arena) = self.arena.as_mut() {
                    let (out, offsets) = arena.parts();
                    FlowRow::of(&FlowSource::new(copy)).write(out, offsets, row as usize);
                }
                return index as i32;
            }
        }
        -1
    }
}

/// How many keys ahead of the one it resolves a lookup of many keys fetches buckets for.
const LOOKUP_AHEAD: usize = 8;

fn flow_stats(table: &MappedTable, layout: FlowLayout) -> NativeFlowTableStats {
    let g = table.geometry;
    let mut s = NativeFlowTableStats {
        entries: g.total_entries(),
        main_entries: g.main_entries(),
        overflow_entries: g.overflow_entries(),
        active: 0,
        active_overflow: 0,
        hold: 0,
        forward: 0,
        drop: 0,
        nat: 0,
        ipv4: 0,
        ipv6: 0,
        torn: 0,
        bytes: BigInt::from(0u64),
        packets: BigInt::from(0u64),
    };
    let (mut bytes, mut packets) = (0u64, 0u64);
    let p = scan_flows(table.bytes(), layout, 0, u32::MAX, &FlowFilter::default(), u32::MAX, |copy| {
        let v = copy.view();
        s.active += 1;
        if g.is_overflow(copy.index()) {
            s.active_overflow += 1;
        }
        match v.action() {
            0 => s.drop += 1,
            1 => s.hold += 1,
            2 => s.forward += 1,
            3 => s.nat += 1,
            _ => {}
        }
        if v.key_len() == FLOW_KEY_LEN_INET {
            s.ipv4 += 1;
        } else {
            s.ipv6 += 1;
        }
        let st = v.stats();
        bytes += st.total_bytes();
        packets += st.total_packets();
    });
    s.torn = p.torn;
    s.bytes = BigInt::from(bytes);
    s.packets = BigInt::from(packets);
    s
}

/// A bridge table mapped read-only.
#[napi]
pub struct NativeBridgeTable {
    table: Option<MappedTable>,
    arena: Option<Arena>,
}

#[napi]
impl NativeBridgeTable {
    /// Maps the table; a failure is returned (with its code), not thrown.
    #[napi(ts_return_type = "NativeBridgeTable | NativeTableFailure")]
    pub fn open(source: NativeTableSource) -> Either<NativeBridgeTable, NativeTableFailure> {
        match mapping::open(&source, TableKindArg::Bridge) {
            Ok(table) => Either::A(NativeBridgeTable { table: Some(table), arena: None }),
            Err(f) => Either::B(f),
        }
    }

    #[napi]
    pub fn layout(capacity: u32) -> Vec<NativeColumn> {
        BridgeRow::layout(capacity as usize)
    }

    #[napi]
    pub fn arena_bytes(capacity: u32) -> u32 {
        BridgeRow::arena_len(capacity as usize) as u32
    }

    #[napi(getter)]
    pub fn main_entries(&self) -> Result<u32> {
        Ok(self.open_table()?.geometry.main_entries())
    }

    #[napi(getter)]
    pub fn overflow_entries(&self) -> Result<u32> {
        Ok(self.open_table()?.geometry.overflow_entries())
    }

    #[napi(getter)]
    pub fn byte_length(&self) -> Result<f64> {
        Ok(self.open_table()?.geometry.byte_len() as f64)
    }

    #[napi]
    pub fn attach(&mut self, env: Env, arena: Uint8ArraySlice, capacity: u32) -> Result<()> {
        self.arena = Some(Arena::attach(&env, arena, capacity, BridgeRow::arena_len(capacity as usize), BridgeRow::offsets(capacity as usize))?);
        Ok(())
    }

    /// As the flow table's `fillActive`: valid entries from `start`.
    #[napi]
    pub fn fill_active(&mut self, row: u32, max: u32, start: u32) -> Result<u32> {
        let table = self.table.as_ref().ok_or_else(closed)?;
        let arena = self.arena.as_mut().ok_or_else(no_arena)?;
        arena.check_rows(row, max).map_err(invalid)?;
        let (out, offsets) = arena.parts();
        let mut r = row as usize;
        let p = scan_bridge(table.bytes(), start, u32::MAX, &BridgeFilter::default(), max, |copy| {
            BridgeRow::of(copy).write(out, offsets, r);
            r += 1;
        });
        arena.report(p.next, p.torn);
        Ok(p.delivered)
    }

    /// Copies entry `index` into row `row`: true when it is valid.
    #[napi]
    pub fn fill_get(&mut self, row: u32, index: u32) -> Result<bool> {
        let table = self.table.as_ref().ok_or_else(closed)?;
        let arena = self.arena.as_mut().ok_or_else(no_arena)?;
        arena.check_rows(row, 1).map_err(invalid)?;
        if !table.geometry.contains(index) {
            return Err(Error::new(Status::InvalidArg, format!("index {index} is past the table's {} entries", table.geometry.total_entries())));
        }
        for _ in 0..=vrouter_proto::tables::TORN_RETRIES {
            if let Ok(copy) = read_bridge_entry(table.bytes(), index) {
                if !copy.view().is_live() {
                    return Ok(false);
                }
                let (out, offsets) = arena.parts();
                BridgeRow::of(&copy).write(out, offsets, row as usize);
                return Ok(true);
            }
        }
        Ok(false)
    }

    /// Finds the live entry for `mac` (6 bytes) in `vrf`, copies it into row `row`, returns its
    /// index (−1: none).
    #[napi]
    pub fn fill_lookup(&mut self, row: u32, mac: Uint8Array, vrf: u32) -> Result<i32> {
        let table = self.table.as_ref().ok_or_else(closed)?;
        let arena = self.arena.as_mut().ok_or_else(no_arena)?;
        arena.check_rows(row, 1).map_err(invalid)?;
        let mac: [u8; 6] = mac.as_ref().try_into().map_err(|_| invalid("a MAC address has 6 bytes"))?;
        let vrf = u16::try_from(vrf).map_err(|_| invalid(format!("vrf {vrf} does not fit 16 bits")))?;
        let key = BridgeKey { mac, vrf };
        for _ in 0..4 {
            let Some(index) = lookup_bridge(table.bytes(), &table.geometry, &key) else { return Ok(-1) };
            let Ok(copy) = read_bridge_entry(table.bytes(), index) else { continue };
            if copy.view().is_live() && copy.view().key() == key {
                let (out, offsets) = arena.parts();
                BridgeRow::of(&copy).write(out, offsets, row as usize);
                return Ok(index as i32);
            }
        }
        Ok(-1)
    }

    /// The valid entries (optionally of one VRF), as columns.
    #[napi(ts_return_type = "Record<string, unknown> & NativeScanCounts")]
    pub fn scan(&self, env: Env, vrf: Option<u32>) -> Result<Object<'_>> {
        let table = self.open_table()?;
        let filter = BridgeFilter { vrf: vrf.map(|v| v as u16), mac: None };
        let mut cols = BridgeColumns::with_capacity(table.geometry.total_entries() as usize);
        let p = scan_bridge(table.bytes(), 0, u32::MAX, &filter, u32::MAX, |copy| cols.push(&BridgeRow::of(copy)));
        let mut obj = Object::new(&env)?;
        obj.set("count", p.delivered)?;
        obj.set("torn", p.torn)?;
        cols.into_object(&mut obj)?;
        Ok(obj)
    }

    #[napi]
    pub fn snapshot(&self) -> Result<Buffer> {
        Ok(snapshot(self.open_table()?)?.into())
    }

    #[napi]
    pub fn close(&mut self) {
        self.table = None;
        self.arena = None;
    }

    fn open_table(&self) -> Result<&MappedTable> {
        self.table.as_ref().ok_or_else(closed)
    }
}

fn snapshot(table: &MappedTable) -> Result<Vec<u8>> {
    let len = table.geometry.byte_len() as usize;
    let mut out = Vec::with_capacity(len);
    // SAFETY: u8 has no invalid values; every byte is written by the copy right after.
    #[allow(clippy::uninit_vec)]
    unsafe {
        out.set_len(len)
    };
    copy_table(table, &mut out)?;
    Ok(out)
}

fn copy_table(table: &MappedTable, out: &mut [u8]) -> Result<()> {
    let bytes = table.bytes();
    if out.len() < bytes.len() {
        return Err(invalid(format!("a snapshot needs {} bytes, the buffer has {}", bytes.len(), out.len())));
    }
    racy_copy(bytes, &mut out[..bytes.len()]);
    Ok(())
}

pub(crate) fn flow_key(proto: u32, src: &str, dst: &str, sport: u32, dport: u32, nh: u32) -> Result<FlowKey> {
    let ip = |s: &str| IpAddr::from_str(s).map_err(|_| invalid(format!("{s:?} is not an IP address")));
    let port = |p: u32| u16::try_from(p).map_err(|_| invalid(format!("port {p} does not fit 16 bits")));
    let proto = u8::try_from(proto).map_err(|_| invalid(format!("protocol {proto} does not fit 8 bits")))?;
    FlowKey::new(proto, ip(src)?, ip(dst)?, port(sport)?, port(dport)?, nh).map_err(|e| invalid(e.to_string()))
}

fn prefix(s: &str) -> Result<Prefix> {
    let bad = || invalid(format!("{s:?} is not an address or address/length"));
    let (addr, len) = match s.split_once('/') {
        Some((a, l)) => (a, Some(l.parse::<u8>().map_err(|_| bad())?)),
        None => (s, None),
    };
    let addr = IpAddr::from_str(addr).map_err(|_| bad())?;
    match len {
        Some(l) => Prefix::new(addr, l).ok_or_else(bad),
        None => Ok(Prefix::exact(addr)),
    }
}

fn narrow<T: TryFrom<u32>>(v: Option<u32>, what: &str) -> Result<Option<T>> {
    v.map(|x| T::try_from(x).map_err(|_| invalid(format!("{what} {x} is out of range")))).transpose()
}

fn flow_filter(f: &NativeFlowFilter) -> Result<FlowFilter> {
    let big = |b: &Option<BigInt>| b.as_ref().map_or(0, |b| b.get_u64().1);
    Ok(FlowFilter {
        proto: narrow(f.proto, "protocol")?,
        src: f.src.as_deref().map(prefix).transpose()?,
        dst: f.dst.as_deref().map(prefix).transpose()?,
        addr: f.addr.as_deref().map(prefix).transpose()?,
        sport: narrow(f.sport, "port")?,
        dport: narrow(f.dport, "port")?,
        port: narrow(f.port, "port")?,
        vrf: narrow(f.vrf, "vrf")?,
        action: narrow(f.action, "action")?,
        flags_all: narrow::<u16>(f.flags, "flags")?.unwrap_or(0),
        min_bytes: big(&f.min_bytes),
        min_packets: big(&f.min_packets),
    })
}

fn invalid(message: impl Into<String>) -> Error {
    Error::new(Status::InvalidArg, message.into())
}

fn closed() -> Error {
    Error::new(Status::GenericFailure, "the table is closed".to_owned())
}

fn no_arena() -> Error {
    Error::new(Status::GenericFailure, "no arena attached".to_owned())
}
