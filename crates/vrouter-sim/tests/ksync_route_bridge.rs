//! Bridge routes (AF_BRIDGE): entries of the bridge table, GET by MAC or index, DUMP by MAC
//! marker, error codes, nexthop references, and inet routes naming a bridge route's MAC.

#[path = "ksync_route/helpers.rs"]
mod helpers;

use helpers::*;
use vrouter_proto::messages::{SandeshOp, VrNexthopReq, VrRouteReq};
use vrouter_proto::tables::BridgeKey;

const BE_VALID: i16 = 0x01;
const BE_LABEL_VALID: i16 = 0x02;
const BE_MAC_NEW: i16 = 0x20;

fn mac(n: u8) -> Vec<u8> {
    vec![2, 0, 0, 0, 0, n]
}

fn bridge(op: SandeshOp, vrf: i32, mac: &[u8], nh: i32) -> VrRouteReq {
    VrRouteReq {
        h_op: op,
        rtr_family: AF_BRIDGE,
        rtr_vrf_id: vrf,
        rtr_mac: mac.to_vec(),
        rtr_nh_id: nh,
        rtr_index: -1,
        ..Default::default()
    }
}

#[test]
fn add_get_del() {
    let mut dp = datapath(&[10]);
    let add = VrRouteReq { rtr_label_flags: BE_LABEL_VALID, rtr_label: 500, ..bridge(SandeshOp::ADD, 3, &mac(1), 10) };
    assert_eq!(code(&mut dp, add), 0, "the answer is the code alone");
    let r = get(&mut dp, bridge(SandeshOp::GET, 3, &mac(1), 0));
    assert_eq!((r.rtr_nh_id, r.rtr_label, r.rtr_label_flags), (10, 500, BE_VALID | BE_LABEL_VALID));
    assert_eq!((r.rtr_mac.clone(), r.rtr_vrf_id, r.rtr_family), (mac(1), 3, AF_BRIDGE));
    let index = r.rtr_index as u32;
    // The entry in the bridge table, as readers of the shared table see it.
    let slot = dp.bridge_table().unwrap().slot(index).unwrap();
    assert!(slot.is_live());
    assert_eq!(slot.key, BridgeKey::new([2, 0, 0, 0, 0, 1], 3));
    assert_eq!((slot.nh_id, slot.label, slot.flags), (10, 500, 0x03));
    assert_eq!(dp.bridge_table().unwrap().find(&slot.key), Some(index));
    // GET by index writes the entry's MAC over the request's.
    let by_index =
        get(&mut dp, VrRouteReq { rtr_index: index as i32, rtr_mac: vec![0; 6], ..bridge(SandeshOp::GET, 0, &[], 0) });
    assert_eq!((by_index.rtr_mac, by_index.rtr_nh_id, by_index.rtr_index), (mac(1), 10, index as i32));
    // Another VRF is another key.
    assert_eq!(code(&mut dp, bridge(SandeshOp::GET, 4, &mac(1), 0)), ENOENT);
    assert_eq!(code(&mut dp, bridge(SandeshOp::DEL, 3, &mac(1), 0)), 0);
    assert_eq!(code(&mut dp, bridge(SandeshOp::GET, 3, &mac(1), 0)), ENOENT);
    assert!(!dp.bridge_table().unwrap().slot(index).unwrap().is_live(), "released in the table");
    assert_eq!(code(&mut dp, bridge(SandeshOp::DEL, 3, &mac(1), 0)), ENOENT);
}

#[test]
fn add_again_updates_the_entry() {
    let mut dp = datapath(&[10, 11]);
    assert_eq!(code(&mut dp, bridge(SandeshOp::ADD, 1, &mac(1), 10)), 0);
    let first = get(&mut dp, bridge(SandeshOp::GET, 1, &mac(1), 0));
    // Request flags replace the entry's, less VALID (always set) and MAC_NEW (never taken);
    // without LABEL_VALID the label is left alone.
    let again =
        VrRouteReq { rtr_label_flags: BE_MAC_NEW | 0x04, rtr_label: 9, ..bridge(SandeshOp::ADD, 1, &mac(1), 11) };
    assert_eq!(code(&mut dp, again), 0);
    let r = get(&mut dp, bridge(SandeshOp::GET, 1, &mac(1), 0));
    assert_eq!((r.rtr_index, r.rtr_nh_id, r.rtr_label_flags, r.rtr_label), (first.rtr_index, 11, BE_VALID | 0x04, 0));
}

