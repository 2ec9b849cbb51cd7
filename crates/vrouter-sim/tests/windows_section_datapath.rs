//! The datapath on Windows with its tables in named sections: traffic writes flows and bridge
//! routes write entries into the sections as they write the files on Unix, and the table queries
//! name the sections so that a client maps them read-only by name and finds what was written.
#![cfg(windows)]

mod common;

use std::net::Ipv4Addr;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Mutex;

use common::{code_of, send};
use vrouter_io::windows::section::{DeviceIoctl, DriverTable, SectionReader, IOCTL_SHMEM_GET_ADDRESS};
use vrouter_io::{ErrorKind, TableMapping};
use vrouter_proto::messages::{
    FlowAction, FlowFlag, FlowOp, Message, SandeshOp, VifType, VrBridgeTableData, VrFlowReq, VrFlowTableData,
    VrInterfaceReq, VrNexthopReq, VrRouteReq, VrouterOps,
};
use vrouter_proto::tables::{
    lookup_bridge, lookup_flow, shared_bytes, BridgeEntryRef, BridgeKey, FlowEntryRef, FlowKey, FlowLayout,
    TableGeometry,
};
use vrouter_sim::pkt0::{TrapBatch, TrapSink};
use vrouter_sim::section_tables::SectionTables;
use vrouter_sim::traffic::{nth_tuple, run, TrafficSpec};
use vrouter_sim::Datapath;

const VIFS: [u32; 2] = [3, 4];
const AF_BRIDGE: i32 = 7;

fn prefix(what: &str) -> String {
    format!("Local\\vrouter-sim-dp-test-{}-{what}", std::process::id())
}

/// A datapath with section tables (`flow_entries` main flow entries, 512 bridge entries), an
/// AGENT vif, two policy-enabled VM vifs (nexthops 13 and 14) and a plain nexthop 20.
fn datapath(what: &str, flow_entries: u32, layout: FlowLayout) -> Datapath {
    let mut dp = Datapath::default();
    let flow = TableGeometry::new(flow_entries, None, 256).unwrap();
    let bridge = TableGeometry::new(512, None, 64).unwrap();
    dp.attach_tables(SectionTables::create(&prefix(what), flow, bridge, layout).unwrap());
    let agent = VrInterfaceReq {
        h_op: SandeshOp::ADD,
        vifr_idx: 1,
        vifr_type: VifType::AGENT.0,
        vifr_transport: 3,
        vifr_name: "pkt0".into(),
        ..Default::default()
    };
    assert_eq!(code_of(&mut dp, agent), 0);
    for idx in VIFS {
        let vif = VrInterfaceReq {
            h_op: SandeshOp::ADD,
            vifr_idx: idx as i32,
            vifr_type: VifType::VIRTUAL.0,
            vifr_name: format!("tap{idx}"),
            vifr_os_idx: 100 + idx as i32,
            vifr_vrf: 1,
            vifr_nh_id: 10 + idx as i32,
            vifr_flags: 0x1,
            ..Default::default()
        };
        assert_eq!(code_of(&mut dp, vif), 0);
    }
    assert_eq!(dp.add_nexthop(&VrNexthopReq { nhr_id: 20, ..Default::default() }), 0);
    dp
}

/// The key of flow `n` of a run over [`VIFS`] (as the traffic generator numbers them).
fn key_of(n: u32) -> FlowKey {
    let vif = VIFS[(n % 2) as usize];
    let t = nth_tuple(Ipv4Addr::new(10, 0, vif as u8, 2), n / 2);
    FlowKey::inet(t.proto, t.sip, t.dip, t.sport, t.dport, 10 + vif)
}

/// Counts trap frames instead of sending them.
#[derive(Default)]
struct Counter(AtomicU64);

impl TrapSink for Counter {
    fn send_traps(&self, batch: &TrapBatch) -> usize {
        self.0.fetch_add(batch.len() as u64, Ordering::Relaxed);
        batch.len()
    }
}

fn flow_table_data(dp: &mut Datapath) -> VrFlowTableData {
    let reply = send(dp, &[VrFlowTableData { ftable_op: FlowOp::FLOW_TABLE_GET, ..Default::default() }.into()]);
    match reply[0].get(1) {
        Some(Message::VrFlowTableData(d)) => d.clone(),
        other => panic!("no vr_flow_table_data in {other:?}"),
    }
}

