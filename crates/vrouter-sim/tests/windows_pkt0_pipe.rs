//! pkt0 on a Windows named pipe, as the driver's `\\.\vrouterPkt0` behaves: traps reach the one connected agent,
//! frames it writes are re-injected, a second opener is refused, traps queue while the agent does not read.
//! Run under Wine by scripts/windows/test.sh.
#![cfg(windows)]

mod common;

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::code_of;
use vrouter_io::windows::pkt0;
use vrouter_io::{ErrorKind, TransportRead, TransportWrite};
use vrouter_proto::agent_header::{parse_pkt0_frame, write_pkt0_frame, AgentHeader, OuterEthernet};
use vrouter_proto::messages::{AgentCmd, SandeshOp, VifType, VrInterfaceReq};
use vrouter_sim::pkt0::{Pkt0Pipe, TrapSink};
use vrouter_sim::traffic::Injected;
use vrouter_sim::Datapath;

const PKT0_MAC: [u8; 6] = [0x02, 0x70, 0x6b, 0x74, 0x30, 0x01];
const VM_VIF: u32 = 3;

fn pipe_name(test: &str) -> String {
    format!(r"\\.\pipe\vrouter-sim-test-{}-pkt0-{test}", std::process::id())
}

/// A datapath with the AGENT vif 1 and a VM vif 3.
fn datapath() -> Arc<Mutex<Datapath>> {
    let mut dp = Datapath::default();
    let agent = VrInterfaceReq {
        h_op: SandeshOp::ADD,
        vifr_idx: 1,
        vifr_type: VifType::AGENT.0,
        vifr_name: "pkt0".into(),
        vifr_mac: PKT0_MAC.to_vec(),
        vifr_vrf: 65535,
        ..Default::default()
    };
    assert_eq!(code_of(&mut dp, agent), 0);
    let vm = VrInterfaceReq {
        h_op: SandeshOp::ADD,
        vifr_idx: VM_VIF as i32,
        vifr_type: VifType::VIRTUAL.0,
        vifr_name: "tap3".into(),
        vifr_os_idx: 103,
        vifr_mac: vec![0, 0, 0x5e, 0, 1, 0],
        vifr_vrf: 2,
        ..Default::default()
    };
    assert_eq!(code_of(&mut dp, vm), 0);
    Arc::new(Mutex::new(dp))
}

fn arp_frame(tag: u8) -> Vec<u8> {
    let mut f = vec![0xff; 6];
    f.extend_from_slice(&[2, 0, 0, 0, 0, tag, 0x08, 0x06]);
    f.extend_from_slice(&[0, 1, 8, 0, 6, 4, 0, 1]);
    f.resize(60, 0);
    f
}

/// Waits (up to 10 s) for `cond`; the pipe's server side runs on its own thread.
fn wait_for(what: &str, cond: impl Fn() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while !cond() {
        assert!(Instant::now() < deadline, "timed out waiting until {what}");
        std::thread::sleep(Duration::from_millis(2));
    }
}

/// Opens the pipe as the agent and waits until the simulator has taken the connection (traps sent before that
/// would find no agent and be dropped, as the driver drops them while no handle is open).
fn connect(pipe: &Pkt0Pipe) -> vrouter_io::windows::OverlappedFile {
    let agent = pkt0::open(pipe.path()).expect("open the pkt0 pipe");
    wait_for("the simulator has the agent", || pipe.connected());
    agent
}

fn read_frame(agent: &mut impl TransportRead) -> Vec<u8> {
    let mut buf = vec![0u8; pkt0::READ_BUFFER_SIZE];
    let n = agent.read(&mut buf).expect("a trap frame");
    buf.truncate(n);
    buf
}

#[test]
fn an_arp_trap_reaches_the_agent_as_one_message() {
    let pipe = Pkt0Pipe::bind(&pipe_name("arp"), datapath()).unwrap();
    let mut agent = connect(&pipe);
    let frame = arp_frame(3);
    assert_eq!(pipe.inject(&frame, VM_VIF), Ok(Injected::Trapped { cmd: AgentCmd::TRAP_ARP, flow: None }));
    let got = read_frame(&mut agent);
    let f = parse_pkt0_frame(&got).unwrap();
    assert_eq!(f.outer, OuterEthernet::vrouter_to_agent(PKT0_MAC));
    assert_eq!(f.header, AgentHeader::with_cmd(AgentCmd::TRAP_ARP, VM_VIF as u16, 2));
    assert_eq!(f.inner, &frame[..]);
    wait_for("the trap is counted", || pipe.stats().traps_sent == 1);
}