#[test]
fn errors() {
    let mut dp = datapath(&[10]);
    assert_eq!(code(&mut dp, bridge(SandeshOp::ADD, 1, &[2, 0, 0, 0, 1], 10)), EINVAL, "5-byte MAC");
    assert_eq!(code(&mut dp, bridge(SandeshOp::ADD, 1, &[], 10)), EINVAL);
    assert_eq!(code(&mut dp, bridge(SandeshOp::ADD, 1, &[0; 6], 10)), EINVAL, "zero MAC");
    assert_eq!(code(&mut dp, bridge(SandeshOp::ADD, 4096, &mac(1), 10)), EINVAL, "VRF beyond the table");
    assert_eq!(code(&mut dp, bridge(SandeshOp::ADD, 1, &mac(1), 99)), ENOENT, "missing nexthop");
    assert_eq!(code(&mut dp, bridge(SandeshOp::DEL, 1, &[], 0)), EINVAL, "DEL without a MAC");
    assert_eq!(code(&mut dp, bridge(SandeshOp::DEL, 1, &[2, 0, 0, 0, 0, 1, 0], 0)), EINVAL, "7 bytes");
    assert_eq!(code(&mut dp, bridge(SandeshOp::DEL, 1, &[2, 0, 0, 0, 1], 0)), EINVAL, "5 bytes");
    assert_eq!(code(&mut dp, bridge(SandeshOp::DEL, 4096, &mac(1), 0)), EINVAL);
    assert_eq!(code(&mut dp, bridge(SandeshOp::DEL, 1, &mac(1), 0)), ENOENT);
    assert_eq!(code(&mut dp, VrRouteReq { rtr_index: 5, ..bridge(SandeshOp::GET, 1, &mac(1), 0) }), ENOENT);
    // A DUMP whose rtr_mac is not 6 bytes: vRouter's dump routine returns −EINVAL and nothing
    // sends it, so there is no answer at all.
    assert!(exchange(&mut dp, bridge(SandeshOp::DUMP, 1, &[0; 4], 0)).is_empty());
    assert!(exchange(&mut dp, bridge(SandeshOp::DUMP, 1, &[], 0)).is_empty());
}

#[test]
fn dump_pages_by_mac_in_table_order() {
    let mut dp = datapath(&[10]);
    for n in 0..100u8 {
        assert_eq!(code(&mut dp, bridge(SandeshOp::ADD, 1, &mac(n + 1), 10)), 0);
        assert_eq!(code(&mut dp, bridge(SandeshOp::ADD, 2, &mac(n + 1), 10)), 0);
    }
    let filter = VrRouteReq { rtr_family: AF_BRIDGE, rtr_vrf_id: 1, ..Default::default() };
    let pages = dump_pages(&mut dp, filter);
    assert_eq!(pages.iter().map(Vec::len).collect::<Vec<_>>(), [33, 33, 33, 1], "120-byte entries");
    let all: Vec<_> = pages.into_iter().flatten().collect();
    assert!(all.iter().all(|r| r.rtr_vrf_id == 1 && r.rtr_family == AF_BRIDGE && r.rtr_nh_id == 10));
    assert!(all.windows(2).all(|w| w[0].rtr_index < w[1].rtr_index), "table-index order");
    let mut macs: Vec<_> = all.iter().map(|r| r.rtr_mac[5]).collect();
    macs.sort_unstable();
    assert_eq!(macs, (1..=100).collect::<Vec<u8>>(), "each entry once");
    let first = &all[0];
    assert_eq!((first.h_op, first.rtr_label_flags, first.rtr_prefix.len()), (SandeshOp::ADD, BE_VALID, 0));
    // A marker no longer in the table lists nothing (vRouter looks for it to start after it).
    let gone = first.rtr_mac.clone();
    assert_eq!(code(&mut dp, bridge(SandeshOp::DEL, 1, &gone, 0)), 0);
    let reply = exchange(&mut dp, VrRouteReq { rtr_mac: gone, ..bridge(SandeshOp::DUMP, 1, &[], 0) });
    assert_eq!((reply.len(), code_of_page(&reply)), (1, 0));
}

fn code_of_page(reply: &[Vec<vrouter_proto::messages::Message>]) -> i32 {
    match reply[0].as_slice() {
        [vrouter_proto::messages::Message::VrResponse(r)] => r.resp_code,
        other => panic!("{other:?}"),
    }
}

#[test]
fn bridge_entries_hold_their_nexthops() {
    let mut dp = datapath(&[10, 11]);
    assert_eq!(code(&mut dp, bridge(SandeshOp::ADD, 1, &mac(1), 10)), 0);
    assert_eq!(code(&mut dp, bridge(SandeshOp::ADD, 1, &mac(2), 10)), 0);
    assert_eq!(dp.nexthops.users(10), 3);
    assert_eq!(code(&mut dp, bridge(SandeshOp::ADD, 1, &mac(1), 10)), 0);
    assert_eq!(dp.nexthops.users(10), 3, "same nexthop: no new reference");
    assert_eq!(code(&mut dp, bridge(SandeshOp::ADD, 1, &mac(1), 11)), 0);
    assert_eq!((dp.nexthops.users(10), dp.nexthops.users(11)), (2, 2));
    assert_eq!(code(&mut dp, VrNexthopReq { h_op: SandeshOp::DEL, nhr_id: 11, ..Default::default() }), 0);
    assert_eq!(dp.nexthops.lingering(), 1);
    assert_eq!(get(&mut dp, bridge(SandeshOp::GET, 1, &mac(1), 0)).rtr_nh_id, 11);
    assert_eq!(code(&mut dp, bridge(SandeshOp::DEL, 1, &mac(1), 0)), 0);
    assert_eq!(dp.nexthops.lingering(), 0);
    // The soft reset frees every entry and its reference.
    let index = get(&mut dp, bridge(SandeshOp::GET, 1, &mac(2), 0)).rtr_index as u32;
    dp.reset();
    assert!(!dp.bridge_table().unwrap().slot(index).unwrap().is_live());
    assert_eq!(dp.nexthops.users(0), 1);
}

