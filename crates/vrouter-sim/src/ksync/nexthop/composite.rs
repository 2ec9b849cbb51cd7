//! COMPOSITE nexthops (ECMP, multicast, fabric, EVPN, TOR, encap lists) and the direct
//! nexthop of INDIRECT ones (dp-core/vr_nexthop.c `nh_composite_add`,
//! `nh_composite_mcast_validate`, `nh_indirect_add`).

use vrouter_proto::messages::VrNexthopReq;

use super::add::Work;
use super::object::{family, nh_flag, nh_type, Component, Nexthop};
use crate::ksync::errno::*;
use crate::ksync::Datapath;

/// The request's ECMP hash fields vRouter keeps and reports (`NH_ECMP_CONFIG_HASH_MASK`).
const ECMP_HASH_MASK: u8 = 0x1f;

/// Members are looked up by id (a missing one becomes an empty slot, reported as −1), checked
/// against the composite's kind, and replace the previous members.
pub(super) fn add(dp: &mut Datapath, work: &mut Work, req: &VrNexthopReq) -> Result<(), i32> {
    // Parallel lists of different lengths: refused, the old members stay.
    if req.nhr_nh_list.len() != req.nhr_label_list.len() {
        return Err(-EINVAL);
    }
    let mut members = Vec::with_capacity(req.nhr_nh_list.len());
    for (&id, &label) in req.nhr_nh_list.iter().zip(&req.nhr_label_list) {
        members.push(Component { nh: work.acquire_nh(dp, id as u32), label });
    }
    if !members.is_empty() && !members_fit(dp, work, req) {
        work.dropped_nhs.extend(members.into_iter().filter_map(|m| m.nh));
        return Err(-EINVAL);
    }
    let nh = work.nh();
    let old = std::mem::replace(&mut nh.components, members);
    if req.nhr_flags & nh_flag::COMPOSITE_ECMP != 0 {
        nh.ecmp_config_hash = req.nhr_ecmp_config_hash as u8 & ECMP_HASH_MASK;
    }
    work.dropped_nhs.extend(old.into_iter().filter_map(|m| m.nh));
    Ok(())
}

/// The member rules of multicast-style composites (members that do not exist are skipped).
fn members_fit(dp: &Datapath, work: &mut Work, req: &VrNexthopReq) -> bool {
    let flags = req.nhr_flags;
    let fam = req.nhr_family as u8;
    let (l3, l2) = (fam == family::INET, fam == family::BRIDGE);
    let ids: Vec<u32> = req.nhr_nh_list.iter().map(|&i| i as u32).collect();
    let mut members = ids.iter().filter_map(|&id| work.peek(dp, id).map(Member::of)).collect::<Vec<_>>().into_iter();

    if flags & (nh_flag::COMPOSITE_FABRIC | nh_flag::COMPOSITE_EVPN | nh_flag::COMPOSITE_TOR) != 0 {
        // Fabric, EVPN and TOR lists hold non-UDP tunnels (VXLAN ones only, for TOR).
        if !l3 && !l2 {
            return false;
        }
        let tor = flags & nh_flag::COMPOSITE_TOR != 0;
        if !members.clone().all(|m| {
            m.nh_type == nh_type::TUNNEL
                && m.flags & nh_flag::TUNNEL_UDP == 0
                && (!tor || m.flags & nh_flag::TUNNEL_VXLAN != 0)
        }) {
            return false;
        }
    }
    if flags & nh_flag::COMPOSITE_ENCAP != 0 {
        // Encap lists hold ENCAP nexthops: multicast AF_INET ones, or unicast AF_BRIDGE ones.
        let ok = members.clone().all(|m| {
            let mcast = m.flags & nh_flag::MCAST != 0;
            m.nh_type == nh_type::ENCAP
                && match m.family {
                    family::INET => !l2 && mcast,
                    family::BRIDGE => !l3 && !mcast,
                    _ => false,
                }
        });
        if !ok {
            return false;
        }
    }
    if flags & nh_flag::MCAST != 0 {
        // Multicast lists hold fabric, EVPN, TOR or encap composites.
        let kinds =
            nh_flag::COMPOSITE_FABRIC | nh_flag::COMPOSITE_EVPN | nh_flag::COMPOSITE_TOR | nh_flag::COMPOSITE_ENCAP;
        if !l3 && !l2 {
            return false;
        }
        if !members.all(|m| m.nh_type == nh_type::COMPOSITE && m.flags & kinds != 0) {
            return false;
        }
    }
    true
}

/// What the member rules look at.
#[derive(Clone, Copy)]
struct Member {
    nh_type: u8,
    family: u8,
    flags: u32,
}

impl Member {
    fn of(nh: &Nexthop) -> Member {
        Member { nh_type: nh.nh_type, family: nh.family, flags: nh.flags }
    }
}

/// INDIRECT: only PBB tunnels may be indirect; at most one direct nexthop, which must exist.
pub(super) fn add_indirect(dp: &mut Datapath, work: &mut Work, req: &VrNexthopReq) -> Result<(), i32> {
    let nh = work.nh();
    if nh.nh_type != nh_type::TUNNEL || nh.flags & nh_flag::TUNNEL_PBB == 0 {
        return Err(-EINVAL);
    }
    if req.nhr_nh_list.len() > 1 {
        return Err(-EINVAL);
    }
    let direct = match req.nhr_nh_list.first() {
        None => None,
        Some(&id) => Some(work.acquire_nh(dp, id as u32).ok_or(-EINVAL)?),
    };
    if let Some(old) = std::mem::replace(&mut work.nh().direct, direct) {
        work.dropped_nhs.push(old);
    }
    Ok(())
}