fn bridge_table_data(dp: &mut Datapath) -> VrBridgeTableData {
    let reply = send(dp, &[VrBridgeTableData { btable_op: SandeshOp::GET, ..Default::default() }.into()]);
    match reply[0].get(1) {
        Some(Message::VrBridgeTableData(d)) => d.clone(),
        other => panic!("no vr_bridge_table_data in {other:?}"),
    }
}

#[test]
fn traffic_writes_flows_into_the_section_the_table_query_names() {
    for layout in [FlowLayout::Tf2024, FlowLayout::Juniper2019] {
        let dp = Mutex::new(datapath(&format!("flows-{layout:?}"), 8192, layout));
        let spec = TrafficSpec { flows: 3000, packets_per_flow: 1, ..Default::default() };
        let report = run(&dp, &Counter::default(), &spec, &AtomicBool::new(false)).unwrap();
        assert_eq!((report.packets, report.trapped), (3000, 3000));
        let mut dp = dp.into_inner().unwrap();

        // What a client learns: the section's name in the path field, device 0, the byte size.
        let d = flow_table_data(&mut dp);
        let geometry = TableGeometry::new(8192, None, 256).unwrap();
        assert_eq!(d.ftable_file_path, format!("{}-flow", prefix(&format!("flows-{layout:?}"))), "{layout:?}");
        assert_eq!((u64::from(d.ftable_size), d.ftable_dev), (geometry.byte_len(), 0));
        assert_eq!(d.ftable_used_entries, 3000);

        // The client's read-only mapping of that name holds every flow, as a file would.
        let reader = SectionReader::open(&d.ftable_file_path, d.ftable_size as usize).unwrap();
        // SAFETY: the view stays mapped while `reader` lives; nothing makes a `&[u8]` over it.
        let bytes = unsafe { shared_bytes(reader.as_ptr(), reader.len()) };
        let active = (0..geometry.total_entries()).filter(|&i| FlowEntryRef::new(bytes, layout, i).unwrap().is_active()).count();
        assert_eq!(active, 3000, "{layout:?}");
        for n in (0..3000).step_by(7) {
            let i = lookup_flow(bytes, &geometry, layout, &key_of(n)).unwrap_or_else(|| panic!("flow {n} in the section"));
            let e = FlowEntryRef::new(bytes, layout, i).unwrap();
            // HOLD, gen id 1, its one packet counted.
            assert_eq!((e.action(), e.gen_id(), e.packets_count()), (1, 1, 1), "{layout:?} flow {n}");
        }

        // A soft reset releases every flow in the section, which the reader sees at once.
        assert_eq!(code_of(&mut dp, VrouterOps { h_op: SandeshOp::RESET, ..Default::default() }), 0);
        assert_eq!(lookup_flow(bytes, &geometry, layout, &key_of(0)), None);
        assert_eq!(flow_table_data(&mut dp).ftable_used_entries, 0);
    }
}

#[test]
fn bridge_routes_live_in_the_section_the_bridge_query_names() {
    let mut dp = datapath("bridge", 1024, FlowLayout::default());
    let d = bridge_table_data(&mut dp);
    let geometry = TableGeometry::new(512, None, 64).unwrap();
    assert_eq!(d.btable_file_path, format!("{}-bridge", prefix("bridge")));
    assert_eq!((u64::from(d.btable_size), d.btable_dev), (geometry.byte_len(), 0));
    let reader = SectionReader::open(&d.btable_file_path, d.btable_size as usize).unwrap();
    // SAFETY: as above.
    let bytes = unsafe { shared_bytes(reader.as_ptr(), reader.len()) };

    let mac = vec![2, 0, 0, 0, 0, 9];
    let route = |op| VrRouteReq {
        h_op: op,
        rtr_family: AF_BRIDGE,
        rtr_vrf_id: 5,
        rtr_mac: mac.clone(),
        rtr_nh_id: 20,
        rtr_index: -1,
        rtr_label_flags: 0x02,
        rtr_label: 42,
        ..Default::default()
    };
    assert_eq!(code_of(&mut dp, route(SandeshOp::ADD)), 0);
    let key = BridgeKey::new([2, 0, 0, 0, 0, 9], 5);
    let index = lookup_bridge(bytes, &geometry, &key).expect("the bridge entry in the section");
    let e = BridgeEntryRef::new(bytes, index).unwrap();
    assert_eq!((e.nh_id(), e.label(), e.flags()), (20, 42, 0x03));
    let reply = send(&mut dp, &[VrouterOps { h_op: SandeshOp::GET, ..Default::default() }.into()]);
    let Some(Message::VrouterOps(o)) = reply[0].get(1) else { panic!("{reply:?}") };
    assert_eq!((o.vo_bridge_entries, o.vo_oflow_bridge_entries, o.vo_bridge_used_entries), (512, 1024, 1));
    assert_eq!((o.vo_flow_entries, o.vo_oflow_entries), (1024, 1024));

    assert_eq!(code_of(&mut dp, route(SandeshOp::DEL)), 0);
    assert_eq!(lookup_bridge(bytes, &geometry, &key), None);
}

