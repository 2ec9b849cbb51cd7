//! QoS maps (`vr_qos_map_req`): DSCP / MPLS EXP / 802.1p values → forwarding class, per map
//! (dp-core/vr_qos.c).

use vrouter_proto::messages::{SandeshOp, VrQosMapReq};

use super::dump::resume_after;
use super::errno::*;
use super::{Datapath, Dumper, Responses};

/// Entries per map: 64 DSCP values, then 8 MPLS EXP values, then 8 802.1p values.
const DSCP: usize = 64;
const MPLS: usize = 8;
const DOTONEP: usize = 8;

/// One map entry: the forwarding class a value maps to, if set.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Entry {
    valid: bool,
    value: u8,
    fc_id: u8,
}

/// One QoS map.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QosMap {
    entries: [Entry; DSCP + MPLS + DOTONEP],
}

impl Default for QosMap {
    fn default() -> Self {
        QosMap { entries: [Entry::default(); DSCP + MPLS + DOTONEP] }
    }
}

/// Handles one `vr_qos_map_req`; other ops are −EINVAL.
pub fn handle(dp: &mut Datapath, req: VrQosMapReq, out: &mut Responses) {
    match req.h_op {
        SandeshOp::ADD => out.code(add(dp, &req)),
        SandeshOp::GET => get(dp, &req, out),
        SandeshOp::DUMP => dump(dp, &req, out),
        SandeshOp::DEL => out.code(del(dp, &req)),
        _ => out.code(-EINVAL),
    }
}

/// ADD merges into the map (creating it): each listed value gets its class; values out of
/// range are skipped. Value and class lists must pair up.
fn add(dp: &mut Datapath, req: &VrQosMapReq) -> i32 {
    let id = req.qmr_id as u32;
    if !dp.qos_maps.in_range(id as i64)
        || req.qmr_dscp.len() != req.qmr_dscp_fc_id.len()
        || req.qmr_mpls_qos.len() != req.qmr_mpls_qos_fc_id.len()
        || req.qmr_dotonep.len() != req.qmr_dotonep_fc_id.len()
    {
        return -EINVAL;
    }
    if dp.qos_maps.get(id).is_none() {
        dp.qos_maps.insert(id, QosMap::default());
    }
    let map = dp.qos_maps.get_mut(id).expect("made above");
    let groups = [
        (0, DSCP, &req.qmr_dscp, &req.qmr_dscp_fc_id),
        (DSCP, MPLS, &req.qmr_mpls_qos, &req.qmr_mpls_qos_fc_id),
        (DSCP + MPLS, DOTONEP, &req.qmr_dotonep, &req.qmr_dotonep_fc_id),
    ];
    for (base, size, values, classes) in groups {
        for (&value, &fc_id) in values.iter().zip(classes) {
            if (value as usize) < size {
                map.entries[base + value as usize] = Entry { valid: true, value, fc_id };
            }
        }
    }
    0
}

/// Deleting an absent map succeeds.
fn del(dp: &mut Datapath, req: &VrQosMapReq) -> i32 {
    let id = req.qmr_id as u32;
    if !dp.qos_maps.in_range(id as i64) {
        return -EINVAL;
    }
    dp.qos_maps.remove(id);
    0
}

/// The reply object: every list at full size, unset entries as 0. vRouter checks the MPLS and
/// 802.1p entries' validity on the DSCP entry of the same position, so an MPLS or 802.1p entry
/// shows only when DSCP entry i is set too (and a set DSCP entry i shows whatever is there).
fn make(id: u16, map: &QosMap) -> VrQosMapReq {
    let mut r = VrQosMapReq {
        qmr_id: id,
        qmr_dscp: vec![0; DSCP],
        qmr_dscp_fc_id: vec![0; DSCP],
        qmr_mpls_qos: vec![0; MPLS],
        qmr_mpls_qos_fc_id: vec![0; MPLS],
        qmr_dotonep: vec![0; DOTONEP],
        qmr_dotonep_fc_id: vec![0; DOTONEP],
        ..Default::default()
    };
    let e = &map.entries;
    let groups = [
        (0, &mut r.qmr_dscp, &mut r.qmr_dscp_fc_id),
        (DSCP, &mut r.qmr_mpls_qos, &mut r.qmr_mpls_qos_fc_id),
        (DSCP + MPLS, &mut r.qmr_dotonep, &mut r.qmr_dotonep_fc_id),
    ];
    for (base, values, classes) in groups {
        for i in 0..values.len() {
            // Validity is read at DSCP position i for every group (see above).
            if e[i].valid {
                (values[i], classes[i]) = (e[base + i].value, e[base + i].fc_id);
            }
        }
    }
    r
}

fn get(dp: &Datapath, req: &VrQosMapReq, out: &mut Responses) {
    let id = req.qmr_id as u32;
    if !dp.qos_maps.in_range(id as i64) {
        return out.code(-EINVAL);
    }
    match dp.qos_maps.get(id) {
        None => out.code(-ENOENT),
        Some(map) => out.reply(0, &[&make(req.qmr_id, map)]),
    }
}

fn dump(dp: &Datapath, req: &VrQosMapReq, out: &mut Responses) {
    let mut page = Dumper::new();
    let after = resume_after(req.qmr_marker as i32, dp.qos_maps.limit());
    for (id, map) in after.into_iter().flat_map(|a| dp.qos_maps.after(a)) {
        if !page.push(&make(id as u16, map)) {
            break;
        }
    }
    page.finish(out);
}
