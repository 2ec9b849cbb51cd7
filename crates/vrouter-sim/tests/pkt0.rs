//! pkt0, DPDK style: frames injected into the datapath trap to a socket the test binds where
//! the agent binds (`agent_pkt0`), and frames the test sends to `dpdk_pkt0` are re-injected.
#![cfg(unix)]

mod common;

use std::net::Ipv4Addr;
use std::os::unix::net::UnixDatagram;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::{TempDir, code_of, send};
use vrouter_proto::agent_header::{parse_pkt0_frame, write_pkt0_frame, AgentHeader, FlowTrap, OuterEthernet};
use vrouter_proto::messages::{
    AgentCmd, FlowAction, FlowOp, Message, SandeshOp, VifType, VrFlowReq, VrFlowResponse, VrInterfaceReq,
};
use vrouter_proto::tables::{FlowKey, FlowLayout, TableGeometry};
use vrouter_sim::pkt0::{Pkt0Endpoint, AGENT_PKT0, DPDK_PKT0};
use vrouter_sim::tables::SimTables;
use vrouter_sim::traffic::{nth_tuple, write_frame, Injected};
use vrouter_sim::{Datapath, DropReason};


const PKT0_MAC: [u8; 6] = [0x02, 0x70, 0x6b, 0x74, 0x30, 0x01];
const VM_VIF: u32 = 3;
const VM_NH: i32 = 12;
const VM_VRF: i32 = 2;

/// A simulator with tables, the AGENT vif 1 and a policy-enabled VM vif 3; the test's agent
/// socket bound at `agent_pkt0` and connected to `dpdk_pkt0`, as the agent does.
struct Setup {
    _dir: TempDir,
    endpoint: Pkt0Endpoint,
    agent: UnixDatagram,
}

fn setup() -> Setup {
    let dir = TempDir::new();
    let mut dp = Datapath::default();
    let flow = TableGeometry::new(1024, None, 256).unwrap();
    let bridge = TableGeometry::new(512, None, 64).unwrap();
    dp.attach_tables(SimTables::create(&dir.0, flow, bridge, FlowLayout::default()).unwrap());
    let agent_vif = VrInterfaceReq {
        h_op: SandeshOp::ADD,
        vifr_idx: 1,
        vifr_type: VifType::AGENT.0,
        vifr_transport: 3,
        vifr_name: "pkt0".into(),
        vifr_mac: PKT0_MAC.to_vec(),
        vifr_vrf: 65535,
        ..Default::default()
    };
    assert_eq!(code_of(&mut dp, agent_vif), 0);
    assert_eq!(code_of(&mut dp, vm_vif(VM_VIF, 0x1)), 0);
    let endpoint = Pkt0Endpoint::bind(&dir.0, Arc::new(Mutex::new(dp))).unwrap();
    assert_eq!(endpoint.path(), dir.0.join(DPDK_PKT0));
    let agent = UnixDatagram::bind(dir.0.join(AGENT_PKT0)).unwrap();
    agent.connect(dir.0.join(DPDK_PKT0)).unwrap();
    agent.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    Setup { _dir: dir, endpoint, agent }
}

fn vm_vif(idx: u32, flags: i32) -> VrInterfaceReq {
    VrInterfaceReq {
        h_op: SandeshOp::ADD,
        vifr_idx: idx as i32,
        vifr_type: VifType::VIRTUAL.0,
        vifr_name: format!("tap{idx}"),
        vifr_os_idx: 100 + idx as i32,
        vifr_mac: vec![0, 0, 0x5e, 0, 1, 0],
        vifr_vrf: VM_VRF,
        vifr_nh_id: VM_NH,
        vifr_flags: flags,
        ..Default::default()
    }
}

fn recv(agent: &UnixDatagram) -> Vec<u8> {
    let mut buf = vec![0u8; 9060];
    let n = agent.recv(&mut buf).expect("a trap frame");
    buf.truncate(n);
    buf
}

fn arp_frame() -> Vec<u8> {
    let mut f = vec![0xff; 6];
    f.extend_from_slice(&[2, 0, 0, 0, 0, 3, 0x08, 0x06]);
    f.extend_from_slice(&[0, 1, 8, 0, 6, 4, 0, 1]);
    f.resize(60, 0);
    f
}

