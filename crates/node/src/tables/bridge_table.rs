//! `NativeBridgeTable`, the bridge table object JavaScript holds (lib/tables/bridge-table.ts): the
//! mapping and its arena, read by index, MAC and VRF, in batches or by scan.

use napi::bindgen_prelude::*;
use napi_derive::napi;
use vrouter_proto::tables::{lookup_bridge, read_bridge_entry, scan_bridge, BridgeFilter, BridgeKey};

use super::arena::Arena;
use super::bridge_row::BridgeRow;
use super::columns::NativeColumn;
use super::errors::{closed, invalid, no_arena};
use super::mapping::{self, MappedTable, NativeTableFailure, NativeTableSource, TableKindArg};
use super::snapshot::snapshot;

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

    /// Writes the valid entries (optionally of one VRF) into `arena` (of `arenaBytes(capacity)`
    /// bytes) from row 0, for this call only, and returns how many: `scan()`'s columns, in memory
    /// JavaScript allocated (see `NativeFlowTable::scan_into`).
    #[napi]
    pub fn scan_into(&self, env: Env, arena: Uint8ArraySlice, capacity: u32, vrf: Option<u32>) -> Result<u32> {
        let table = self.open_table()?;
        let mut arena = Arena::attach(&env, arena, capacity, BridgeRow::arena_len(capacity as usize), BridgeRow::offsets(capacity as usize))?;
        let filter = BridgeFilter { vrf: vrf.map(|v| v as u16), mac: None };
        let (out, offsets) = arena.parts();
        let mut r = 0;
        let p = scan_bridge(table.bytes(), 0, u32::MAX, &filter, capacity, |copy| {
            BridgeRow::of(copy).write(out, offsets, r);
            r += 1;
        });
        arena.report(p.next, p.torn);
        Ok(p.delivered)
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
