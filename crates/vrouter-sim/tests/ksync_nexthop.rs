//! Nexthops: every type's validation, the discard nexthop, reference counts (labels,
//! composites, lingering after DEL), changes, and dump paging.

mod common;

use std::collections::BTreeSet;

use common::{code, code_of, dump_pages, send};
use vrouter_proto::messages::{
    Message, NhFlag, NhType, SandeshOp, VifType, VrInterfaceReq, VrMplsReq, VrNexthopReq, VrouterOps,
};
use vrouter_sim::Datapath;

const VALID: u32 = NhFlag::VALID.0 as u32;
const ENCAP: [u8; 14] = [2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2, 8, 0];

fn nh(op: SandeshOp, id: i32) -> VrNexthopReq {
    VrNexthopReq { h_op: op, nhr_id: id, ..Default::default() }
}

fn encap(id: i32, vif: i32) -> VrNexthopReq {
    VrNexthopReq {
        nhr_type: NhType::ENCAP.0 as i8,
        nhr_family: 2,
        nhr_flags: VALID,
        nhr_encap_oif_id: vec![vif],
        nhr_encap: ENCAP.to_vec(),
        nhr_encap_family: 0x0806,
        ..nh(SandeshOp::ADD, id)
    }
}

fn tunnel(id: i32, vif: i32, kind: NhFlag) -> VrNexthopReq {
    VrNexthopReq {
        nhr_type: NhType::TUNNEL.0 as i8,
        nhr_family: 2,
        nhr_flags: VALID | kind.0 as u32,
        nhr_encap_oif_id: vec![vif],
        nhr_encap: ENCAP.to_vec(),
        nhr_tun_sip: 0x0100_000a,
        nhr_tun_dip: 0x0200_000a,
        ..nh(SandeshOp::ADD, id)
    }
}

fn composite(id: i32, members: &[i32], flags: NhFlag) -> VrNexthopReq {
    VrNexthopReq {
        nhr_type: NhType::COMPOSITE.0 as i8,
        nhr_family: 2,
        nhr_flags: VALID | flags.0 as u32,
        nhr_nh_list: members.to_vec(),
        nhr_label_list: members.iter().map(|m| m + 1000).collect(),
        ..nh(SandeshOp::ADD, id)
    }
}

fn fetch(dp: &mut Datapath, id: i32) -> VrNexthopReq {
    let reply = send(dp, &[nh(SandeshOp::GET, id).into()]);
    assert_eq!(code(&reply[0]), 0, "GET {id}");
    match &reply[0][1] {
        Message::VrNexthopReq(n) => n.clone(),
        other => panic!("{other:?}"),
    }
}

fn with_vif(idx: i32) -> Datapath {
    let mut dp = Datapath::default();
    let vif = VrInterfaceReq {
        h_op: SandeshOp::ADD,
        vifr_idx: idx,
        vifr_type: VifType::VIRTUAL.0,
        vifr_os_idx: 10,
        ..Default::default()
    };
    assert_eq!(code_of(&mut dp, vif), 0);
    dp
}

#[test]
fn the_discard_nexthop_is_there_from_the_start() {
    let mut dp = Datapath::default();
    let d = fetch(&mut dp, 0);
    assert_eq!((d.nhr_type, d.nhr_family, d.nhr_flags, d.nhr_ref_cnt), (NhType::DISCARD.0 as i8, 2, VALID, 1));
    // It survives a soft reset; other nexthops do not.
    assert_eq!(code_of(&mut dp, VrNexthopReq { nhr_type: 5, nhr_flags: VALID, ..nh(SandeshOp::ADD, 9) }), 0);
    assert_eq!(code_of(&mut dp, VrouterOps { h_op: SandeshOp::RESET, ..Default::default() }), 0);
    assert_eq!(fetch(&mut dp, 0).nhr_type, 5);
    assert_eq!(code_of(&mut dp, nh(SandeshOp::GET, 9)), -2);
    // It can be deleted, and a reset does not bring it back.
    assert_eq!(code_of(&mut dp, nh(SandeshOp::DEL, 0)), 0);
    assert_eq!(code_of(&mut dp, VrouterOps { h_op: SandeshOp::RESET, ..Default::default() }), 0);
    assert_eq!(code_of(&mut dp, nh(SandeshOp::GET, 0)), -2);
}

