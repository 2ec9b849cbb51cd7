//! inet route dumps: trie slots, not configured routes; vRouter's marker restart (a page
//! ending on a first-level slot lists it again); pages of at most 3968 bytes.

#[path = "ksync_route/helpers.rs"]
mod helpers;

use std::collections::BTreeSet;

use helpers::*;
use vrouter_proto::messages::{SandeshOp, VrRouteReq};

fn add(family: i32, vrf: i32, prefix: &[u8], plen: i32, nh: i32) -> VrRouteReq {
    route(SandeshOp::ADD, family, vrf, prefix, plen, nh)
}

/// (prefix, length, nexthop, label, flags, replace_plen) of a listed slot.
fn slot(r: &VrRouteReq) -> (Vec<u8>, i32, i32, i32, i16, i32) {
    (r.rtr_prefix.clone(), r.rtr_prefix_len, r.rtr_nh_id, r.rtr_label, r.rtr_label_flags, r.rtr_replace_plen)
}

#[test]
fn a_vrf_without_a_table_lists_nothing() {
    let mut dp = datapath(&[10]);
    assert_eq!(dump_pages(&mut dp, inet_dump(AF_INET, 1)), [Vec::<VrRouteReq>::new()]);
    assert_eq!(dump_pages(&mut dp, inet_dump(AF_INET, 70_000)), [Vec::<VrRouteReq>::new()], "out of range too");
}

#[test]
fn a_new_table_is_one_default_slot() {
    // vRouter creates a VRF's table at its first ADD, before looking the nexthop up: even a
    // failed ADD leaves a table whose root is one /0 leaf on the discard nexthop.
    let mut dp = datapath(&[10]);
    assert_eq!(code(&mut dp, add(AF_INET, 1, &[10, 1, 1, 0], 24, 99)), ENOENT);
    let all = dump_all(&mut dp, inet_dump(AF_INET, 1));
    assert_eq!(all.iter().map(slot).collect::<Vec<_>>(), [(vec![0, 0, 0, 0], 0, 0, NO_LABEL, 0, 0)]);
    // Adding a route and deleting it (with the default's data) folds the trie back.
    assert_eq!(code(&mut dp, add(AF_INET, 1, &[10, 1, 1, 0], 24, 10)), 0);
    assert!(dump_all(&mut dp, inet_dump(AF_INET, 1)).len() > 1);
    assert_eq!(code(&mut dp, del(AF_INET, 1, &[10, 1, 1, 0], 24, 0, 0)), 0);
    let all = dump_all(&mut dp, inet_dump(AF_INET, 1));
    assert_eq!(all.iter().map(slot).collect::<Vec<_>>(), [(vec![0, 0, 0, 0], 0, 0, NO_LABEL, 0, 0)]);
}

#[test]
fn a_split_root_lists_its_256_slash_8_slots() {
    // A route of length ≤ 8 splits the root: the dump is then the 256 first-level slots. With
    // the default route on the discard nexthop, unlabelled, they are the "256 /8 buckets (nh 0,
    // label 0xffffff, no LABEL_VALID)" of PROTOCOL.md §11.
    let mut dp = datapath(&[]);
    assert_eq!(code(&mut dp, add(AF_INET, 0, &[0, 0, 0, 0], 0, 0)), 0);
    let pages = dump_pages(&mut dp, inet_dump(AF_INET, 0));
    let all: Vec<_> = pages.iter().flatten().collect();
    // Every page after the first starts again with the previous page's last /8 slot.
    assert_eq!((pages.len(), all.len()), (8, 256 + 7));
    let mut listed: Vec<_> = all.iter().map(|r| slot(r)).collect();
    listed.dedup();
    let expected: Vec<_> = (0..=255u8).map(|b| (vec![b, 0, 0, 0], 8, 0, NO_LABEL, 0, 0)).collect();
    assert!(listed == expected, "the 256 /8 slots in order");
    for r in &all {
        assert_eq!((r.h_op, r.rtr_vrf_id, r.rtr_family), (SandeshOp::ADD, 0, AF_INET), "vRouter's reply op is 0");
        assert_eq!((r.rtr_index, r.rtr_mac.len(), r.rtr_marker.len(), r.rtr_marker_plen), (-1, 0, 0, 0));
    }
    // `rt` starts with an all-zero 4-byte marker instead of an empty one: the same list here.
    let rt_start = VrRouteReq { rtr_marker: vec![0; 4], h_op: SandeshOp::DUMP, ..inet_dump(AF_INET, 0) };
    let reply = exchange(&mut dp, rt_start);
    assert_eq!(reply[1].len(), 33, "a full page of 118-byte slots");
}

