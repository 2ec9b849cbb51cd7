//! Nexthop GET and DUMP: a nexthop as vRouter reports it (dp-core/vr_nexthop.c
//! `vr_nexthop_req_get`, `vr_nexthop_make_req`, `vr_nexthop_get`, `vr_nexthop_dump`).

use vrouter_proto::messages::{SandeshOp, VrNexthopReq};

use super::object::{family, nh_flag, nh_type, Nexthop, MAX_PHY};
use super::tunnel::{encap_family_alias, Kind};
use crate::ksync::dump::resume_after;
use crate::ksync::errno::*;
use crate::ksync::{Datapath, Dumper, Responses};

/// A dumped composite lists at most this many members (`VR_NEXTHOP_COMPONENT_DUMP_LIMIT`);
/// `nhr_nh_count` still gives the full count.
const DUMP_MEMBERS: usize = 16;
/// Reported as `nhr_encap_len` whenever there is an encap (`VR_ETHER_HLEN`).
const ETHER_HLEN: i32 = 14;

/// The reply object for `nh`, counted `users` times.
fn make(nh: &Nexthop, users: u32, op: SandeshOp) -> VrNexthopReq {
    let underlay = nh.flags & nh_flag::TUNNEL_UNDERLAY_ECMP != 0;
    let mut r = VrNexthopReq {
        h_op: op,
        nhr_type: nh.nh_type as i8,
        nhr_family: nh.family as i8,
        nhr_flags: nh.flags,
        nhr_id: nh.id as i32,
        nhr_ref_cnt: users as i32,
        nhr_vrf: nh.vrf,
        // One interface slot, or one per underlay interface with their valid marks.
        nhr_encap_oif_id: vec![0; if underlay { MAX_PHY } else { 1 }],
        nhr_encap_valid: if underlay { vec![0; MAX_PHY] } else { Vec::new() },
        ..Default::default()
    };
    let dev = |i: usize| nh.devs[i].as_ref().map(|d| d.index() as i32);
    if nh.flags & nh_flag::INDIRECT != 0 {
        if let Some(direct) = &nh.direct {
            r.nhr_nh_list = vec![direct.index() as i32];
        }
    }
    let mut encap: &[u8] = &[];
    match nh.nh_type {
        nh_type::RCV | nh_type::L2_RCV => r.nhr_encap_oif_id[0] = dev(0).unwrap_or(0),
        nh_type::ENCAP => {
            r.nhr_encap_oif_id[0] = dev(0).unwrap_or(0);
            r.nhr_encap_family = nh.encap_family as i32;
            encap = &nh.data[..(nh.encap_len as usize).min(nh.data.len())];
        }
        nh_type::COMPOSITE => {
            let count = nh.components.len();
            let shown = if op == SandeshOp::DUMP { count.min(DUMP_MEMBERS) } else { count };
            r.nhr_nh_count = count as i16;
            r.nhr_ecmp_config_hash = nh.ecmp_config_hash as i8;
            let members = &nh.components[..shown];
            r.nhr_nh_list = members.iter().map(|m| m.nh.as_ref().map_or(-1, |n| n.index() as i32)).collect();
            r.nhr_label_list = members.iter().map(|m| m.label).collect();
        }
        nh_type::TUNNEL => encap = tunnel(nh, &mut r, underlay),
        _ => {}
    }
    if !encap.is_empty() {
        r.nhr_encap_len = ETHER_HLEN;
        r.nhr_encap = encap.to_vec();
    }
    r
}

/// The tunnel fields; returns the encap to report.
fn tunnel<'a>(nh: &'a Nexthop, r: &mut VrNexthopReq, underlay: bool) -> &'a [u8] {
    if let Some(crypt) = &nh.crypt_dev {
        r.nhr_encap_crypt_oif_id = crypt.index() as i32;
    }
    r.nhr_encap_family = encap_family_alias(nh) as i32;
    let t = &nh.tunnel;
    let kind = Kind::of(nh.flags);
    if matches!(kind, Kind::Gre | Kind::MplsOverUdp | Kind::Vxlan) {
        r.nhr_tun_sip = t.sip;
        r.nhr_tun_dip = t.dip;
        if underlay {
            for i in 0..MAX_PHY {
                r.nhr_encap_valid[i] = nh.encap_valid[i];
                r.nhr_encap_oif_id[i] =
                    if nh.encap_valid[i] != 0 { nh.devs[i].as_ref().map_or(0, |d| d.index() as i32) } else { -1 };
            }
        } else if let Some(d) = &nh.devs[0] {
            r.nhr_encap_oif_id[0] = d.index() as i32;
        }
        if kind != Kind::Vxlan && nh.flags & nh_flag::TUNNEL_MPLS_O_MPLS != 0 {
            r.nhr_transport_label = t.transport_label;
        }
        if kind == Kind::Vxlan && nh.flags & nh_flag::L3_VXLAN != 0 {
            r.nhr_rw_dst_mac = t.l3_mac.to_vec();
        }
        // These report the whole encap buffer.
        return &nh.data;
    }
    match kind {
        Kind::Udp => {
            if nh.family == family::INET6 {
                r.nhr_tun_sip6 = t.sip6.to_vec();
                r.nhr_tun_dip6 = t.dip6.to_vec();
            } else if nh.family == family::INET {
                r.nhr_tun_sip = t.sip;
                r.nhr_tun_dip = t.dip;
            }
            if nh.family == family::INET || nh.family == family::INET6 {
                r.nhr_tun_sport = t.sport;
                r.nhr_tun_dport = t.dport;
                return &nh.data[..(t.encap_len as usize).min(nh.data.len())];
            }
            &[]
        }
        Kind::Pbb => {
            if t.pbb_label != -1 {
                r.nhr_label_list = vec![t.pbb_label];
            }
            r.nhr_pbb_mac = t.pbb_mac.to_vec();
            &[]
        }
        _ => &[],
    }
}

/// GET: an id beyond the table is −ENODEV; an empty slot −ENOENT.
pub(super) fn get(dp: &Datapath, req: &VrNexthopReq, out: &mut Responses) {
    let id = req.nhr_id as u32;
    if !dp.nexthops.in_range(id as i64) {
        return out.code(-ENODEV);
    }
    match dp.nexthops.get(id) {
        None => out.code(-ENOENT),
        Some(nh) => out.reply(0, &[&make(nh, dp.nexthops.users(id), SandeshOp::GET)]),
    }
}

/// DUMP from `nhr_marker` + 1.
pub(super) fn dump(dp: &Datapath, req: &VrNexthopReq, out: &mut Responses) {
    let mut page = Dumper::new();
    if let Some(after) = resume_after(req.nhr_marker, dp.nexthops.limit()) {
        for (id, nh) in dp.nexthops.after(after) {
            if !page.push(&make(nh, dp.nexthops.users(id), SandeshOp::DUMP)) {
                break;
            }
        }
    }
    page.finish(out);
}