#[test]
fn a_client_asking_more_than_the_named_section_holds_is_refused_and_the_sections_go_with_the_datapath() {
    let mut dp = datapath("gone", 1024, FlowLayout::default());
    let d = flow_table_data(&mut dp);
    let err = SectionReader::open(&d.ftable_file_path, d.ftable_size as usize + (1 << 20)).err().expect("a short section is refused");
    assert_eq!(err.kind(), ErrorKind::TableSize, "{err}");
    drop(dp.detach_tables());
    let err = SectionReader::open(&d.ftable_file_path, d.ftable_size as usize).err().expect("the section is gone");
    assert_eq!(err.kind(), ErrorKind::NotFound, "{err}");
    // Without tables the queries answer as a datapath without tables does.
    let reply = send(&mut dp, &[VrFlowTableData { ftable_op: FlowOp::FLOW_TABLE_GET, ..Default::default() }.into()]);
    assert_eq!(common::code(&reply[0]), -95);
}

#[test]
fn a_flow_the_agent_sets_is_written_into_the_section_and_cleared_from_it() {
    let mut dp = datapath("set", 1024, FlowLayout::default());
    // TCP 10.1.1.5:40000 → 10.1.1.6:80 under nexthop 12, in the agent's encodings (addresses as the host reads
    // their bytes, ports in network order).
    let set = VrFlowReq {
        fr_op: FlowOp::FLOW_SET,
        fr_index: -1,
        fr_flags: FlowFlag::ACTIVE.0 as i16,
        fr_action: FlowAction::FORWARD.0 as i16,
        fr_family: 2,
        fr_flow_sip_l: u64::from(u32::from_ne_bytes([10, 1, 1, 5])),
        fr_flow_dip_l: u64::from(u32::from_ne_bytes([10, 1, 1, 6])),
        fr_flow_sport: u16::from_ne_bytes(40000u16.to_be_bytes()),
        fr_flow_dport: u16::from_ne_bytes(80u16.to_be_bytes()),
        fr_flow_proto: 6,
        fr_flow_nh_id: 12,
        fr_flow_vrf: 3,
        fr_src_nh_index: 12,
        fr_rindex: -1,
        fr_ecmp_nh_index: u32::MAX,
        fr_mir_id: 255,
        fr_sec_mir_id: 255,
        ..Default::default()
    };
    let reply = send(&mut dp, &[set.clone().into()]);
    assert_eq!(common::code(&reply[0]), 0, "{reply:?}");
    let Some(Message::VrFlowResponse(r)) = reply[0].get(1) else { panic!("{reply:?}") };
    let index = r.fresp_index;

    let d = flow_table_data(&mut dp);
    let reader = SectionReader::open(&d.ftable_file_path, d.ftable_size as usize).unwrap();
    // SAFETY: as above.
    let bytes = unsafe { shared_bytes(reader.as_ptr(), reader.len()) };
    let geometry = TableGeometry::from_size(u64::from(d.ftable_size), 256).unwrap();
    let key = FlowKey::inet(6, Ipv4Addr::new(10, 1, 1, 5), Ipv4Addr::new(10, 1, 1, 6), 40000, 80, 12);
    assert_eq!(lookup_flow(bytes, &geometry, FlowLayout::default(), &key), Some(index));
    let e = FlowEntryRef::new(bytes, FlowLayout::default(), index).unwrap();
    assert_eq!((e.flags(), e.action(), e.vrf(), e.gen_id()), (0x0001, 2, 3, 1));

    // The agent clears it (flags without ACTIVE, gen id as answered): gone from the section.
    let clear = VrFlowReq { fr_index: index as i32, fr_gen_id: r.fresp_gen_id, fr_flags: 0, ..set };
    assert_eq!(common::code(&send(&mut dp, &[clear.into()])[0]), 0);
    assert_eq!(lookup_flow(bytes, &geometry, FlowLayout::default(), &key), None);
    assert!(!FlowEntryRef::new(bytes, FlowLayout::default(), index).unwrap().is_active());
}

