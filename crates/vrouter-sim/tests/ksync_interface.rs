//! Interfaces: vRouter's validation and error codes, re-ADD, the agent vif, counters, RESET,
//! GET with drop statistics and dump paging.

mod common;

use std::collections::BTreeSet;

use common::{code, code_of, dump_pages, send};
use vrouter_proto::messages::{
    Message, SandeshOp, VifFlag, VifTransport, VifType, VrDropStatsReq, VrInterfaceReq, VrNexthopReq,
};
use vrouter_sim::{Datapath, DropReason, HostInterfaces, DUMP_INCOMPLETE};

const MAC: [u8; 6] = [0x02, 0, 0, 0, 0, 0x03];

fn vif(op: SandeshOp, idx: i32, vif_type: VifType) -> VrInterfaceReq {
    VrInterfaceReq {
        h_op: op,
        vifr_idx: idx,
        vifr_type: vif_type.0,
        vifr_name: format!("tap{idx}"),
        vifr_os_idx: 100 + idx,
        vifr_mac: MAC.to_vec(),
        vifr_vrf: 1,
        ..Default::default()
    }
}

fn add(idx: i32, vif_type: VifType) -> VrInterfaceReq {
    vif(SandeshOp::ADD, idx, vif_type)
}

/// DEL by index (no name: a name would select the vif by name).
fn del(idx: i32) -> VrInterfaceReq {
    VrInterfaceReq { h_op: SandeshOp::DEL, vifr_idx: idx, ..Default::default() }
}

fn get(idx: i32) -> VrInterfaceReq {
    VrInterfaceReq { h_op: SandeshOp::GET, vifr_idx: idx, ..Default::default() }
}

/// GET of a present vif: the object.
fn fetch(dp: &mut Datapath, req: VrInterfaceReq) -> VrInterfaceReq {
    let reply = send(dp, &[req.into()]);
    assert_eq!(reply.len(), 1);
    assert_eq!(code(&reply[0]), 0);
    match &reply[0][1] {
        Message::VrInterfaceReq(v) => v.clone(),
        other => panic!("{other:?}"),
    }
}

#[test]
fn add_get_del() {
    let mut dp = Datapath::default();
    assert_eq!(code_of(&mut dp, add(3, VifType::VIRTUAL)), 0);
    let v = fetch(&mut dp, get(3));
    assert_eq!((v.vifr_idx, v.vifr_type, v.vifr_name.as_str(), v.vifr_os_idx), (3, 3, "tap3", 103));
    assert_eq!(v.vifr_mac, MAC);
    assert_eq!(v.vifr_mtu, 9160, "a virtual vif defaults to 9160");
    assert_eq!(v.vifr_flags, (VifFlag::L3_ENABLED | VifFlag::L2_ENABLED).0, "neither L2 nor L3 ⇒ both");
    assert_eq!(v.vifr_core, u32::MAX, "vifr_core is echoed minus one");
    assert_eq!((v.vifr_ref_cnt, v.vifr_parent_vif_idx, v.vifr_mir_id), (1, -1, 255));
    assert_eq!((v.vifr_speed, v.vifr_duplex), (-1, -1));
    assert_eq!(v.vifr_queue_ierrors_to_lcore, vec![0]);
    assert_eq!(code_of(&mut dp, del(3)), 0);
    assert_eq!(code_of(&mut dp, get(3)), -2);
    assert_eq!(code_of(&mut dp, del(3)), -19, "DEL of an absent vif: ENODEV");
    assert_eq!(code_of(&mut dp, VrInterfaceReq { h_op: SandeshOp::RESPONSE, ..Default::default() }), -95);
}

#[test]
fn validation() {
    let mut dp = Datapath::default();
    assert_eq!(code_of(&mut dp, add(4355, VifType::VIRTUAL)), -22, "index beyond the table");
    assert_eq!(code_of(&mut dp, add(-1, VifType::VIRTUAL)), -22);
    assert_eq!(code_of(&mut dp, VrInterfaceReq { vifr_type: 10, ..add(1, VifType::VIRTUAL) }), -22, "type");
    assert_eq!(code_of(&mut dp, VrInterfaceReq { vifr_mac: vec![1; 5], ..add(1, VifType::VIRTUAL) }), -22, "MAC");
    // An unknown transport "succeeds" without creating anything.
    assert_eq!(code_of(&mut dp, VrInterfaceReq { vifr_transport: 9, ..add(1, VifType::VIRTUAL) }), 0);
    assert_eq!(code_of(&mut dp, get(1)), -2);
    assert_eq!(code_of(&mut dp, get(4355)), -2, "beyond the table GET looks for the host index (none)");
}