fn tcp_frame(n: u32) -> Vec<u8> {
    let mut f = Vec::new();
    write_frame(&mut f, [2, 0, 0, 0, 0, 3], [0, 0, 0x5e, 0, 1, 0], &nth_tuple(Ipv4Addr::new(10, 0, 3, 2), n), 1);
    f
}

/// The agent's FLOW_SET for flow `n` of [`tcp_frame`] (addresses and ports as it encodes them).
fn flow_set(n: u32, index: i32, gen_id: u8, action: FlowAction) -> VrFlowReq {
    let t = nth_tuple(Ipv4Addr::new(10, 0, 3, 2), n);
    VrFlowReq {
        fr_op: FlowOp::FLOW_SET,
        fr_index: index,
        fr_gen_id: gen_id as i8,
        fr_flags: 1,
        fr_action: action.0 as i16,
        fr_family: 2,
        fr_flow_sip_l: u64::from(u32::from_ne_bytes(t.sip.octets())),
        fr_flow_dip_l: u64::from(u32::from_ne_bytes(t.dip.octets())),
        fr_flow_sport: u16::from_ne_bytes(t.sport.to_be_bytes()),
        fr_flow_dport: u16::from_ne_bytes(t.dport.to_be_bytes()),
        fr_flow_proto: t.proto as i8,
        fr_flow_nh_id: VM_NH as u32,
        fr_flow_vrf: VM_VRF as u16,
        fr_rindex: -1,
        ..Default::default()
    }
}

fn tcp_key(n: u32) -> FlowKey {
    let t = nth_tuple(Ipv4Addr::new(10, 0, 3, 2), n);
    FlowKey::inet(t.proto, t.sip, t.dip, t.sport, t.dport, VM_NH as u32)
}

#[test]
fn arp_traps_with_the_pkt0_rewrite_and_the_packet() {
    let s = setup();
    let frame = arp_frame();
    assert_eq!(s.endpoint.inject(&frame, VM_VIF), Ok(Injected::Trapped { cmd: AgentCmd::TRAP_ARP, flow: None }));
    let got = recv(&s.agent);
    let f = parse_pkt0_frame(&got).unwrap();
    assert_eq!(f.outer, OuterEthernet::vrouter_to_agent(PKT0_MAC));
    assert_eq!(f.header, AgentHeader::with_cmd(AgentCmd::TRAP_ARP, VM_VIF as u16, VM_VRF as u16));
    assert_eq!(f.inner, &frame[..]);
    assert_eq!(s.endpoint.stats().traps_sent, 1);
}

#[test]
fn dhcp_traps_as_l3_protocols() {
    let s = setup();
    let mut frame = tcp_frame(1); // UDP to port 53: rewrite the ports to a DHCP request
    frame[34..38].copy_from_slice(&[0, 68, 0, 67]);
    let out = s.endpoint.inject(&frame, VM_VIF).unwrap();
    assert_eq!(out, Injected::Trapped { cmd: AgentCmd::TRAP_L3_PROTOCOLS, flow: None });
    let got = recv(&s.agent);
    let f = parse_pkt0_frame(&got).unwrap();
    assert_eq!((f.header.command(), f.header.param, f.header.param_1), (AgentCmd::TRAP_L3_PROTOCOLS, 0, 0));
}