#[test]
fn ids_types_and_ops() {
    let mut dp = Datapath::default();
    assert_eq!(code_of(&mut dp, nh(SandeshOp::ADD, 524_288)), -22, "id beyond the table");
    assert_eq!(code_of(&mut dp, nh(SandeshOp::ADD, -1)), -22);
    assert_eq!(code_of(&mut dp, VrNexthopReq { nhr_type: 9, ..nh(SandeshOp::ADD, 1) }), -22, "type");
    assert_eq!(code_of(&mut dp, VrNexthopReq { nhr_type: -1, ..nh(SandeshOp::ADD, 1) }), -22);
    assert_eq!(
        code_of(&mut dp, VrNexthopReq { nhr_flags: VALID, ..nh(SandeshOp::ADD, 1) }),
        -22,
        "DEAD cannot be VALID"
    );
    assert_eq!(code_of(&mut dp, nh(SandeshOp::GET, 524_288)), -19, "GET beyond the table: ENODEV");
    assert_eq!(code_of(&mut dp, nh(SandeshOp::GET, 7)), -2);
    assert_eq!(code_of(&mut dp, nh(SandeshOp::DEL, 7)), -22, "DEL of an absent nexthop: EINVAL");
    assert_eq!(code_of(&mut dp, nh(SandeshOp::RESET, 7)), -95);
    // Without VALID nothing is checked: an ENCAP on no interface is stored as given.
    assert_eq!(code_of(&mut dp, VrNexthopReq { nhr_flags: 0, ..encap(2, 44) }), 0);
    assert_eq!(fetch(&mut dp, 2).nhr_encap_oif_id, vec![0]);
    for t in [NhType::RESOLVE, NhType::L2_RCV, NhType::VRF_TRANSLATE, NhType::DISCARD] {
        assert_eq!(
            code_of(&mut dp, VrNexthopReq { nhr_type: t.0 as i8, nhr_flags: VALID, ..nh(SandeshOp::ADD, 3) }),
            0
        );
        assert_eq!(code_of(&mut dp, nh(SandeshOp::DEL, 3)), 0);
    }
}

#[test]
fn interface_nexthops() {
    let mut dp = with_vif(4);
    assert_eq!(code_of(&mut dp, encap(1, 5)), -22, "ENCAP on a missing vif: EINVAL");
    assert_eq!(code_of(&mut dp, VrNexthopReq { nhr_encap: vec![0; 4], ..encap(1, 4) }), -22, "encap < 6 bytes");
    assert_eq!(code_of(&mut dp, VrNexthopReq { nhr_family: 10, ..encap(1, 4) }), -22, "family");
    assert_eq!(code_of(&mut dp, encap(1, 4)), 0);
    let e = fetch(&mut dp, 1);
    assert_eq!((e.nhr_encap_oif_id.clone(), e.nhr_encap.clone(), e.nhr_encap_len), (vec![4], ENCAP.to_vec(), 14));
    assert_eq!((e.nhr_encap_family, e.nhr_ref_cnt, e.h_op), (0x0806, 1, SandeshOp::GET));
    let rcv =
        |vif| VrNexthopReq { nhr_type: 1, nhr_flags: VALID, nhr_encap_oif_id: vec![vif], ..nh(SandeshOp::ADD, 2) };
    assert_eq!(code_of(&mut dp, rcv(9)), -19, "RCV on a missing vif: ENODEV");
    assert_eq!(code_of(&mut dp, rcv(4)), 0);
    let v = send(&mut dp, &[VrInterfaceReq { h_op: SandeshOp::GET, vifr_idx: 4, ..Default::default() }.into()]);
    assert!(matches!(&v[0][1], Message::VrInterfaceReq(v) if v.vifr_ref_cnt == 3), "two nexthops hold the vif");
}