#[test]
fn host_interfaces_are_checked() {
    let mut dp = Datapath::default();
    dp.host_interfaces = HostInterfaces::only([105]);
    assert_eq!(code_of(&mut dp, add(6, VifType::VIRTUAL)), -19, "os_idx 106 is no host interface");
    assert_eq!(code_of(&mut dp, get(6)), -2, "and nothing was left behind");
    assert_eq!(code_of(&mut dp, add(5, VifType::VIRTUAL)), 0);
    assert_eq!(code_of(&mut dp, add(7, VifType::VLAN)), 0, "VLAN vifs have no driver: no host check");
    assert_eq!(code_of(&mut dp, VrInterfaceReq { vifr_os_idx: -1, ..add(8, VifType::AGENT) }), -19);
}

#[test]
fn host_vif_needs_the_physical_ones() {
    let mut dp = Datapath::default();
    let host = |cc: Vec<i32>| VrInterfaceReq {
        vifr_cross_connect_idx: cc,
        vifr_name: "vhost0".into(),
        ..add(1, VifType::HOST)
    };
    assert_eq!(code_of(&mut dp, host(vec![])), -19, "no physical vif yet");
    assert_eq!(code_of(&mut dp, add(0, VifType::PHYSICAL)), 0);
    assert_eq!(fetch(&mut dp, get(0)).vifr_mtu, 1514);
    assert_eq!(code_of(&mut dp, host(vec![])), -22, "the cross-connect list must name it");
    assert_eq!(code_of(&mut dp, host(vec![55])), -19, "by its host index");
    assert_eq!(code_of(&mut dp, host(vec![100])), 0);
}

#[test]
fn readd_changes_the_vif() {
    let mut dp = Datapath::default();
    assert_eq!(code_of(&mut dp, add(3, VifType::VIRTUAL)), 0);
    let change = VrInterfaceReq {
        vifr_mtu: 1400,
        vifr_vrf: 7,
        vifr_name: "other".into(),
        vifr_type: VifType::PHYSICAL.0,
        vifr_flags: (VifFlag::POLICY_ENABLED | VifFlag::MIRROR_RX).0,
        vifr_mir_id: 4,
        ..add(3, VifType::VIRTUAL)
    };
    assert_eq!(code_of(&mut dp, change.clone()), 0, "re-ADD is a change, not EEXIST");
    let v = fetch(&mut dp, get(3));
    assert_eq!((v.vifr_mtu, v.vifr_vrf, v.vifr_mir_id), (1400, 7, 4));
    assert_eq!((v.vifr_name.as_str(), v.vifr_type), ("tap3", 3), "identity stays");
    assert_eq!(
        v.vifr_flags,
        (VifFlag::POLICY_ENABLED | VifFlag::MIRROR_RX | VifFlag::L3_ENABLED | VifFlag::L2_ENABLED).0
    );
    // MTU 0 and a negative VRF leave the values alone.
    assert_eq!(code_of(&mut dp, VrInterfaceReq { vifr_mtu: 0, vifr_vrf: -1, ..change }), 0);
    let v = fetch(&mut dp, get(3));
    assert_eq!((v.vifr_mtu, v.vifr_vrf), (1400, 7));
}

#[test]
fn one_agent_vif() {
    let mut dp = Datapath::default();
    assert!(dp.agent_vif().is_none());
    let pkt0 = |idx| VrInterfaceReq {
        vifr_transport: VifTransport::SOCKET.0 as i8,
        vifr_name: "pkt0".into(),
        ..add(idx, VifType::AGENT)
    };
    assert_eq!(code_of(&mut dp, pkt0(2)), 0);
    let agent = dp.agent_vif().expect("recorded");
    assert_eq!((agent.idx(), agent.mac(), agent.transport(), agent.mtu()), (2, MAC, 3, 1514));
    assert_eq!(code_of(&mut dp, pkt0(4)), -17, "a second agent vif: EEXIST");
    assert_eq!(code_of(&mut dp, get(4)), -2);
    assert_eq!(code_of(&mut dp, pkt0(2)), 0, "re-ADD of the same one is a change");
    assert_eq!(code_of(&mut dp, del(2)), 0);
    assert!(dp.agent_vif().is_none());
    assert_eq!(code_of(&mut dp, pkt0(4)), 0);
    assert_eq!(dp.agent_vif().map(|v| v.idx()), Some(4));
}

