//! FLOW_SET: the agent adds, changes or deletes one flow (vRouter's `vr_flow_set`).
//!
//! The rules, in vRouter's order:
//! 1. `fr_index` names an entry in use (hash entry VALID) or none. An entry being changed by
//!    the datapath (MODIFIED, EVICTED, or NEW_FLOW before its first trap) is −EBUSY.
//! 2. Checks: a DELETE_MARKED entry is −EINVAL; for an entry of a known type, `fr_gen_id` must
//!    be its gen id (−EBADF), then the key fields must match (−EFAULT); an index that names no
//!    entry in a request with ACTIVE is −ENOENT; a VRF-translate flow needs a valid `fr_flow_dvrf`,
//!    a mirrored one a valid mirror index, and a reverse flow must exist (−EINVAL each).
//! 3. ACTIVE cleared: delete (−ENOENT without an entry); the entry is released, its gen id kept.
//! 4. No entry: allocate one for the request's key; a key already in the table is −EEXIST with
//!    that entry's index and gen id in the response; no room (or an unknown family) is −ENOSPC.
//! 5. Write the fields as vRouter writes them, datapath-owned flags kept, NEW_FLOW cleared; a
//!    flow leaving HOLD has its held packets released through its new action.

use vrouter_proto::messages::{VrFlowReq, VrFlowResponse};
use vrouter_proto::tables::constants::{
    FLOW_ACTION_DROP, FLOW_ACTION_HOLD, FLOW_FLAG_ACTIVE, FLOW_FLAG_DELETE_MARKED, FLOW_FLAG_EVICTED,
    FLOW_FLAG_EVICT_CANDIDATE, FLOW_FLAG_MIRROR, FLOW_FLAG_MODIFIED, FLOW_FLAG_NEW_FLOW,
    FLOW_FLAG_RFLOW_VALID, FLOW_FLAG_VRFT, FLOW_TYPE_IP, FLOW_TYPE_IP6, MIRROR_NONE,
};
use vrouter_proto::tables::{vr_hash, FlowKey, FlowStats, TableError};

use super::request::{forward_key, matches, reverse_key};
use super::FlowWriter;
use crate::ksync::errno::*;
use crate::ksync::Datapath;

/// Flags the datapath owns: an agent update never sets or clears them.
const DP_FLAGS: u16 = FLOW_FLAG_EVICT_CANDIDATE | FLOW_FLAG_EVICTED | FLOW_FLAG_NEW_FLOW | FLOW_FLAG_MODIFIED;
/// `fresp_flags`: the flow was deleted.
const RESP_DELETED: u16 = 0x1;
/// `fr_extflags`: evict a dead TCP flow now.
const EXT_FORCE_EVICT: i16 = 0x1;
/// `fr_extflags`: use the fixed UDP source port vRouter's tests use.
const EXT_MOCK_SRC_UDP: i16 = 0x2;
/// The UDP source port MOCK_SRC_UDP asks for (`VR_FLOW_MOCK_SRC_UDP_PORT`).
const MOCK_SRC_UDP_PORT: u16 = 0x12b5;
/// MPLS-over-UDP source ports are picked in 49152..=65535 (`VR_MUDP_PORT_RANGE_*`).
const MUDP_PORT_START: u16 = 49152;
const MUDP_PORT_END: u16 = 65535;

/// Held packets a FLOW_SET released, for the caller to account.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Flushed {
    pub packets: u8,
    /// Released into a forwarding action (else dropped).
    pub forwarded: bool,
    /// The vif the flow's packets came in on (`fe_src_info` of a VM flow).
    pub vif: u32,
}