#[test]
fn inet_routes_name_bridge_entries_by_mac() {
    let mut dp = datapath(&[10]);
    assert_eq!(code(&mut dp, bridge(SandeshOp::ADD, 1, &mac(7), 10)), 0);
    let index = get(&mut dp, bridge(SandeshOp::GET, 1, &mac(7), 0)).rtr_index;
    let host = VrRouteReq { rtr_mac: mac(7), ..route(SandeshOp::ADD, AF_INET, 1, &[10, 1, 1, 7], 32, 10) };
    assert_eq!(code(&mut dp, host), 0);
    let r = get(&mut dp, route(SandeshOp::GET, AF_INET, 1, &[10, 1, 1, 7], 32, 0));
    assert_eq!((r.rtr_index, r.rtr_mac), (index, mac(7)));
    let dumped = dump_all(&mut dp, inet_dump(AF_INET, 1));
    let slot = dumped.iter().find(|r| r.rtr_prefix == [10, 1, 1, 7]).unwrap();
    assert_eq!((slot.rtr_index, slot.rtr_mac.clone()), (index, mac(7)));
    assert!(dumped.iter().filter(|r| r.rtr_prefix != [10, 1, 1, 7]).all(|r| r.rtr_index == -1 && r.rtr_mac.is_empty()));
    // A MAC with no bridge route: ENOENT, and vRouter keeps the nexthop reference it took.
    let users = dp.nexthops.users(10);
    let unknown = VrRouteReq { rtr_mac: mac(8), ..route(SandeshOp::ADD, AF_INET, 1, &[10, 1, 1, 8], 32, 10) };
    assert_eq!(code(&mut dp, unknown), ENOENT);
    assert_eq!(dp.nexthops.users(10), users + 1);
    // An all-zero MAC names no entry.
    let zero = VrRouteReq { rtr_mac: vec![0; 6], ..route(SandeshOp::ADD, AF_INET, 1, &[10, 1, 1, 9], 32, 10) };
    assert_eq!(code(&mut dp, zero), 0);
}

/// With the datapath's shared tables attached, bridge routes are written into the mapped file,
/// where an agent reading the file finds them.
#[cfg(unix)]
#[test]
fn bridge_routes_live_in_the_shared_table_file() {
    use vrouter_io::{ReadOnlyTable, TableKind};
    use vrouter_proto::tables::{lookup_bridge, BridgeEntryRef, FlowLayout, TableGeometry};
    use vrouter_sim::tables::SimTables;

    let dir = std::env::temp_dir().join(format!("vrouter-sim-route-bridge-{}", std::process::id()));
    let flow = TableGeometry::new(1024, None, 256).unwrap();
    let geometry = TableGeometry::new(512, None, 64).unwrap();
    let tables = SimTables::create(&dir, flow, geometry, FlowLayout::default()).unwrap();
    let path = tables.bridge_path().to_path_buf();
    let mut dp = datapath(&[10]);
    dp.attach_tables(tables);
    let add = VrRouteReq { rtr_label_flags: BE_LABEL_VALID, rtr_label: 42, ..bridge(SandeshOp::ADD, 5, &mac(9), 10) };
    assert_eq!(code(&mut dp, add), 0);
    let index = get(&mut dp, bridge(SandeshOp::GET, 5, &mac(9), 0)).rtr_index as u32;

    let reader = ReadOnlyTable::open_as(&path, TableKind::Bridge, None).unwrap();
    let key = BridgeKey::new([2, 0, 0, 0, 0, 9], 5);
    assert_eq!(lookup_bridge(&reader, &geometry, &key), Some(index));
    let entry = BridgeEntryRef::new(&reader, index).unwrap();
    assert_eq!((entry.nh_id(), entry.label(), entry.flags()), (10, 42, 0x03));
    let dumped = dump_all(&mut dp, VrRouteReq { rtr_family: AF_BRIDGE, rtr_vrf_id: 5, ..Default::default() });
    assert_eq!(dumped.iter().map(|r| r.rtr_index as u32).collect::<Vec<_>>(), [index]);

    assert_eq!(code(&mut dp, bridge(SandeshOp::DEL, 5, &mac(9), 0)), 0);
    assert_eq!(lookup_bridge(&reader, &geometry, &key), None);
    assert!(!BridgeEntryRef::new(&reader, index).unwrap().is_valid());
    drop(dp);
    let _ = std::fs::remove_dir_all(&dir);
}