#[test]
fn get_with_drop_stats() {
    let mut dp = Datapath::default();
    assert_eq!(code_of(&mut dp, add(3, VifType::VIRTUAL)), 0);
    assert!(dp.count_rx(3, 100) && dp.count_rx(3, 50) && dp.count_tx(3, 70));
    assert!(!dp.count_rx(9, 1), "no such vif");
    dp.count_drop(Some(3), DropReason::Discard);
    dp.count_drop(Some(3), DropReason::Discard);
    dp.count_drop(Some(3), DropReason::HeadAllocFail);
    let reply = send(&mut dp, &[VrInterfaceReq { vifr_flags: 0x1, ..get(3) }.into()]);
    assert_eq!(reply.len(), 1, "one buffer: vr_response, the vif, its drop statistics");
    assert_eq!(reply[0].len(), 3);
    let Message::VrInterfaceReq(v) = &reply[0][1] else { panic!() };
    assert_eq!((v.vifr_ipackets, v.vifr_ibytes, v.vifr_opackets, v.vifr_obytes), (2, 150, 1, 70));
    assert_eq!(v.vifr_dpackets, 3, "every drop reason counts in dpackets");
    let Message::VrDropStatsReq(d) = &reply[0][2] else { panic!() };
    assert_eq!(d.vds_discard, 2);
    assert_eq!(d.vds_head_alloc_fail, 0, "vRouter never reports this reason");
    // Core 1 is the only core; core 2 reads zeros.
    assert_eq!(fetch(&mut dp, VrInterfaceReq { vifr_core: 1, ..get(3) }).vifr_ipackets, 2);
    let other = fetch(&mut dp, VrInterfaceReq { vifr_core: 2, ..get(3) });
    assert_eq!((other.vifr_ipackets, other.vifr_core), (0, 1));
    assert!(other.vifr_queue_ierrors_to_lcore.is_empty());
}

#[test]
fn reset_clears_counters() {
    let mut dp = Datapath::default();
    for idx in [3, 4] {
        assert_eq!(code_of(&mut dp, add(idx, VifType::VIRTUAL)), 0);
        dp.count_rx(idx as u32, 10);
        dp.count_drop(Some(idx as u32), DropReason::Pull);
    }
    let reset =
        |idx, core| VrInterfaceReq { h_op: SandeshOp::RESET, vifr_idx: idx, vifr_core: core, ..Default::default() };
    assert_eq!(code_of(&mut dp, reset(3, 2)), -1, "a core that does not exist");
    let reply = send(&mut dp, &[reset(3, 0).into()]);
    assert_eq!(code(&reply[0]), 0);
    let Message::VrInterfaceReq(done) = &reply[0][1] else { panic!() };
    assert_eq!((done.h_op, done.vifr_idx, done.vifr_name.as_str()), (SandeshOp::RESET, 3, "tap3"));
    let v3 = fetch(&mut dp, get(3));
    assert_eq!((v3.vifr_ipackets, v3.vifr_dpackets), (0, 0));
    assert_eq!(fetch(&mut dp, get(4)).vifr_ipackets, 1);
    // An absent vif answers success with an all-zero object.
    let reply = send(&mut dp, &[reset(9, 0).into()]);
    assert_eq!(code(&reply[0]), 0);
    assert!(matches!(&reply[0][1], Message::VrInterfaceReq(v) if v.h_op == SandeshOp::ADD && v.vifr_idx == 0));
    let reply = send(&mut dp, &[reset(-1, 0).into()]);
    assert!(matches!(&reply[0][1], Message::VrInterfaceReq(v) if v.h_op == SandeshOp::RESET && v.vifr_idx == -1));
    assert_eq!(fetch(&mut dp, get(4)).vifr_ipackets, 0);
}