/// Runs one FLOW_SET; returns the response code and any held packets released.
pub(super) fn set(dp: &mut Datapath, req: &mut VrFlowReq, resp: &mut VrFlowResponse) -> (i32, Option<Flushed>) {
    resp.fresp_index = req.fr_index as u32;
    if req.fr_extflags & EXT_FORCE_EVICT != 0 {
        // vRouter evicts only TCP flows its TCP tracking marked DEAD; the simulator tracks no
        // TCP state, so no flow qualifies and vRouter's answer for those is −EINVAL.
        return (-EINVAL, None);
    }
    let (max_vrfs, max_mirrors) = (dp.limits.vrfs, dp.limits.mirrors);
    let mirrors = &dp.mirrors;
    let flows = &mut dp.flows;
    let Some(tables) = flows.tables.as_mut() else { return (-EOPNOTSUPP, None) };
    let w = tables.flow_writer();
    let req_flags = req.fr_flags as u16;

    let fe = live_entry(w, req.fr_index);
    if let Some(i) = fe {
        if flags(w, i) & (FLOW_FLAG_MODIFIED | FLOW_FLAG_EVICTED | FLOW_FLAG_NEW_FLOW) != 0 {
            return (-EBUSY, None);
        }
    }
    let limits = Limits { vrfs: max_vrfs, mirrors: max_mirrors };
    if let Err(code) = check(w, req, fe, &limits) {
        return (code, None);
    }

    if let Some(i) = fe {
        let action = w.entry(i).expect("live").action();
        if action == FLOW_ACTION_HOLD && (req.fr_action as u16 != action || req_flags & FLOW_FLAG_ACTIVE == 0) {
            flows.counters.processed += 1;
        } else {
            flows.counters.changed += 1;
        }
    }

    if req_flags & FLOW_FLAG_ACTIVE == 0 {
        let Some(i) = fe else { return (-ENOENT, None) };
        flows.counters.deleted += 1;
        resp.fresp_flags |= RESP_DELETED;
        // vRouter marks the entry, makes it DROP, and its deferred work drops the held
        // packets and resets the entry; here all at once.
        let vif = w.entry(i).expect("live").src_info();
        let packets = flows.holds.flush(i);
        w.release(i).expect("a live entry releases");
        return (0, Some(Flushed { packets, forwarded: false, vif }));
    }

    let (index, new_flow) = match fe {
        Some(i) => {
            if req.fr_action as u16 == FLOW_ACTION_HOLD && w.entry(i).expect("live").action() != FLOW_ACTION_HOLD {
                flows.holds.open(i);
            }
            (i, false)
        }
        None => {
            // An unknown family allocates nothing, which vRouter reports as a full table.
            let Some(key) = forward_key(req) else { return (-ENOSPC, None) };
            match w.insert(&key) {
                Ok(slot) => {
                    flows.counters.added += 1;
                    flows.allocated += 1;
                    if req.fr_action as u16 == FLOW_ACTION_HOLD {
                        flows.holds.open(slot.index);
                    }
                    (slot.index, true)
                }
                Err(TableError::Exists { index }) => {
                    // The datapath created it first (a trap raced the agent): the agent learns
                    // where it is and waits for that trap.
                    resp.fresp_index = index;
                    resp.fresp_gen_id = w.entry(index).expect("found").gen_id() as i8;
                    return (-EEXIST, None);
                }
                Err(_) => return (-ENOSPC, None),
            }
        }
    };

    let e = w.entry(index).expect("live");
    let (gen_id, old_flags, old_action, old_rflow, old_ecmp) =
        (e.gen_id(), e.flags(), e.action(), e.rflow(), e.ecmp_nh_index());
    let (old_mirror, old_sec_mirror, stats, udp_port, vif) =
        (e.mirror_id(), e.sec_mirror_id(), e.stats(), e.udp_src_port(), e.src_info());
    let key = e.key();
    resp.fresp_gen_id = gen_id as i8;
    resp.fresp_index = index;

    let mut m = w.entry_mut(index).expect("live");
    // Mirrors: kept only while the request asks for mirroring, and only to mirrors that exist.
    if req_flags & FLOW_FLAG_MIRROR == 0 {
        if old_flags & FLOW_FLAG_MIRROR != 0 {
            m.set_mirror_id(MIRROR_NONE);
            m.set_sec_mirror_id(MIRROR_NONE);
        }
    } else {
        let exists = |id: u16| u32::from(id) < max_mirrors && mirrors.get(u32::from(id)).is_some();
        if u16::from(old_mirror) != req.fr_mir_id {
            m.set_mirror_id(if exists(req.fr_mir_id) { req.fr_mir_id as u8 } else { MIRROR_NONE });
        }
        if u16::from(old_sec_mirror) != req.fr_sec_mir_id {
            m.set_sec_mirror_id(if exists(req.fr_sec_mir_id) { req.fr_sec_mir_id as u8 } else { MIRROR_NONE });
        }
    }
    if req_flags & FLOW_FLAG_RFLOW_VALID != 0 {
        m.set_rflow(req.fr_rindex);
    } else if old_rflow >= 0 {
        m.set_rflow(-1);
    }
    m.set_vrf(req.fr_flow_vrf);
    if req_flags & FLOW_FLAG_VRFT != 0 {
        m.set_dvrf(req.fr_flow_dvrf);
    }
    // The ECMP member is the datapath's once chosen.
    if old_ecmp == -1 {
        m.set_ecmp_nh_index(req.fr_ecmp_nh_index as i8);
    }
    // The 2019 entry keeps 16 bits, as its C assignment truncates.
    if m.set_src_nh_index(req.fr_src_nh_index).is_err() {
        let _ = m.set_src_nh_index(req.fr_src_nh_index & 0xffff);
    }
    m.set_qos_id(req.fr_qos_id as i16);
    let action = if req.fr_action as u16 == FLOW_ACTION_HOLD && old_action != FLOW_ACTION_HOLD {
        flows.counters.count_hold();
        FLOW_ACTION_HOLD
    } else {
        req.fr_action as u16
    };
    m.set_action(action);
    m.set_ttl(req.fr_ttl as u8);
    // Fields of the 2024 layout only; absent in 2019.
    let _ = m.set_underlay_ecmp_index(req.fr_underlay_ecmp_index);
    if action == FLOW_ACTION_DROP {
        m.set_drop_reason(req.fr_drop_reason as u8);
    }
    let _ = m.set_flags1(req.fr_flags1 as u16);
    let flags = (old_flags & DP_FLAGS) | (req_flags & !DP_FLAGS);
    if new_flow {
        resp.fresp_bytes = stats.bytes;
        resp.fresp_packets = stats.packets;
        resp.fresp_stats_oflow = u32::from(stats.bytes_oflow) | u32::from(stats.packets_oflow) << 16;
        if flags & FLOW_FLAG_NEW_FLOW != 0 && (stats.packets != 0 || stats.packets_oflow != 0) {
            m.set_stats(FlowStats::default());
        }
    }
    if req.fr_extflags & EXT_MOCK_SRC_UDP != 0 {
        m.set_udp_src_port(MOCK_SRC_UDP_PORT);
    } else if udp_port == 0 {
        if let Some(k) = key {
            m.set_udp_src_port(udp_source_port(req.fr_flow_vrf, &k));
        }
    }
    m.set_flags(flags & !FLOW_FLAG_NEW_FLOW);

    // The deferred work vRouter schedules flushes the hold queue once the flow is not HOLD.
    let flushed = if action != FLOW_ACTION_HOLD {
        let packets = flows.holds.flush(index);
        Some(Flushed { packets, forwarded: action != FLOW_ACTION_DROP, vif })
    } else {
        None
    };
    (0, flushed)
}