/// 10.1.1.0/24 (nh 10, label 100) and 10.1.1.5/32 (nh 11) in VRF 1.
fn two_routes() -> vrouter_sim::Datapath {
    let mut dp = datapath(&[10, 11]);
    assert_eq!(code(&mut dp, labelled(add(AF_INET, 1, &[10, 1, 1, 0], 24, 10), 100)), 0);
    assert_eq!(code(&mut dp, add(AF_INET, 1, &[10, 1, 1, 5], 32, 11)), 0);
    dp
}

#[test]
fn a_slash_24_with_a_slash_32_inside_lists_256_slash_32_slots() {
    let mut dp = two_routes();
    let all = dump_all(&mut dp, inet_dump(AF_INET, 1));
    let inside: Vec<_> = all.iter().filter(|r| r.rtr_prefix[..3] == [10, 1, 1] && r.rtr_prefix_len == 32).collect();
    assert_eq!(inside.len(), 256, "the /24 comes back as its 256 /32 slots");
    for (i, r) in inside.iter().enumerate() {
        let expected = if i == 5 {
            (vec![10, 1, 1, 5], 32, 11, NO_LABEL, 0, 32)
        } else {
            (vec![10, 1, 1, i as u8], 32, 10, 100, LABEL_VALID, 24)
        };
        assert_eq!(slot(r), expected);
    }
    assert!(!all.iter().any(|r| r.rtr_prefix == [10, 1, 1, 0] && r.rtr_prefix_len == 24), "no /24 as such");
}

#[test]
fn paging_repeats_first_level_slots_as_vrouter_does() {
    // PROTOCOL.md §11: `rt --dump 1` after two ADDs took 32 pages and listed 1 029 entries,
    // 1 021 of them unique. The trie: 255 /8 + 255 /16 + 255 /24 + 256 /32 slots.
    let mut dp = two_routes();
    let pages = dump_pages(&mut dp, inet_dump(AF_INET, 1));
    let all: Vec<_> = pages.iter().flatten().collect();
    let unique: BTreeSet<_> = all.iter().map(|r| (r.rtr_prefix.clone(), r.rtr_prefix_len)).collect();
    assert_eq!((pages.len(), all.len(), unique.len()), (32, 1029, 1021));
    assert!(pages.iter().all(|p| p.len() <= 33), "118-byte slots: 33 to a 3968-byte page");
    // Every repeat is a page's first slot, the previous page's last, and a /8.
    for pair in pages.windows(2) {
        let (last, first) = (pair[0].last().unwrap(), &pair[1][0]);
        if slot(last) == slot(first) {
            assert_eq!(first.rtr_prefix_len, 8);
        } else {
            assert_ne!(last.rtr_prefix_len, 8, "a page ending on a /8 restarts with it");
        }
    }
    // In address order, each slot once apart from those repeats.
    let mut deduped: Vec<_> = all.iter().map(|r| (r.rtr_prefix.clone(), r.rtr_prefix_len)).collect();
    deduped.dedup();
    assert_eq!(deduped.len(), 1021);
    assert!(deduped.windows(2).all(|w| w[0].0 < w[1].0));
}