#[test]
fn delete_by_name_and_by_vif_name() {
    let mut dp = Datapath::default();
    for idx in [3, 4] {
        assert_eq!(code_of(&mut dp, add(idx, VifType::VIRTUAL)), 0);
    }
    let by_name =
        |name: &str| VrInterfaceReq { h_op: SandeshOp::DEL, vifr_idx: 0, vifr_name: name.into(), ..Default::default() };
    assert_eq!(code_of(&mut dp, by_name("tap4")), 0);
    assert_eq!(code_of(&mut dp, get(4)), -2);
    assert_eq!(code_of(&mut dp, by_name("vif0/3")), 0);
    assert_eq!(code_of(&mut dp, get(3)), -2);
    assert_eq!(code_of(&mut dp, by_name("nothing")), -19);
}

#[test]
fn get_by_host_index_beyond_the_table() {
    let mut dp = Datapath::default();
    assert_eq!(code_of(&mut dp, add(3, VifType::VIRTUAL)), 0);
    let v = fetch(&mut dp, VrInterfaceReq { vifr_idx: 5000, vifr_os_idx: 103, ..get(0) });
    assert_eq!(v.vifr_idx, 3);
}

#[test]
fn vlan_sub_interfaces() {
    let mut dp = Datapath::default();
    let sub = |idx, parent, vlan| VrInterfaceReq {
        vifr_parent_vif_idx: parent,
        vifr_vlan_id: vlan,
        vifr_ovlan_id: vlan,
        ..add(idx, VifType::VIRTUAL_VLAN)
    };
    assert_eq!(code_of(&mut dp, sub(10, 3, 100)), -22, "no parent");
    assert_eq!(code_of(&mut dp, add(3, VifType::VIRTUAL)), 0);
    assert_eq!(code_of(&mut dp, sub(10, 3, -1)), -22, "VLAN 0xffff");
    assert_eq!(code_of(&mut dp, sub(10, 3, 100)), 0);
    assert_eq!(code_of(&mut dp, sub(11, 3, 100)), -17, "the VLAN is taken");
    let v = fetch(&mut dp, get(10));
    assert_eq!((v.vifr_parent_vif_idx, v.vifr_vlan_id, v.vifr_mtu), (3, 100, 1514));
    // vRouter takes a reference on the parent for each try and never gives it back.
    assert_eq!(fetch(&mut dp, get(3)).vifr_ref_cnt, 3);
    assert_eq!(code_of(&mut dp, del(10)), 0);
    assert_eq!(code_of(&mut dp, sub(11, 3, 100)), 0, "the VLAN is free again");
}

#[test]
fn nexthops_hold_their_interface() {
    let mut dp = Datapath::default();
    assert_eq!(code_of(&mut dp, add(3, VifType::VIRTUAL)), 0);
    let encap = VrNexthopReq {
        h_op: SandeshOp::ADD,
        nhr_id: 5,
        nhr_type: 2,
        nhr_family: 2,
        nhr_flags: 1,
        nhr_encap_oif_id: vec![3],
        nhr_encap: vec![0; 14],
        ..Default::default()
    };
    assert_eq!(code_of(&mut dp, encap), 0);
    assert_eq!(fetch(&mut dp, get(3)).vifr_ref_cnt, 2);
    assert_eq!(code_of(&mut dp, del(3)), 0, "deleted while referenced");
    assert_eq!(code_of(&mut dp, get(3)), -2);
    assert_eq!(dp.interfaces.lingering(), 1, "alive for the nexthop");
    let nh = send(&mut dp, &[VrNexthopReq { h_op: SandeshOp::GET, nhr_id: 5, ..Default::default() }.into()]);
    assert!(matches!(&nh[0][1], Message::VrNexthopReq(n) if n.nhr_encap_oif_id == vec![3]));
    assert_eq!(code_of(&mut dp, VrNexthopReq { h_op: SandeshOp::DEL, nhr_id: 5, ..Default::default() }), 0);
    assert_eq!(dp.interfaces.lingering(), 0, "freed with its last holder");
}

fn dump(marker: i32, flags: i32) -> Message {
    VrInterfaceReq { h_op: SandeshOp::DUMP, vifr_marker: marker, vifr_flags: flags, ..Default::default() }.into()
}

fn idx_of(m: &Message) -> Option<i32> {
    match m {
        Message::VrInterfaceReq(v) => Some(v.vifr_idx),
        _ => None,
    }
}