/// Limits a request is checked against.
struct Limits {
    vrfs: u32,
    mirrors: u32,
}

/// vRouter's `vr_flow_get_entry`: the entry at `index` if its hash entry is VALID.
fn live_entry(w: &FlowWriter, index: i32) -> Option<u32> {
    let index = u32::try_from(index).ok()?;
    w.entry(index).filter(|e| e.hentry().is_valid()).map(|_| index)
}

fn flags(w: &FlowWriter, index: u32) -> u16 {
    w.entry(index).map_or(0, |e| e.flags())
}

/// vRouter's `vr_flow_set_req_is_invalid`. A reverse flow named by key gets its index written
/// into `fr_rindex`, as vRouter's lookup writes it.
fn check(w: &FlowWriter, req: &mut VrFlowReq, fe: Option<u32>, limits: &Limits) -> Result<(), i32> {
    match fe {
        Some(i) => {
            let e = w.entry(i).expect("live");
            if e.flags() & FLOW_FLAG_DELETE_MARKED != 0 {
                return Err(-EINVAL);
            }
            if e.flow_type() == FLOW_TYPE_IP || e.flow_type() == FLOW_TYPE_IP6 {
                if req.fr_gen_id as u8 != e.gen_id() {
                    return Err(-EBADF);
                }
                if !e.key().is_some_and(|k| matches(&k, req)) {
                    return Err(-EFAULT);
                }
            }
        }
        None => {
            if req.fr_flags as u16 & FLOW_FLAG_ACTIVE != 0 && req.fr_index >= 0 {
                return Err(-ENOENT);
            }
        }
    }
    let flags = req.fr_flags as u16;
    if flags & FLOW_FLAG_VRFT != 0 && u32::from(req.fr_flow_dvrf) >= limits.vrfs {
        return Err(-EINVAL);
    }
    if flags & FLOW_FLAG_MIRROR != 0
        && u32::from(req.fr_mir_id) >= limits.mirrors
        && u32::from(req.fr_sec_mir_id) >= limits.mirrors
    {
        return Err(-EINVAL);
    }
    if flags & FLOW_FLAG_RFLOW_VALID != 0 {
        let found = if req.fr_rindex != -1 {
            live_entry(w, req.fr_rindex).is_some()
        } else {
            match w.lookup(&reverse_key(req)) {
                Some(i) => {
                    req.fr_rindex = i as i32;
                    true
                }
                None => false,
            }
        };
        if !found {
            return Err(-EINVAL);
        }
    }
    Ok(())
}

/// The flow's source port for MPLS-over-UDP, spread over vRouter's range by a hash of the VRF,
/// the ports and the addresses. vRouter seeds that hash randomly at start; the simulator's seed
/// is fixed, so a flow gets the same port on every run.
fn udp_source_port(vrf: u16, key: &FlowKey) -> u16 {
    let mut material = Vec::with_capacity(40);
    material.extend_from_slice(&u32::from(vrf).to_ne_bytes());
    let bytes = key.key_bytes();
    material.extend_from_slice(&bytes[4..8]); // the ports, as stored
    material.extend_from_slice(&bytes[12..]); // the addresses
    let range = u64::from(MUDP_PORT_END - MUDP_PORT_START);
    MUDP_PORT_START + ((u64::from(vr_hash(&material)) * range) >> 32) as u16
}
