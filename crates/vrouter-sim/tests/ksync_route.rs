//! inet and inet6 routes: ADD/GET/DEL as vRouter's mtrie does them, longest-match GET, error
//! codes, nexthop references and the soft reset.

#[path = "ksync_route/helpers.rs"]
mod helpers;

use helpers::*;
use vrouter_proto::messages::{NhFlag, NhType, SandeshOp, VifType, VrInterfaceReq, VrNexthopReq, VrRouteReq};
use vrouter_sim::ksync::route::IpFamily;

fn add(family: i32, vrf: i32, prefix: &[u8], plen: i32, nh: i32) -> VrRouteReq {
    route(SandeshOp::ADD, family, vrf, prefix, plen, nh)
}

fn lookup(family: i32, vrf: i32, prefix: &[u8], plen: i32) -> VrRouteReq {
    route(SandeshOp::GET, family, vrf, prefix, plen, 0)
}

#[test]
fn inet_add_get_del() {
    let mut dp = datapath(&[10]);
    assert_eq!(code(&mut dp, labelled(add(AF_INET, 1, &[10, 1, 1, 0], 24, 10), 100)), 0);
    // GET of a host inside the /24: its data, with the matched length; the prefix comes back
    // as sent (`rt` masks it for printing).
    let r = get(&mut dp, lookup(AF_INET, 1, &[10, 1, 1, 7], 32));
    assert_eq!(r.h_op, SandeshOp::GET);
    assert_eq!((r.rtr_nh_id, r.rtr_label, r.rtr_label_flags, r.rtr_prefix_len), (10, 100, LABEL_VALID, 24));
    assert_eq!(r.rtr_prefix, [10, 1, 1, 7]);
    assert_eq!((r.rtr_index, r.rtr_mac.len()), (-1, 0), "no bridge entry: index −1, no MAC");
    assert!(r.rtr_marker.is_empty());
    // DEL writes the covering route's data back (here the table's default: discard, no label).
    assert_eq!(code(&mut dp, del(AF_INET, 1, &[10, 1, 1, 0], 24, 0, 0)), 0);
    let r = get(&mut dp, lookup(AF_INET, 1, &[10, 1, 1, 7], 32));
    assert_eq!((r.rtr_nh_id, r.rtr_label, r.rtr_label_flags, r.rtr_prefix_len), (0, NO_LABEL, 0, 0));
    // Deleting what is not there is not an error.
    assert_eq!(code(&mut dp, del(AF_INET, 1, &[10, 1, 1, 0], 24, 0, 0)), 0);
}

