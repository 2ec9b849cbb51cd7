//! The agent's pkt0 channel on Windows (overlapped reads that pend until a frame arrives, one
//! frame per read and per write) against the simulator's pkt0 message pipe, which behaves as
//! the driver's `\\.\vrouterPkt0`. Run under Wine by scripts/windows/test.sh.
#![cfg(windows)]

use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use vrouter_io::pkt0::{open, ChannelOptions, Opened};
use vrouter_proto::agent_header::{parse_pkt0_frame, write_pkt0_frame, AgentHeader, OuterEthernet};
use vrouter_proto::messages::{AgentCmd, Message, SandeshOp, VifType, VrInterfaceReq};
use vrouter_sim::pkt0::Pkt0Pipe;
use vrouter_sim::Datapath;

const PKT0_MAC: [u8; 6] = [0x02, 0x70, 0x6b, 0x74, 0x30, 0x01];

fn pipe_name(test: &str) -> String {
    format!(r"\\.\pipe\vrouter-io-test-{}-pkt0-{test}", std::process::id())
}

fn add(dp: &mut Datapath, req: VrInterfaceReq) {
    let mut payload = Vec::new();
    Message::from(req).encode(&mut payload);
    let out = dp.handle(&payload).into_buffers();
    let msgs = vrouter_proto::messages::decode_all(&out[0]).messages;
    assert!(matches!(msgs.first(), Some(Message::VrResponse(r)) if r.resp_code == 0), "{msgs:?}");
}

fn datapath() -> Arc<Mutex<Datapath>> {
    let mut dp = Datapath::default();
    add(&mut dp, VrInterfaceReq { h_op: SandeshOp::ADD, vifr_idx: 1, vifr_type: VifType::AGENT.0, vifr_name: "pkt0".into(), vifr_mac: PKT0_MAC.to_vec(), vifr_vrf: 65535, ..Default::default() });
    add(&mut dp, VrInterfaceReq { h_op: SandeshOp::ADD, vifr_idx: 3, vifr_type: VifType::VIRTUAL.0, vifr_name: "tap3".into(), vifr_os_idx: 103, vifr_vrf: 2, vifr_nh_id: 12, ..Default::default() });
    Arc::new(Mutex::new(dp))
}

fn arp_frame(tag: u8) -> Vec<u8> {
    let mut f = vec![0xff; 6];
    f.extend_from_slice(&[2, 0, 0, 0, 0, tag, 0x08, 0x06, 0, 1, 8, 0, 6, 4, 0, 1]);
    f.resize(60, 0);
    f
}

fn until(what: &str, cond: impl Fn() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while !cond() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(2));
    }
}

struct Agent {
    opened: Opened,
    woken: Arc<(Mutex<bool>, Condvar)>,
}

impl Agent {
    fn open(path: &str, options: ChannelOptions) -> Agent {
        let woken = Arc::new((Mutex::new(false), Condvar::new()));
        let w = woken.clone();
        let opened = open(path, options, Box::new(move || {
            *w.0.lock().unwrap() = true;
            w.1.notify_all();
        }))
        .expect("pkt0 pipe");
        assert!(opened.connect().unwrap());
        Agent { opened, woken }
    }

    fn take(&self, n: usize) -> Vec<Vec<u8>> {
        let deadline = Instant::now() + Duration::from_secs(10);
        let mut out = Vec::new();
        while out.len() < n {
            match self.opened.channel.take(n - out.len()) {
                Some(b) => out.extend(b.iter().map(<[u8]>::to_vec)),
                None => {
                    let g = self.woken.0.lock().unwrap();
                    let (mut g, _) = self.woken.1.wait_timeout_while(g, Duration::from_millis(200), |w| !*w).unwrap();
                    *g = false;
                    assert!(Instant::now() < deadline, "only {} of {n} frames arrived", out.len());
                }
            }
        }
        out
    }
}