#[test]
fn tunnels() {
    let mut dp = with_vif(4);
    assert_eq!(code_of(&mut dp, tunnel(1, 9, NhFlag::TUNNEL_GRE)), -19, "GRE without its vif: ENODEV");
    assert_eq!(code_of(&mut dp, tunnel(1, 9, NhFlag::TUNNEL_UDP_MPLS)), -19);
    assert_eq!(code_of(&mut dp, tunnel(1, 9, NhFlag::TUNNEL_VXLAN)), -19);
    assert_eq!(code_of(&mut dp, VrNexthopReq { nhr_tun_sip: 0, ..tunnel(1, 4, NhFlag::TUNNEL_GRE) }), -22, "no source");
    assert_eq!(code_of(&mut dp, tunnel(1, 4, NhFlag::TUNNEL_PBB)), -22, "PBB must be indirect");
    assert_eq!(code_of(&mut dp, tunnel(1, 4, NhFlag(0))), -22, "no tunnel kind");
    assert_eq!(code_of(&mut dp, tunnel(1, 4, NhFlag::TUNNEL_VXLAN | NhFlag::L3_VXLAN)), -22, "L3 VXLAN needs a MAC");
    assert_eq!(code_of(&mut dp, tunnel(1, 4, NhFlag::TUNNEL_GRE)), 0);
    let g = fetch(&mut dp, 1);
    assert_eq!((g.nhr_tun_sip, g.nhr_tun_dip, g.nhr_encap_oif_id.clone()), (0x0100_000a, 0x0200_000a, vec![4]));
    assert_eq!(g.nhr_encap_family, 0x0100, "the field shares memory with the source address");
    // A UDP tunnel needs no interface.
    let udp = VrNexthopReq { nhr_tun_sport: 1, nhr_tun_dport: 2, ..tunnel(2, 99, NhFlag::TUNNEL_UDP) };
    assert_eq!(code_of(&mut dp, udp), 0);
    let u = fetch(&mut dp, 2);
    assert_eq!((u.nhr_tun_sport, u.nhr_tun_dport, u.nhr_encap_oif_id.clone()), (1, 2, vec![0]));
    // A change must keep the type and the encap size.
    assert_eq!(code_of(&mut dp, VrNexthopReq { nhr_encap: vec![0; 20], ..tunnel(1, 4, NhFlag::TUNNEL_GRE) }), -22);
    assert_eq!(code_of(&mut dp, VrNexthopReq { nhr_id: 1, ..encap(1, 4) }), -22, "type change while VALID");
    assert_eq!(code_of(&mut dp, VrNexthopReq { nhr_flags: 0, ..encap(1, 4) }), 0, "allowed when not VALID");
    assert_eq!(fetch(&mut dp, 1).nhr_type, NhType::ENCAP.0 as i8);
}

#[test]
fn composites_count_their_members() {
    let mut dp = with_vif(4);
    for id in [1, 2] {
        assert_eq!(code_of(&mut dp, encap(id, 4)), 0);
    }
    let mut bad = composite(10, &[1, 2], NhFlag::COMPOSITE_ECMP);
    bad.nhr_label_list.pop();
    assert_eq!(code_of(&mut dp, bad), -22, "lists of different lengths");
    let ecmp = VrNexthopReq { nhr_ecmp_config_hash: 0x23, ..composite(10, &[1, 2, 3], NhFlag::COMPOSITE_ECMP) };
    assert_eq!(code_of(&mut dp, ecmp), 0);
    let c = fetch(&mut dp, 10);
    assert_eq!(c.nhr_nh_list, vec![1, 2, -1], "a missing member is an empty slot");
    assert_eq!((c.nhr_label_list.clone(), c.nhr_nh_count, c.nhr_ecmp_config_hash), (vec![1001, 1002, 1003], 3, 3));
    assert_eq!(fetch(&mut dp, 1).nhr_ref_cnt, 2);
    // Replacing the members gives the old ones back.
    assert_eq!(code_of(&mut dp, composite(10, &[2], NhFlag::COMPOSITE_ECMP)), 0);
    assert_eq!((fetch(&mut dp, 1).nhr_ref_cnt, fetch(&mut dp, 2).nhr_ref_cnt), (1, 2));
    // Kind rules: a fabric composite holds tunnels, not encaps.
    assert_eq!(code_of(&mut dp, composite(11, &[1], NhFlag::COMPOSITE_FABRIC)), -22);
    assert_eq!(fetch(&mut dp, 1).nhr_ref_cnt, 1, "a refused composite gives its members back");
    assert_eq!(code_of(&mut dp, composite(11, &[1, 2], NhFlag::COMPOSITE_ENCAP)), -22, "encap lists: multicast");
    assert_eq!(code_of(&mut dp, composite(11, &[10], NhFlag::MCAST)), -22, "multicast holds fabric/encap composites");
    assert_eq!(code_of(&mut dp, composite(12, &[], NhFlag::COMPOSITE_ECMP)), 0, "an empty list is fine");
}

