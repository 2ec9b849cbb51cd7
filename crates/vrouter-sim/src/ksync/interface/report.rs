//! Interface GET and DUMP: a vif as vRouter reports it (dp-core/vr_interface.c
//! `__vr_interface_make_req`, `vr_interface_get`, `vr_interface_dump`).

use vrouter_proto::messages::{VifType, VrDropStatsReq, VrInterfaceReq};

use super::vif::{Vif, VifCounters};
use crate::ksync::dump::resume_after;
use crate::ksync::errno::*;
use crate::ksync::{Datapath, Dumper, Responses, CORES};

/// `vifr_flags` bit asking GET and DUMP for each vif's drop statistics as well.
const GET_DROP_STATS: i32 = 0x1;

/// The reply object for `vif`. `core` is the request's `vifr_core` (0 = all cores, n = core
/// n−1); vRouter echoes it back minus one, so "all cores" reads 0xffffffff.
fn make(vif: &Vif, users: u32, core: u32) -> VrInterfaceReq {
    let core = core.wrapping_sub(1);
    // One core here: "all" and core 0 both read the only counters; any other core reads zeros
    // and leaves the per-lcore list empty.
    let (counters, per_lcore) = if core == u32::MAX || core < CORES {
        (vif.counters.clone(), vec![vif.counters.queue_ierrors_to_lcore as i64])
    } else {
        (VifCounters::default(), Vec::new())
    };
    let mut r = VrInterfaceReq {
        vifr_core: core,
        vifr_type: vif.vif_type,
        vifr_flags: vif.flags,
        vifr_vrf: vif.vrf,
        vifr_mcast_vrf: vif.mcast_vrf,
        vifr_idx: vif.idx as i32,
        vifr_transport: vif.transport,
        vifr_os_idx: vif.os_idx as i32,
        vifr_mtu: vif.mtu,
        vifr_nh_id: vif.nh_id,
        vifr_mac: vif.mac.to_vec(),
        vifr_ip: vif.ip,
        vifr_ip6_u: vif.ip6_u,
        vifr_ip6_l: vif.ip6_l,
        vifr_mir_id: vif.mirror_id,
        vifr_ref_cnt: users as i32,
        vifr_name: vif.name.clone(),
        vifr_parent_vif_idx: vif.parent.map_or(-1, |p| p as i32),
        vifr_src_mac: vif.src_macs.iter().flat_map(|m| m.macs()).flatten().copied().collect(),
        vifr_in_mirror_md: vif.in_mirror_md.bytes().to_vec(),
        vifr_out_mirror_md: vif.out_mirror_md.bytes().to_vec(),
        vifr_isid: vif.isid,
        // A zero PBB MAC is left out.
        vifr_pbb_mac: if vif.pbb_mac == [0; 6] { Vec::new() } else { vif.pbb_mac.to_vec() },
        vifr_vhostuser_mode: vif.vhostuser_mode,
        vifr_queue_ierrors_to_lcore: per_lcore,
        // Link settings come from the host driver; the simulator has none to read.
        vifr_speed: -1,
        vifr_duplex: -1,
        vifr_qos_map_index: vif.qos_map_index,
        vifr_dpackets: vif.drops.total(),
        ..Default::default()
    };
    if vif.vif_type == VifType::VIRTUAL_VLAN.0 {
        r.vifr_vlan_id = vif.vlan_id;
        r.vifr_ovlan_id = vif.ovlan_id;
    }
    fill_counters(&mut r, &counters);
    vif.fat_flow.report(&mut r);
    r
}

fn fill_counters(r: &mut VrInterfaceReq, c: &VifCounters) {
    r.vifr_ibytes = c.ibytes as i64;
    r.vifr_ipackets = c.ipackets as i64;
    r.vifr_ierrors = c.ierrors as i64;
    r.vifr_obytes = c.obytes as i64;
    r.vifr_opackets = c.opackets as i64;
    r.vifr_oerrors = c.oerrors as i64;
    r.vifr_queue_ipackets = c.queue_ipackets as i64;
    r.vifr_queue_ierrors = c.queue_ierrors as i64;
    r.vifr_queue_opackets = c.queue_opackets as i64;
    r.vifr_queue_oerrors = c.queue_oerrors as i64;
    r.vifr_port_ipackets = c.port_ipackets as i64;
    r.vifr_port_ierrors = c.port_ierrors as i64;
    r.vifr_port_isyscalls = c.port_isyscalls as i64;
    r.vifr_port_inombufs = c.port_inombufs as i64;
    r.vifr_port_opackets = c.port_opackets as i64;
    r.vifr_port_oerrors = c.port_oerrors as i64;
    r.vifr_port_osyscalls = c.port_osyscalls as i64;
    r.vifr_dev_ibytes = c.dev_ibytes as i64;
    r.vifr_dev_ipackets = c.dev_ipackets as i64;
    r.vifr_dev_ierrors = c.dev_ierrors as i64;
    r.vifr_dev_inombufs = c.dev_inombufs as i64;
    r.vifr_dev_obytes = c.dev_obytes as i64;
    r.vifr_dev_opackets = c.dev_opackets as i64;
    r.vifr_dev_oerrors = c.dev_oerrors as i64;
}

/// GET: by index, or by host index when `vifr_idx` is beyond the table.
pub(super) fn get(dp: &Datapath, req: &VrInterfaceReq, out: &mut Responses) {
    let idx = if dp.interfaces.in_range(req.vifr_idx as u32 as i64) {
        Some(req.vifr_idx as u32)
    } else {
        dp.interfaces.iter().find(|(_, v)| v.os_idx == req.vifr_os_idx as u32).map(|(i, _)| i)
    };
    let Some((idx, vif)) = idx.and_then(|i| dp.interfaces.get(i).map(|v| (i, v))) else {
        return out.code(-ENOENT);
    };
    let object = make(vif, dp.interfaces.users(idx), req.vifr_core);
    if req.vifr_flags & GET_DROP_STATS != 0 {
        let mut drops = VrDropStatsReq::default();
        vif.drops.add_to(&mut drops);
        out.reply(0, &[&object, &drops]);
    } else {
        out.reply(0, &[&object]);
    }
}

/// DUMP from `vifr_marker` + 1, with each vif's drop statistics after it when asked.
pub(super) fn dump(dp: &Datapath, req: &VrInterfaceReq, out: &mut Responses) {
    let mut page = Dumper::new();
    if let Some(after) = resume_after(req.vifr_marker, dp.interfaces.limit()) {
        // vRouter fills one drop-statistics object for the whole page and adds each vif's
        // counters into it without zeroing it in between, so within a page every vif's drop
        // statistics include those of the vifs dumped before it.
        let mut drops = VrDropStatsReq::default();
        for (idx, vif) in dp.interfaces.after(after) {
            if !page.push(&make(vif, dp.interfaces.users(idx), req.vifr_core)) {
                break;
            }
            if req.vifr_flags & GET_DROP_STATS != 0 {
                vif.drops.add_to(&mut drops);
                // When the vif fits and its drop statistics do not, the page ends with the vif
                // alone; the client resumes after it.
                if !page.push(&drops) {
                    break;
                }
            }
        }
    }
    page.finish(out);
}