#[test]
fn traps_arrive_through_pending_reads_and_frames_go_back_one_write_each() {
    let pipe = Pkt0Pipe::bind(&pipe_name("traps"), datapath()).unwrap();
    let agent = Agent::open(pipe.path(), ChannelOptions::default());
    until("the simulator has the agent", || pipe.connected());
    for tag in 0..3u8 {
        pipe.inject(&arp_frame(tag), 3).unwrap();
    }
    let got = agent.take(3);
    for (tag, raw) in got.iter().enumerate() {
        let f = parse_pkt0_frame(raw).unwrap();
        assert_eq!(f.outer, OuterEthernet::vrouter_to_agent(PKT0_MAC));
        assert_eq!(f.header, AgentHeader::with_cmd(AgentCmd::TRAP_ARP, 3, 2));
        assert_eq!(f.inner, &arp_frame(tag as u8)[..]);
    }
    let mut out = Vec::new();
    let a = write_pkt0_frame(&mut out, &AgentHeader::switch(3, 2), &arp_frame(7));
    let b = write_pkt0_frame(&mut out, &AgentHeader::route(3, 2), &arp_frame(8));
    assert_eq!(agent.opened.channel.send(&out, &[a as u32, b as u32]).unwrap(), 2);
    until("two frames re-injected", || pipe.stats().reinjected == 2);
    let re = pipe.reinjected();
    assert_eq!((re[0].header.command(), re[0].packet.clone()), (AgentCmd::CMD_SWITCH, arp_frame(7)));
    assert_eq!((re[1].header.command(), re[1].packet.clone()), (AgentCmd::CMD_ROUTE, arp_frame(8)));
    // A second opener is refused, as the driver refuses it.
    let second = open(pipe.path(), ChannelOptions::default(), Box::new(|| {}));
    assert_eq!(second.err().map(|e| e.kind()), Some(vrouter_io::ErrorKind::Busy));
    // Close ends the pending read at once (CancelIoEx) and closes the handle: the simulator
    // lets the agent go and listens again (a new pipe instance), and the next agent gets in.
    agent.opened.channel.close();
    until("the simulator has let the agent go", || !pipe.connected());
    let deadline = Instant::now() + Duration::from_secs(10);
    let again = loop {
        let woken = Arc::new((Mutex::new(false), Condvar::new()));
        let w = woken.clone();
        let notify = Box::new(move || {
            *w.0.lock().unwrap() = true;
            w.1.notify_all();
        });
        match open(pipe.path(), ChannelOptions::default(), notify) {
            Ok(opened) => break Agent { opened, woken },
            Err(e) if e.kind() == vrouter_io::ErrorKind::Busy && Instant::now() < deadline => std::thread::sleep(Duration::from_millis(5)),
            Err(e) => panic!("reopening: {e}"),
        }
    };
    until("the simulator has the new agent", || pipe.connected());
    pipe.inject(&arp_frame(9), 3).unwrap();
    assert_eq!(parse_pkt0_frame(&again.take(1)[0]).unwrap().inner, &arp_frame(9)[..]);
    pipe.close();
}

#[test]
fn a_flood_into_a_stalled_consumer_stays_within_the_bound() {
    let pipe = Pkt0Pipe::bind(&pipe_name("stall"), datapath()).unwrap();
    let limits = vrouter_io::pkt0::QueueLimits { max_packets: 100, max_bytes: 1 << 20 };
    let agent = Agent::open(pipe.path(), ChannelOptions { limits, ..Default::default() });
    until("the simulator has the agent", || pipe.connected());
    assert_eq!(pipe.flood(64, 1000).unwrap(), 1000);
    until("every frame read", || agent.opened.channel.stats().received == 1000);
    let s = agent.opened.channel.stats();
    assert_eq!((s.queue.queued, s.queue.dropped), (100, 900));
    assert_eq!(agent.take(100).len(), 100);
    pipe.close();
}