#[test]
fn delete_while_referenced_lingers() {
    let mut dp = with_vif(4);
    assert_eq!(code_of(&mut dp, encap(1, 4)), 0);
    assert_eq!(code_of(&mut dp, composite(10, &[1], NhFlag::COMPOSITE_ECMP)), 0);
    let label = VrMplsReq { h_op: SandeshOp::ADD, mr_label: 100, mr_nhid: 10, ..Default::default() };
    assert_eq!(code_of(&mut dp, label), 0);
    assert_eq!(fetch(&mut dp, 10).nhr_ref_cnt, 2, "the table and the label");
    assert_eq!(code_of(&mut dp, nh(SandeshOp::DEL, 10)), 0, "DEL succeeds while the label holds it");
    assert_eq!(code_of(&mut dp, nh(SandeshOp::GET, 10)), -2, "gone from the table");
    let got = send(&mut dp, &[VrMplsReq { h_op: SandeshOp::GET, mr_label: 100, ..Default::default() }.into()]);
    assert!(matches!(&got[0][1], Message::VrMplsReq(m) if m.mr_nhid == 10), "the label still reports it");
    assert_eq!(fetch(&mut dp, 1).nhr_ref_cnt, 2, "the lingering composite still holds its member");
    // A new nexthop 10 is a new object: the label's count is on the old one.
    assert_eq!(code_of(&mut dp, composite(10, &[], NhFlag::COMPOSITE_ECMP)), 0);
    assert_eq!(fetch(&mut dp, 10).nhr_ref_cnt, 1);
    // The label goes: the old composite is freed and gives its member back.
    assert_eq!(code_of(&mut dp, VrMplsReq { h_op: SandeshOp::DEL, mr_label: 100, ..Default::default() }), 0);
    assert_eq!(fetch(&mut dp, 1).nhr_ref_cnt, 1);
    assert_eq!(fetch(&mut dp, 10).nhr_ref_cnt, 1);
    assert_eq!(dp.nexthops.lingering(), 0);
}

#[test]
fn dump_pages_by_marker() {
    let mut dp = with_vif(4);
    let ids: Vec<i32> = (1..=120).map(|i| i * 3).collect();
    for &id in &ids {
        assert_eq!(code_of(&mut dp, encap(id, 4)), 0);
    }
    let dump = |marker| VrNexthopReq { h_op: SandeshOp::DUMP, nhr_marker: marker, ..Default::default() }.into();
    let id_of = |m: &Message| match m {
        Message::VrNexthopReq(n) => Some(n.nhr_id),
        _ => None,
    };
    let pages = dump_pages(&mut dp, dump, id_of);
    let seen: Vec<i32> = pages.iter().flatten().filter_map(id_of).collect();
    let expected: Vec<i32> = std::iter::once(0).chain(ids).collect();
    assert_eq!(seen, expected, "the discard nexthop first, then each once, in order");
    assert_eq!(seen.iter().collect::<BTreeSet<_>>().len(), seen.len());
    assert!(pages.len() >= 5, "≈17 nexthops per page: {} pages", pages.len());
    assert!(pages.iter().flatten().all(|m| matches!(m, Message::VrNexthopReq(n) if n.h_op == SandeshOp::DUMP)));
}

#[test]
fn dumped_composites_list_at_most_16_members() {
    let mut dp = with_vif(4);
    let members: Vec<i32> = (1..=20).collect();
    for &id in &members {
        assert_eq!(code_of(&mut dp, encap(id, 4)), 0);
    }
    assert_eq!(code_of(&mut dp, composite(50, &members, NhFlag::COMPOSITE_ECMP)), 0);
    assert_eq!(fetch(&mut dp, 50).nhr_nh_list.len(), 20, "GET lists all");
    let reply = send(&mut dp, &[VrNexthopReq { h_op: SandeshOp::DUMP, nhr_marker: 49, ..Default::default() }.into()]);
    assert_eq!(code(&reply[0]), 1);
    let Message::VrNexthopReq(c) = &reply[1][0] else { panic!() };
    assert_eq!((c.nhr_nh_list.len(), c.nhr_label_list.len(), c.nhr_nh_count), (16, 16, 20));
}