#[test]
fn dump_pages_by_marker() {
    let mut dp = Datapath::default();
    let indexes: Vec<i32> = (0..40).map(|i| i * 7 + 1).collect();
    for &idx in &indexes {
        assert_eq!(code_of(&mut dp, add(idx, VifType::VIRTUAL)), 0);
    }
    let pages = dump_pages(&mut dp, |m| dump(m, 0), idx_of);
    let seen: Vec<i32> = pages.iter().flatten().filter_map(idx_of).collect();
    assert_eq!(seen, indexes, "every vif once, in order");
    assert!(pages.len() >= 8, "≈5 vifs per 3968-byte page: {} pages", pages.len());
    assert!(pages[..pages.len() - 1].iter().all(|p| p.len() >= 4));

    // With drop statistics: vif, stats, vif, stats …; fewer vifs per page.
    let with = dump_pages(&mut dp, |m| dump(m, 1), idx_of);
    let seen: BTreeSet<i32> = with.iter().flatten().filter_map(idx_of).collect();
    assert_eq!(seen.len(), 40);
    assert!(with.len() > pages.len());
    for page in &with {
        for pair in page.chunks(2) {
            assert!(matches!(pair[0], Message::VrInterfaceReq(_)));
            if pair.len() == 2 {
                assert!(matches!(pair[1], Message::VrDropStatsReq(_)));
            }
        }
    }
    let empty = send(&mut Datapath::default(), &[dump(-1, 0)]);
    assert_eq!((empty.len(), code(&empty[0])), (1, 0));
    assert_eq!(code(&send(&mut dp, &[dump(4354, 0)])[0]), 0, "marker at the end: empty");
}

#[test]
fn dumped_drop_stats_accumulate_within_a_page() {
    let mut dp = Datapath::default();
    for idx in [1, 2] {
        assert_eq!(code_of(&mut dp, add(idx, VifType::VIRTUAL)), 0);
    }
    dp.count_drop(Some(1), DropReason::Discard);
    dp.count_drop(Some(2), DropReason::Discard);
    dp.count_drop(Some(2), DropReason::Discard);
    let reply = send(&mut dp, &[dump(-1, 1)]);
    assert_eq!(code(&reply[0]), 4, "two vifs and two drop-statistics objects");
    let discards: Vec<i64> = reply[1]
        .iter()
        .filter_map(|m| match m {
            Message::VrDropStatsReq(VrDropStatsReq { vds_discard, .. }) => Some(*vds_discard),
            _ => None,
        })
        .collect();
    // vRouter reuses one object for the page without zeroing it.
    assert_eq!(discards, vec![1, 3]);
    assert_eq!(code(&reply[0]) & DUMP_INCOMPLETE, 0);
}

#[test]
fn sub_interface_source_macs() {
    let mut dp = Datapath::default();
    assert_eq!(code_of(&mut dp, add(3, VifType::PHYSICAL)), 0);
    let macs = |n: u8| (1..=n).flat_map(|i| [2, 0, 0, 0, 0, i]).collect::<Vec<u8>>();
    let sub = |m: Vec<u8>| VrInterfaceReq {
        vifr_parent_vif_idx: 3,
        vifr_vlan_id: 7,
        vifr_src_mac: m,
        ..add(10, VifType::VIRTUAL_VLAN)
    };
    assert_eq!(code_of(&mut dp, sub(macs(5))), -22, "at most 4 source MACs");
    assert_eq!(code_of(&mut dp, sub(vec![1; 7])), -22, "whole MACs only");
    assert_eq!(code_of(&mut dp, sub(macs(4))), 0);
    assert_eq!(fetch(&mut dp, get(10)).vifr_src_mac, macs(4));
    assert_eq!(code_of(&mut dp, add(11, VifType::VIRTUAL_VLAN)), -22, "parent 0 is missing");
    // A change to five MACs finds no free slot.
    assert_eq!(code_of(&mut dp, sub(macs(5))), -28);
    // Dropping a MAC: the first update only takes it out of the bridge and reports success
    // with the MAC still listed; the next one frees its slot.
    assert_eq!(code_of(&mut dp, sub(macs(3))), 0);
    assert_eq!(fetch(&mut dp, get(10)).vifr_src_mac, macs(4));
    assert_eq!(code_of(&mut dp, sub(macs(3))), 0);
    assert_eq!(fetch(&mut dp, get(10)).vifr_src_mac, macs(3));
}
