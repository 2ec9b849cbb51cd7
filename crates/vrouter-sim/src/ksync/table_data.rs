//! Table queries: `vr_flow_table_data` (geometry, mapping and counters of the flow table) and
//! `vr_bridge_table_data` (geometry and mapping of the bridge table), as agents send them
//! before mapping the tables (PROTOCOL.md §7.1).
//!
//! The simulator's tables are files, as DPDK vRouter's are with `--no-huge`: the answers carry
//! device 0 and the file's absolute path. On Windows they are named sections, and the path field
//! carries the section's name (`crate::section_tables` says why). A datapath without tables
//! answers −EOPNOTSUPP.

use vrouter_proto::messages::{SandeshOp, VrBridgeTableData, VrFlowTableData};

use super::errno::{EINVAL, EOPNOTSUPP};
use super::flow::{bridge_location, flow_location};
use super::limits::CORES;
use super::{Datapath, Responses};

/// Handles one `vr_flow_table_data`: vRouter answers any op with the data.
pub fn flow(dp: &mut Datapath, req: VrFlowTableData, out: &mut Responses) {
    let Some(t) = dp.flows.tables() else { return out.code(-EOPNOTSUPP) };
    let c = &dp.flows.counters;
    let data = VrFlowTableData {
        ftable_op: req.ftable_op,
        // The field is 32 bits: vRouter truncates a larger table the same way.
        ftable_size: t.flow_size() as u32,
        ftable_dev: 0,
        ftable_file_path: flow_location(t),
        ftable_used_entries: u64::from(t.flow().used_entries()),
        ftable_processed: c.processed,
        ftable_deleted: c.deleted,
        ftable_added: c.added,
        ftable_created: u64::from(c.hold),
        ftable_changed: c.changed,
        ftable_hold_oflows: c.hold_oflows,
        ftable_cpus: CORES,
        ftable_oflow_entries: t.flow().used_overflow_entries(),
        ftable_hold_stat: vec![c.hold],
        // Burst tokens are never handed out here: none are free.
        ftable_burst_free_tokens: 0,
        ftable_hold_entries: u32::try_from(c.held()).unwrap_or(u32::MAX),
        ..Default::default()
    };
    out.reply(0, &[&data]);
}

/// Handles one `vr_bridge_table_data`: GET only, anything else −EINVAL.
pub fn bridge(dp: &mut Datapath, req: VrBridgeTableData, out: &mut Responses) {
    let Some(t) = dp.flows.tables() else { return out.code(-EOPNOTSUPP) };
    if req.btable_op != SandeshOp::GET {
        return out.code(-EINVAL);
    }
    let data = VrBridgeTableData {
        btable_op: req.btable_op,
        btable_size: t.bridge_size() as u32,
        btable_dev: 0,
        btable_file_path: bridge_location(t),
        ..Default::default()
    };
    out.reply(0, &[&data]);
}