#[test]
fn inet6_add_get_del() {
    let mut dp = datapath(&[10, 11]);
    let net = [0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
    let mut host = net;
    host[15] = 9;
    assert_eq!(code(&mut dp, labelled(add(AF_INET6, 2, &net, 64, 10), 7)), 0);
    assert_eq!(code(&mut dp, add(AF_INET6, 2, &host, 128, 11)), 0);
    let r = get(&mut dp, lookup(AF_INET6, 2, &host, 128));
    assert_eq!((r.rtr_nh_id, r.rtr_label, r.rtr_label_flags, r.rtr_prefix_len), (11, NO_LABEL, 0, 128));
    let mut other = host;
    other[15] = 10;
    let r = get(&mut dp, lookup(AF_INET6, 2, &other, 128));
    assert_eq!((r.rtr_nh_id, r.rtr_label, r.rtr_prefix_len), (10, 7, 64));
    // The IPv4 table of the same VRF is another table.
    let r = get(&mut dp, lookup(AF_INET, 2, &[32, 1, 13, 184], 32));
    assert_eq!((r.rtr_nh_id, r.rtr_prefix_len), (0, 32), "no IPv4 table: default nexthop, length as sent");
    assert_eq!(code(&mut dp, labelled(del(AF_INET6, 2, &host, 128, 10, 64), 7)), 0);
    let r = get(&mut dp, lookup(AF_INET6, 2, &host, 128));
    assert_eq!((r.rtr_nh_id, r.rtr_label, r.rtr_prefix_len), (10, 7, 64));
}

#[test]
fn get_is_a_longest_match() {
    let mut dp = datapath(&[8, 16, 24, 32]);
    assert_eq!(code(&mut dp, add(AF_INET, 0, &[10, 0, 0, 0], 8, 8)), 0);
    assert_eq!(code(&mut dp, add(AF_INET, 0, &[10, 1, 0, 0], 16, 16)), 0);
    assert_eq!(code(&mut dp, add(AF_INET, 0, &[10, 1, 1, 0], 24, 24)), 0);
    assert_eq!(code(&mut dp, add(AF_INET, 0, &[10, 1, 1, 5], 32, 32)), 0);
    let answer = |dp: &mut _, prefix: [u8; 4], plen| {
        let r = get(dp, lookup(AF_INET, 0, &prefix, plen));
        (r.rtr_nh_id, r.rtr_prefix_len)
    };
    assert_eq!(answer(&mut dp, [10, 1, 1, 5], 32), (32, 32));
    assert_eq!(answer(&mut dp, [10, 1, 1, 6], 32), (24, 24));
    assert_eq!(answer(&mut dp, [10, 1, 2, 6], 32), (16, 16));
    assert_eq!(answer(&mut dp, [10, 2, 2, 6], 32), (8, 8));
    assert_eq!(answer(&mut dp, [11, 2, 2, 6], 32), (0, 0), "outside every route: the table's default");
    assert_eq!(answer(&mut dp, [10, 1, 1, 0], 24), (24, 24), "a route's own prefix");
    assert_eq!(answer(&mut dp, [10, 1, 1, 128], 25), (24, 24));
    // A /20 spans 16 third-level slots; any address in them matches it.
    assert_eq!(code(&mut dp, add(AF_INET, 0, &[10, 1, 16, 0], 20, 24)), 0);
    assert_eq!(answer(&mut dp, [10, 1, 31, 200], 32), (24, 20));
    assert_eq!(answer(&mut dp, [10, 1, 32, 1], 32), (16, 16));
    // The same search for code in the simulator (a packet's lookup).
    let slot = dp.routes.lookup(IpFamily::V4, 0, &[10, 1, 1, 6]).unwrap();
    assert_eq!((slot.nh_id(), slot.plen(), slot.label()), (Some(24), 24, NO_LABEL as u32));
    assert!(dp.routes.lookup(IpFamily::V4, 9, &[10, 1, 1, 6]).is_none(), "VRF 9 has no table");
}

#[test]
fn get_of_a_shorter_prefix_answers_from_a_covering_slot() {
    // vRouter's search goes round the bucket from the indexed slot: a /16 under which only a
    // /24 exists answers with the route covering the /16, not the /24.
    let mut dp = datapath(&[24]);
    assert_eq!(code(&mut dp, add(AF_INET, 0, &[10, 1, 0, 0], 24, 24)), 0);
    let r = get(&mut dp, lookup(AF_INET, 0, &[10, 1, 0, 0], 16));
    assert_eq!((r.rtr_nh_id, r.rtr_prefix_len, r.rtr_label), (0, 0, NO_LABEL));
}

#[test]
fn add_masks_the_prefix_and_replaces_a_route() {
    let mut dp = datapath(&[10, 11]);
    assert_eq!(code(&mut dp, add(AF_INET, 0, &[10, 1, 1, 77], 24, 10)), 0);
    let r = get(&mut dp, lookup(AF_INET, 0, &[10, 1, 1, 200], 32));
    assert_eq!((r.rtr_nh_id, r.rtr_prefix_len), (10, 24), "host bits were cleared on ADD");
    assert_eq!(code(&mut dp, labelled(add(AF_INET, 0, &[10, 1, 1, 0], 24, 11), 5)), 0);
    let r = get(&mut dp, lookup(AF_INET, 0, &[10, 1, 1, 200], 32));
    assert_eq!((r.rtr_nh_id, r.rtr_label), (11, 5), "same prefix: replaced");
    // Label flags keep 5 bits, labels 24.
    let odd = VrRouteReq { rtr_label_flags: 0x41, rtr_label: 0x0100_0003, ..add(AF_INET, 0, &[10, 1, 1, 0], 24, 11) };
    assert_eq!(code(&mut dp, odd), 0);
    let r = get(&mut dp, lookup(AF_INET, 0, &[10, 1, 1, 1], 32));
    assert_eq!((r.rtr_label_flags, r.rtr_label), (0x01, 3));
}

#[test]
fn del_restores_the_covering_route_with_replace_plen() {
    let mut dp = datapath(&[10, 11]);
    assert_eq!(code(&mut dp, labelled(add(AF_INET, 0, &[10, 1, 0, 0], 16, 10), 16)), 0);
    assert_eq!(code(&mut dp, labelled(add(AF_INET, 0, &[10, 1, 1, 0], 24, 11), 24)), 0);
    assert_eq!(get(&mut dp, lookup(AF_INET, 0, &[10, 1, 1, 1], 32)).rtr_nh_id, 11);
    // The agent deletes with the covering route's nexthop, label and length.
    assert_eq!(code(&mut dp, labelled(del(AF_INET, 0, &[10, 1, 1, 0], 24, 10, 16), 16)), 0);
    let r = get(&mut dp, lookup(AF_INET, 0, &[10, 1, 1, 1], 32));
    assert_eq!((r.rtr_nh_id, r.rtr_label, r.rtr_prefix_len), (10, 16, 16));
    // The slots are the /16's again: a later DEL of the /16 clears them too.
    assert_eq!(code(&mut dp, del(AF_INET, 0, &[10, 1, 0, 0], 16, 0, 0)), 0);
    let r = get(&mut dp, lookup(AF_INET, 0, &[10, 1, 1, 1], 32));
    assert_eq!((r.rtr_nh_id, r.rtr_label, r.rtr_prefix_len), (0, NO_LABEL, 0));
    // Whatever the DEL carries is what the slots get, even a length no route has.
    assert_eq!(code(&mut dp, add(AF_INET, 0, &[10, 1, 0, 0], 16, 10)), 0);
    assert_eq!(code(&mut dp, del(AF_INET, 0, &[10, 1, 0, 0], 16, 11, 3)), 0);
    let r = get(&mut dp, lookup(AF_INET, 0, &[10, 1, 1, 1], 32));
    assert_eq!((r.rtr_nh_id, r.rtr_prefix_len), (11, 3));
}

#[test]
fn errors() {
    let mut dp = datapath(&[10]);
    let ok = add(AF_INET, 1, &[10, 0, 0, 0], 8, 10);
    assert_eq!(code(&mut dp, VrRouteReq { rtr_nh_id: 99, ..ok.clone() }), ENOENT, "missing nexthop");
    assert_eq!(code(&mut dp, VrRouteReq { rtr_nh_id: -1, ..ok.clone() }), ENOENT);
    assert_eq!(code(&mut dp, VrRouteReq { rtr_vrf_id: 4096, ..ok.clone() }), EINVAL, "VRF beyond the table");
    assert_eq!(code(&mut dp, VrRouteReq { rtr_vrf_id: -1, ..ok.clone() }), EINVAL);
    assert_eq!(code(&mut dp, VrRouteReq { rtr_prefix_len: 33, ..ok.clone() }), EINVAL, "prefix too long");
    assert_eq!(code(&mut dp, VrRouteReq { rtr_prefix_len: -1, ..ok.clone() }), EINVAL);
    assert_eq!(code(&mut dp, add(AF_INET6, 1, &[0; 16], 129, 10)), EINVAL);
    assert_eq!(code(&mut dp, add(AF_INET6, 1, &[0; 16], 128, 10)), 0);
    assert_eq!(code(&mut dp, VrRouteReq { rtr_prefix: vec![], ..ok.clone() }), EINVAL, "no prefix");
    // An unknown family: no handler (ENOENT) for ADD and DEL, EINVAL for GET.
    assert_eq!(code(&mut dp, VrRouteReq { rtr_family: 3, ..ok.clone() }), ENOENT);
    assert_eq!(code(&mut dp, VrRouteReq { rtr_family: 3, h_op: SandeshOp::DEL, ..ok.clone() }), ENOENT);
    assert_eq!(code(&mut dp, VrRouteReq { rtr_family: 3, h_op: SandeshOp::GET, ..ok.clone() }), EINVAL);
    // DEL: a VRF without a table, a missing nexthop.
    assert_eq!(code(&mut dp, del(AF_INET, 7, &[10, 0, 0, 0], 8, 0, 0)), ENOENT, "VRF 7 has no table");
    assert_eq!(code(&mut dp, del(AF_INET, 1, &[10, 0, 0, 0], 8, 99, 0)), ENOENT);
    assert_eq!(code(&mut dp, del(AF_INET, 1, &[10, 0, 0, 0], 40, 0, 0)), EINVAL);
    assert_eq!(code(&mut dp, del(AF_INET, 5000, &[10, 0, 0, 0], 8, 0, 0)), EINVAL);
    // Other ops get no answer.
    assert!(exchange(&mut dp, VrRouteReq { h_op: SandeshOp::RESET, ..ok }).is_empty());
}

#[test]
fn a_route_to_a_tunnel_needs_a_label() {
    let mut dp = datapath(&[]);
    let vif = VrInterfaceReq {
        h_op: SandeshOp::ADD,
        vifr_idx: 4,
        vifr_type: VifType::VIRTUAL.0,
        vifr_os_idx: 10,
        ..Default::default()
    };
    assert_eq!(code(&mut dp, vif), 0);
    let tunnel = VrNexthopReq {
        h_op: SandeshOp::ADD,
        nhr_id: 20,
        nhr_type: NhType::TUNNEL.0 as i8,
        nhr_family: 2,
        nhr_flags: (NhFlag::VALID.0 | NhFlag::TUNNEL_GRE.0) as u32,
        nhr_encap_oif_id: vec![4],
        nhr_encap: vec![2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2, 8, 0],
        nhr_tun_sip: 0x0100_000a,
        nhr_tun_dip: 0x0200_000a,
        ..Default::default()
    };
    assert_eq!(code(&mut dp, tunnel), 0);
    let users = dp.nexthops.users(20);
    assert_eq!(code(&mut dp, add(AF_INET, 0, &[10, 0, 0, 0], 8, 20)), EINVAL);
    assert_eq!(dp.nexthops.users(20), users, "the refused ADD keeps no reference");
    assert_eq!(code(&mut dp, labelled(add(AF_INET, 0, &[10, 0, 0, 0], 8, 20), 30)), 0);
}

#[test]
fn routes_hold_their_nexthops() {
    let mut dp = datapath(&[10]);
    assert_eq!((dp.nexthops.users(0), dp.nexthops.users(10)), (1, 1), "the table's own counts");
    assert_eq!(code(&mut dp, add(AF_INET, 0, &[10, 1, 1, 0], 24, 10)), 0);
    // One count per slot, as in vRouter: the /24 holds one slot; the table's root was split
    // three times into buckets of copies of the discard nexthop (256 + 255 + 255 − 1 slots).
    assert_eq!(dp.nexthops.users(10), 2);
    assert_eq!(dp.nexthops.users(0), 1 + 765);
    // A /23 covers two slots of the third level.
    assert_eq!(code(&mut dp, add(AF_INET, 0, &[10, 1, 2, 0], 23, 10)), 0);
    assert_eq!(dp.nexthops.users(10), 4);
    // Deleting the nexthop while routed: 0, and it lingers for its routes.
    let nh_del = VrNexthopReq { h_op: SandeshOp::DEL, nhr_id: 10, ..Default::default() };
    assert_eq!(code(&mut dp, nh_del), 0);
    assert_eq!(dp.nexthops.lingering(), 1);
    assert_eq!(get(&mut dp, lookup(AF_INET, 0, &[10, 1, 1, 1], 32)).rtr_nh_id, 10, "routes still report it");
    assert_eq!(code(&mut dp, del(AF_INET, 0, &[10, 1, 1, 0], 24, 0, 0)), 0);
    assert_eq!(dp.nexthops.lingering(), 1, "the /23 still holds it");
    assert_eq!(code(&mut dp, del(AF_INET, 0, &[10, 1, 2, 0], 23, 0, 0)), 0);
    assert_eq!(dp.nexthops.lingering(), 0, "freed with its last route");
    // Everything folded back into the root: one count on the discard nexthop.
    assert_eq!(dp.nexthops.users(0), 2);
}

#[test]
fn replacing_a_route_moves_its_references() {
    let mut dp = datapath(&[10, 11]);
    assert_eq!(code(&mut dp, add(AF_INET, 0, &[10, 1, 0, 0], 16, 10)), 0);
    assert_eq!(code(&mut dp, add(AF_INET, 0, &[10, 1, 0, 0], 16, 11)), 0);
    assert_eq!((dp.nexthops.users(10), dp.nexthops.users(11)), (1, 2));
    // A nexthop deleted and re-added at the same id is another nexthop: slots copied from a
    // slot that held the old one (a bucket split) take the discard nexthop instead.
    assert_eq!(code(&mut dp, VrNexthopReq { h_op: SandeshOp::DEL, nhr_id: 11, ..Default::default() }), 0);
    assert_eq!(dp.add_nexthop(&VrNexthopReq { nhr_id: 11, ..Default::default() }), 0);
    assert_eq!(code(&mut dp, add(AF_INET, 0, &[10, 1, 1, 0], 24, 10)), 0);
    assert_eq!(get(&mut dp, lookup(AF_INET, 0, &[10, 1, 2, 1], 32)).rtr_nh_id, 0);
    assert_eq!(get(&mut dp, lookup(AF_INET, 0, &[10, 1, 0, 1], 32)).rtr_prefix_len, 16);
}

#[test]
fn reset_flushes_the_tables_and_their_references() {
    let mut dp = datapath(&[10]);
    assert_eq!(code(&mut dp, add(AF_INET, 0, &[10, 1, 1, 0], 24, 10)), 0);
    assert_eq!(code(&mut dp, add(AF_INET6, 3, &[0x20; 16], 64, 10)), 0);
    dp.reset();
    assert_eq!(dp.routes.vrfs(IpFamily::V4).count(), 0);
    assert_eq!(dp.routes.vrfs(IpFamily::V6).count(), 0);
    assert_eq!(dp.nexthops.users(0), 1);
    assert_eq!(dump_pages(&mut dp, inet_dump(AF_INET, 0)), [Vec::<VrRouteReq>::new()], "nothing left to list");
    // Through the message, as the agent does it.
    assert_eq!(dp.add_nexthop(&VrNexthopReq { nhr_id: 10, ..Default::default() }), 0);
    assert_eq!(code(&mut dp, add(AF_INET, 0, &[10, 1, 1, 0], 24, 10)), 0);
    let reset = vrouter_proto::messages::VrouterOps { h_op: SandeshOp::RESET, ..Default::default() };
    assert_eq!(code(&mut dp, reset), 0);
    assert!(dp.routes.table(IpFamily::V4, 0).is_none());
}