#[test]
fn a_new_flow_traps_flow_miss_and_holds_in_the_table() {
    let s = setup();
    let frame = tcp_frame(0);
    let out = s.endpoint.inject(&frame, VM_VIF).unwrap();
    let dp = s.endpoint.datapath().lock().unwrap();
    let w = dp.flows.tables().unwrap().flow();
    let index = w.lookup(&tcp_key(0)).expect("the flow is in the table");
    let params = FlowTrap { flow_index: index, nh: VM_NH as u32, bytes: 0, packets: 0, gen_id: 1 };
    assert_eq!(out, Injected::Trapped { cmd: AgentCmd::TRAP_FLOW_MISS, flow: Some(params) });
    let e = w.entry(index).unwrap();
    assert_eq!((e.action(), e.flags(), e.gen_id(), e.vrf()), (1, 0x0001, 1, VM_VRF as u16), "HOLD, ACTIVE");
    assert_eq!((e.packets_count(), e.bytes_count(), e.src_info()), (1, frame.len() as u64, VM_VIF));
    drop(dp);

    let got = recv(&s.agent);
    let f = parse_pkt0_frame(&got).unwrap();
    assert_eq!(f.header.command(), AgentCmd::TRAP_FLOW_MISS);
    assert_eq!((f.header.ifindex, f.header.vrf), (VM_VIF as u16, VM_VRF as u16));
    assert_eq!(f.header.flow_trap_params(), Some(params));
    assert_eq!(f.inner, &frame[..]);
}

#[test]
fn a_held_flow_queues_two_more_then_drops_until_the_agent_forwards_it() {
    let s = setup();
    let frame = tcp_frame(4);
    let Ok(Injected::Trapped { flow: Some(trap), .. }) = s.endpoint.inject(&frame, VM_VIF) else { panic!() };
    let index = trap.flow_index;
    assert_eq!(s.endpoint.inject(&frame, VM_VIF), Ok(Injected::Held { flow_index: index }));
    assert_eq!(s.endpoint.inject(&frame, VM_VIF), Ok(Injected::Held { flow_index: index }));
    assert_eq!(
        s.endpoint.inject(&frame, VM_VIF),
        Ok(Injected::Dropped { reason: DropReason::FlowQueueLimitExceeded, flow_index: Some(index) })
    );
    assert_eq!(s.endpoint.stats().traps_sent, 1, "only the first packet traps");

    // The agent answers the trap: FORWARD at the trapped index with the trapped gen id.
    let set = flow_set(4, index as i32, trap.gen_id, FlowAction::FORWARD);
    {
        let mut dp = s.endpoint.datapath().lock().unwrap();
        let reply = send(&mut dp, &[set.into()]);
        let Message::VrFlowResponse(VrFlowResponse { fresp_index, .. }) = reply[0][1] else { panic!() };
        assert_eq!((common::code(&reply[0]), fresp_index), (0, index));
        assert_eq!(dp.flows.released_forwarded, 3, "the queue, trapped packet included, goes out with FORWARD");
    }
    for _ in 0..3 {
        assert_eq!(s.endpoint.inject(&frame, VM_VIF), Ok(Injected::Forwarded { flow_index: index }));
    }
    let dp = s.endpoint.datapath().lock().unwrap();
    let e = dp.flows.tables().unwrap().flow().entry(index).unwrap();
    assert_eq!((e.packets_count(), e.bytes_count()), (7, 7 * frame.len() as u64), "every packet counted on the flow");
    let vif = dp.interfaces.get(VM_VIF).unwrap();
    assert_eq!((vif.counters.ipackets, vif.counters.opackets), (7, 3));
    assert_eq!(vif.drops.get(DropReason::FlowQueueLimitExceeded), 1);
    let agent = dp.agent_vif().unwrap();
    assert_eq!(agent.counters.opackets, 1, "the trap went out of pkt0");
}

#[test]
fn a_dropping_flow_and_a_policy_free_vif() {
    let s = setup();
    {
        let mut dp = s.endpoint.datapath().lock().unwrap();
        assert_eq!(code_of(&mut dp, vm_vif(4, 0)), 0);
        let reply = send(&mut dp, &[flow_set(5, -1, 0, FlowAction::DROP).into()]);
        assert_eq!(common::code(&reply[0]), 0);
    }
    let Ok(Injected::Dropped { reason: DropReason::FlowActionDrop, flow_index: Some(_) }) =
        s.endpoint.inject(&tcp_frame(5), VM_VIF)
    else {
        panic!("a DROP flow drops")
    };
    assert_eq!(s.endpoint.inject(&tcp_frame(0), 4), Ok(Injected::Passed), "no policy: no flow");
    assert_eq!(s.endpoint.inject(&[0u8; 10], VM_VIF).unwrap(), Injected::Dropped { reason: DropReason::InvalidPacket, flow_index: None });
    assert!(s.endpoint.inject(&arp_frame(), 99).is_err(), "no such vif");
}