/// Stands in for the driver's `\\.\vrouterFlow` (PROTOCOL.md §5.3), which Wine cannot have: opening it maps the
/// table into the caller (here a read-only view of the simulator's section) and IOCTL_SHMEM_GET_ADDRESS answers
/// that mapping's address in an output buffer of exactly 8 bytes; any other request is refused as the driver
/// refuses it.
struct StandInTableDevice {
    mapping: SectionReader,
    calls: u32,
}

impl DeviceIoctl for StandInTableDevice {
    fn ioctl(&mut self, code: u32, _input: &[u8], output: &mut [u8]) -> std::io::Result<usize> {
        self.calls += 1;
        const ERROR_INVALID_FUNCTION: i32 = 1; // STATUS_INVALID_DEVICE_REQUEST
        const ERROR_INVALID_PARAMETER: i32 = 87; // STATUS_INVALID_PARAMETER
        if code != IOCTL_SHMEM_GET_ADDRESS {
            return Err(std::io::Error::from_raw_os_error(ERROR_INVALID_FUNCTION));
        }
        let address = (self.mapping.as_ptr() as usize).to_ne_bytes();
        if output.len() != address.len() {
            return Err(std::io::Error::from_raw_os_error(ERROR_INVALID_PARAMETER));
        }
        output.copy_from_slice(&address);
        Ok(address.len())
    }
}

#[test]
fn the_drivers_way_through_a_stand_in_device_reads_the_flows_traffic_wrote() {
    let dp = Mutex::new(datapath("driver", 4096, FlowLayout::default()));
    let spec = TrafficSpec { flows: 1000, packets_per_flow: 1, ..Default::default() };
    assert_eq!(run(&dp, &Counter::default(), &spec, &AtomicBool::new(false)).unwrap().trapped, 1000);
    let mut dp = dp.into_inner().unwrap();
    let d = flow_table_data(&mut dp);
    let len = d.ftable_size as usize;
    let device = StandInTableDevice { mapping: SectionReader::open(&d.ftable_file_path, len).unwrap(), calls: 0 };
    let table = DriverTable::from_device(device, len).unwrap();
    // SAFETY: the mapping stays while `table` (which keeps the device) lives; nothing makes a `&[u8]` over it.
    let bytes = unsafe { shared_bytes(table.as_ptr(), table.len()) };
    let geometry = TableGeometry::from_size(u64::from(d.ftable_size), 256).unwrap();
    for n in (0..1000).step_by(13) {
        let i = lookup_flow(bytes, &geometry, FlowLayout::default(), &key_of(n)).unwrap_or_else(|| panic!("flow {n}"));
        assert!(FlowEntryRef::new(bytes, FlowLayout::default(), i).unwrap().is_active());
    }
    // Traffic after the mapping was taken is seen through it (the same memory, not a copy).
    let more = TrafficSpec { flows: 1001, packets_per_flow: 1, ..Default::default() };
    let dp = Mutex::new(dp);
    run(&dp, &Counter::default(), &more, &AtomicBool::new(false)).unwrap();
    assert!(lookup_flow(bytes, &geometry, FlowLayout::default(), &key_of(1000)).is_some());
    assert_eq!(table.into_device().calls, 1, "one IOCTL_SHMEM_GET_ADDRESS");

    // A table the mapping cannot hold is refused.
    let device = StandInTableDevice { mapping: SectionReader::open(&d.ftable_file_path, len).unwrap(), calls: 0 };
    let err = DriverTable::from_device(device, len + (1 << 20)).err().expect("a table larger than the mapping");
    assert_eq!(err.kind(), ErrorKind::TableSize, "{err}");
}