#[test]
fn a_marker_is_prefix_bytes_only() {
    let mut dp = two_routes();
    let from = |dp: &mut _, marker: &[u8], marker_plen: i32| {
        let req = VrRouteReq {
            h_op: SandeshOp::DUMP,
            rtr_marker: marker.to_vec(),
            rtr_marker_plen: marker_plen,
            ..inet_dump(AF_INET, 1)
        };
        let reply = exchange(dp, req);
        match &reply[1][0] {
            vrouter_proto::messages::Message::VrRouteReq(r) => (r.rtr_prefix.clone(), r.rtr_prefix_len),
            other => panic!("{other:?}"),
        }
    };
    // Below the first level the marker's slot is skipped …
    assert_eq!(from(&mut dp, &[10, 1, 1, 7], 32), (vec![10, 1, 1, 8], 32));
    assert_eq!(from(&mut dp, &[10, 1, 7, 0], 24), (vec![10, 1, 8, 0], 24));
    // … at the first level listed again; and the marker length plays no part.
    assert_eq!(from(&mut dp, &[20, 0, 0, 0], 8), (vec![20, 0, 0, 0], 8));
    assert_eq!(from(&mut dp, &[10, 1, 1, 7], 0), (vec![10, 1, 1, 8], 32));
    // A marker naming a bucket goes down its bytes to a leaf, which below the first level is
    // skipped: from 10.0.0.0 (10/8 is a bucket), 10.0/16 is not listed.
    assert_eq!(from(&mut dp, &[10, 0, 0, 0], 8), (vec![10, 1, 0, 0], 24));
}

#[test]
fn replies_carry_as_many_prefix_bytes_as_the_request() {
    // vRouter sizes each slot's rtr_prefix like the request's: a DUMP without rtr_prefix gets
    // slots without prefix bytes (and a client paging by prefix would start over).
    let mut dp = two_routes();
    let req = VrRouteReq { h_op: SandeshOp::DUMP, rtr_family: AF_INET, rtr_vrf_id: 1, ..Default::default() };
    let reply = exchange(&mut dp, req);
    match &reply[1][0] {
        vrouter_proto::messages::Message::VrRouteReq(r) => assert_eq!((r.rtr_prefix.len(), r.rtr_prefix_len), (0, 8)),
        other => panic!("{other:?}"),
    }
}

#[test]
fn other_families_dump_the_ipv4_tables() {
    let mut dp = two_routes();
    let ipv4 = dump_all(&mut dp, inet_dump(AF_INET, 1));
    let other = dump_all(&mut dp, VrRouteReq { rtr_family: 0, ..inet_dump(AF_INET, 1) });
    assert_eq!(other.iter().map(slot).collect::<Vec<_>>(), ipv4.iter().map(slot).collect::<Vec<_>>());
    assert!(other.iter().all(|r| r.rtr_family == 0), "the family is echoed");
}

#[test]
fn inet6_pages_through_sixteen_levels() {
    let mut dp = datapath(&[10, 11]);
    let mut net = [0u8; 16];
    net[..4].copy_from_slice(&[0x20, 0x01, 0x0d, 0xb8]);
    let mut host = net;
    host[15] = 1;
    assert_eq!(code(&mut dp, add(AF_INET6, 0, &net, 32, 10)), 0);
    assert_eq!(code(&mut dp, add(AF_INET6, 0, &host, 128, 11)), 0);
    let pages = dump_pages(&mut dp, inet_dump(AF_INET6, 0));
    let all: Vec<_> = pages.iter().flatten().collect();
    assert!(all.iter().all(|r| r.rtr_prefix.len() == 16 && r.rtr_prefix_len % 8 == 0));
    let unique: BTreeSet<_> = all.iter().map(|r| (r.rtr_prefix.clone(), r.rtr_prefix_len)).collect();
    // 255 slots beside the path at each of levels 1–15, 256 at the last.
    assert_eq!(unique.len(), 15 * 255 + 256);
    let repeats = all.len() - unique.len();
    assert!(all.windows(2).filter(|w| slot(w[0]) == slot(w[1])).all(|w| w[0].rtr_prefix_len == 8));
    assert_eq!(all.windows(2).filter(|w| slot(w[0]) == slot(w[1])).count(), repeats);
    let host_slot = all.iter().find(|r| r.rtr_prefix == host).unwrap();
    assert_eq!((host_slot.rtr_nh_id, host_slot.rtr_replace_plen, host_slot.rtr_prefix_len), (11, 128, 128));
    assert_eq!(encoded_len(host_slot), 130, "16 prefix bytes: 30 slots to a page");
    assert!(pages.iter().all(|p| p.len() <= 30));
}