#[test]
fn frames_from_the_agent_are_reinjected_or_counted_invalid() {
    let pipe = Pkt0Pipe::bind(&pipe_name("reinject"), datapath()).unwrap();
    let mut agent = connect(&pipe);
    let packet = arp_frame(9);
    let mut frame = Vec::new();
    let switch = AgentHeader { ifindex: VM_VIF as u16, vrf: 2, cmd: AgentCmd::CMD_SWITCH.0 as u16, ..Default::default() };
    write_pkt0_frame(&mut frame, &switch, &packet); // as the agent writes it
    agent.write_all(&frame).unwrap();
    agent.write_all(&frame[..40]).unwrap(); // shorter than the headers
    let mut bad = frame.clone();
    bad[18..20].copy_from_slice(&6u16.to_be_bytes()); // a trap command, which the agent never sends
    agent.write_all(&bad).unwrap();
    wait_for("three frames are received", || pipe.stats().received == 3);
    let s = pipe.stats();
    assert_eq!((s.reinjected, s.invalid_short, s.invalid_command), (1, 1, 1));
    let logged = pipe.reinjected();
    assert_eq!(logged.len(), 1);
    assert_eq!((logged[0].header.command(), logged[0].header.ifindex), (AgentCmd::CMD_SWITCH, VM_VIF as u16));
    assert_eq!(logged[0].packet, packet);
    let dp = pipe.datapath().lock().unwrap();
    assert_eq!(dp.interfaces.get(VM_VIF).unwrap().counters.opackets, 1, "the SWITCH went out of vif 3");
}

#[test]
fn one_agent_at_a_time_and_the_next_after_it_leaves() {
    let pipe = Pkt0Pipe::bind(&pipe_name("exclusive"), datapath()).unwrap();
    let first = connect(&pipe);
    let second = pkt0::open(pipe.path()).err().expect("a second opener is refused");
    assert_eq!(second.kind(), ErrorKind::Busy);
    drop(first);
    wait_for("the first agent is gone", || !pipe.connected());
    // The name is re-created right after the first connection's handle closes: retry through that instant.
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut agent = loop {
        match pkt0::open(pipe.path()) {
            Ok(a) => break a,
            Err(e) if matches!(e.kind(), ErrorKind::NotFound | ErrorKind::Busy) && Instant::now() < deadline => {
                std::thread::sleep(Duration::from_millis(2))
            }
            Err(e) => panic!("reconnect: {e}"),
        }
    };
    wait_for("the simulator has the new agent", || pipe.connected());
    pipe.inject(&arp_frame(4), VM_VIF).unwrap();
    assert_eq!(parse_pkt0_frame(&read_frame(&mut agent)).unwrap().header.command(), AgentCmd::TRAP_ARP);
}

#[test]
fn traps_without_an_agent_are_dropped_and_queue_while_it_does_not_read() {
    let pipe = Pkt0Pipe::bind(&pipe_name("queue"), datapath()).unwrap();
    pipe.inject(&arp_frame(1), VM_VIF).unwrap();
    assert_eq!(pipe.stats().traps_dropped_absent, 1, "nobody connected");

    let mut agent = connect(&pipe);
    // Far more than the pipe's buffer holds: the datapath must not wait for the agent.
    const N: usize = 5000;
    let mut batch = vrouter_sim::pkt0::TrapBatch::new();
    for i in 0..N {
        let h = AgentHeader { ifindex: VM_VIF as u16, cmd: AgentCmd::TRAP_ARP.0 as u16, param: i as u32, ..Default::default() };
        batch.push(PKT0_MAC, &h, &arp_frame(2));
    }
    assert_eq!(pipe.send_traps(&batch), N, "all queued at once");
    for i in 0..N {
        let f = read_frame(&mut agent);
        assert_eq!(parse_pkt0_frame(&f).unwrap().header.param, i as u32, "in order");
    }
    wait_for("every frame is counted as sent", || pipe.stats().traps_sent == N as u64);
}

#[test]
fn close_ends_the_agent_and_frees_the_name() {
    let name = pipe_name("close");
    let pipe = Pkt0Pipe::bind(&name, datapath()).unwrap();
    assert_eq!(Pkt0Pipe::bind(&name, datapath()).err().map(|e| e.kind()), Some(ErrorKind::AlreadyExists));
    let mut agent = connect(&pipe);
    pipe.close();
    let mut buf = vec![0u8; pkt0::READ_BUFFER_SIZE];
    assert_eq!(agent.read(&mut buf).err().map(|e| e.kind()), Some(ErrorKind::PeerClosed));
    drop(agent);
    drop(pipe);
    Pkt0Pipe::bind(&name, datapath()).expect("the name is free again");
}

#[test]
fn a_flood_waits_for_the_agent_and_loses_nothing() {
    let pipe = Pkt0Pipe::bind(&pipe_name("flood"), datapath()).unwrap();
    assert_eq!(pipe.flood(60, 10).err().map(|e| e.kind()), Some(std::io::ErrorKind::NotConnected));
    let mut agent = connect(&pipe);
    const N: u64 = 20_000; // far past what the queue lets wait at once
    let sent = std::thread::scope(|s| {
        let flood = s.spawn(|| pipe.flood(60, N).unwrap());
        for _ in 0..N {
            let f = read_frame(&mut agent);
            assert_eq!(f.len(), 44 + 60);
            assert_eq!(parse_pkt0_frame(&f).unwrap().header.command(), AgentCmd::TRAP_FLOW_MISS);
        }
        flood.join().unwrap()
    });
    assert_eq!(sent, N);
    assert_eq!(pipe.stats().traps_sent, N);
    assert_eq!(pipe.stats().traps_dropped(), 0);
}
