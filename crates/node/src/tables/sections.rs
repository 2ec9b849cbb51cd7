//! The simulator's tables as named sections (Windows), from JavaScript: what `FlowTable.open({ section, size })`
//! reads on Windows, filled with the churn writer's stamped flows so that a reader can check each entry it returns.

use napi::bindgen_prelude::*;
use napi_derive::napi;
use vrouter_proto::tables::{FlowLayout, TableGeometry};
use vrouter_sim::churn::{check_value_of, churn_key, SRC_INFO_MASK};
use vrouter_sim::section_tables::SectionTables;

/// Flow and bridge tables in sections `<prefix>-flow` and `<prefix>-bridge`.
#[napi]
pub struct NativeSectionTables {
    tables: Option<SectionTables>,
}

#[napi]
impl NativeSectionTables {
    /// Creates both sections: `flow_entries` main flow entries (the overflow table by vRouter's rule), 1024 bridge entries.
    #[napi(factory)]
    pub fn create(prefix: String, flow_entries: u32, layout: Option<String>) -> Result<Self> {
        let layout = match layout.as_deref().unwrap_or("2024") {
            "2019" => FlowLayout::Juniper2019,
            _ => FlowLayout::Tf2024,
        };
        let flow = TableGeometry::new(flow_entries, None, 256).map_err(|e| Error::new(Status::InvalidArg, e.to_string()))?;
        let bridge = TableGeometry::new(1024, None, 64).map_err(|e| Error::new(Status::InvalidArg, e.to_string()))?;
        let tables = SectionTables::create(&prefix, flow, bridge, layout).map_err(|e| Error::new(Status::GenericFailure, e.to_string()))?;
        Ok(Self { tables: Some(tables) })
    }

    /// Inserts the churn writer's first `count` keys, each stamped with its check value (`Simulator.churn`'s stamp);
    /// returns how many were placed.
    #[napi]
    pub fn insert_flows(&mut self, count: u32) -> Result<u32> {
        let t = self.tables.as_mut().ok_or_else(closed)?;
        let mut placed = 0;
        for n in 0..count {
            let key = churn_key(n);
            let slot = t.flow_writer().insert_with(&key, |slot, e| {
                let check = check_value_of(&key, slot.gen_id);
                e.set_tcp_seq(check);
                e.set_src_info(check ^ SRC_INFO_MASK);
                e.set_udp_src_port(check as u16);
            });
            placed += u32::from(slot.is_ok());
        }
        Ok(placed)
    }

    #[napi(getter)]
    pub fn flow_name(&self) -> Result<String> {
        Ok(self.tables.as_ref().ok_or_else(closed)?.flow_name().to_owned())
    }

    #[napi(getter)]
    pub fn flow_size(&self) -> Result<f64> {
        Ok(self.tables.as_ref().ok_or_else(closed)?.flow_size() as f64)
    }

    #[napi(getter)]
    pub fn bridge_name(&self) -> Result<String> {
        Ok(self.tables.as_ref().ok_or_else(closed)?.bridge_name().to_owned())
    }

    #[napi(getter)]
    pub fn bridge_size(&self) -> Result<f64> {
        Ok(self.tables.as_ref().ok_or_else(closed)?.bridge_size() as f64)
    }

    /// Drops the writer's views (the sections go when the last reader closes too).
    #[napi]
    pub fn close(&mut self) {
        self.tables = None;
    }
}

fn closed() -> Error {
    Error::new(Status::GenericFailure, "the section tables are closed".to_owned())
}