#[test]
fn frames_from_the_agent_are_reinjected_or_counted_invalid() {
    let s = setup();
    let packet = tcp_frame(9);
    for header in [AgentHeader::switch(VM_VIF as u16, 2), AgentHeader::route(VM_VIF as u16, 2), AgentHeader::switch(77, 0)] {
        let mut f = Vec::new();
        write_pkt0_frame(&mut f, &header, &packet);
        s.agent.send(&f).unwrap();
    }
    s.agent.send(&[0u8; 44]).unwrap();
    let mut big = Vec::new();
    write_pkt0_frame(&mut big, &AgentHeader::switch(3, 0), &[0u8; 4000]);
    s.agent.send(&big).unwrap();
    let mut trap = Vec::new();
    write_pkt0_frame(&mut trap, &AgentHeader::with_cmd(AgentCmd::TRAP_ARP, 3, 0), &packet);
    s.agent.send(&trap).unwrap();

    let deadline = Instant::now() + Duration::from_secs(5);
    while s.endpoint.stats().received < 6 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(5));
    }
    let st = s.endpoint.stats();
    assert_eq!((st.received, st.reinjected), (6, 3));
    assert_eq!((st.invalid_short, st.invalid_oversize, st.invalid_command), (1, 1, 1));
    let kept = s.endpoint.reinjected();
    assert_eq!(kept.len(), 3);
    assert_eq!((kept[0].header.command(), kept[1].header.command()), (AgentCmd::CMD_SWITCH, AgentCmd::CMD_ROUTE));
    assert_eq!(kept[0].packet, packet);

    let dp = s.endpoint.datapath().lock().unwrap();
    assert_eq!(dp.interfaces.get(VM_VIF).unwrap().counters.opackets, 1, "SWITCH goes out of vif 3");
    assert_eq!(dp.agent_vif().unwrap().counters.ipackets, 3, "every valid frame arrives on pkt0");
    assert_eq!(dp.drop_stats.get(DropReason::InvalidIf), 1, "SWITCH to a missing vif");
}

#[test]
fn traps_without_an_agent_are_dropped_and_counted_then_flow_once_it_binds() {
    let dir = TempDir::new();
    let endpoint = Pkt0Endpoint::bind(&dir.0, Arc::new(Mutex::new(Datapath::default()))).unwrap();
    {
        let mut dp = endpoint.datapath().lock().unwrap();
        assert_eq!(code_of(&mut dp, vm_vif(VM_VIF, 0)), 0);
    }
    assert!(matches!(endpoint.inject(&arp_frame(), VM_VIF), Ok(Injected::Trapped { .. })));
    assert_eq!((endpoint.stats().traps_sent, endpoint.stats().traps_dropped_absent), (0, 1));

    let agent = UnixDatagram::bind(dir.0.join(AGENT_PKT0)).unwrap();
    agent.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    endpoint.inject(&arp_frame(), VM_VIF).unwrap();
    let f = recv(&agent);
    let f = parse_pkt0_frame(&f).unwrap();
    assert_eq!(f.outer.src, [0; 6], "no AGENT vif: a zero MAC");
    assert_eq!(endpoint.stats().traps_sent, 1);

    // The agent goes away and comes back: sending picks up the new socket.
    drop(agent);
    std::fs::remove_file(dir.0.join(AGENT_PKT0)).unwrap();
    endpoint.inject(&arp_frame(), VM_VIF).unwrap();
    assert_eq!(endpoint.stats().traps_dropped_absent, 2);
    let agent = UnixDatagram::bind(dir.0.join(AGENT_PKT0)).unwrap();
    agent.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    endpoint.inject(&arp_frame(), VM_VIF).unwrap();
    recv(&agent);
    assert_eq!(endpoint.stats().traps_sent, 2);
    endpoint.close();
    assert!(!dir.0.join(DPDK_PKT0).exists(), "the socket file goes with the endpoint");
}
