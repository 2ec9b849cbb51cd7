//! pkt0 over a tap device, as with the Linux kernel module: the agent's channel creates tap
//! `vrpkt0` and reads it through a TPACKET_V3 ring; the simulator serves pkt0 on that netdev
//! through an AF_PACKET socket. Each test runs in a network namespace of its own, made by the
//! test thread (unshare(CLONE_NEWNET)), so that it touches none of the host's interfaces.
//!
//! Making a namespace and a tap needs root (CAP_SYS_ADMIN, CAP_NET_ADMIN); without it the tests
//! say so and return. In CI and on the development machine they run as root.
#![cfg(target_os = "linux")]

use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use vrouter_io::pkt0::{open, ChannelOptions, FrameBatch, Opened};
use vrouter_proto::agent_header::{parse_pkt0_frame, write_pkt0_frame, AgentHeader, OuterEthernet};
use vrouter_proto::messages::{AgentCmd, Message, SandeshOp, VifType, VrInterfaceReq};
use vrouter_sim::pkt0::Pkt0Endpoint;
use vrouter_sim::traffic::Injected;
use vrouter_sim::Datapath;

const TAP: &str = "vrpkt0";
const PKT0_MAC: [u8; 6] = [0x02, 0x70, 0x6b, 0x74, 0x30, 0x01];

/// Runs `f` on a thread inside a new network namespace; `None` (after saying why) when this
/// process may not make one.
fn in_netns<T: Send>(f: impl FnOnce() -> T + Send) -> Option<T> {
    std::thread::scope(|s| {
        s.spawn(|| {
            // SAFETY: affects only this thread's namespaces.
            if unsafe { libc::unshare(libc::CLONE_NEWNET) } != 0 {
                eprintln!(
                    "SKIPPED: making a network namespace needs root (unshare(CLONE_NEWNET): {})",
                    std::io::Error::last_os_error()
                );
                return None;
            }
            Some(f())
        })
        .join()
        .expect("test thread")
    })
}

fn add(dp: &mut Datapath, req: VrInterfaceReq) {
    let mut payload = Vec::new();
    Message::from(req).encode(&mut payload);
    let out = dp.handle(&payload).into_buffers();
    let msgs = vrouter_proto::messages::decode_all(&out[0]).messages;
    assert!(matches!(msgs.first(), Some(Message::VrResponse(r)) if r.resp_code == 0), "{msgs:?}");
}

/// A datapath with the AGENT vif and VM vif 3.
fn datapath() -> Arc<Mutex<Datapath>> {
    let mut dp = Datapath::default();
    add(&mut dp, VrInterfaceReq { h_op: SandeshOp::ADD, vifr_idx: 1, vifr_type: VifType::AGENT.0, vifr_name: TAP.into(), vifr_mac: PKT0_MAC.to_vec(), vifr_vrf: 65535, ..Default::default() });
    add(&mut dp, VrInterfaceReq { h_op: SandeshOp::ADD, vifr_idx: 3, vifr_type: VifType::VIRTUAL.0, vifr_name: "tap3".into(), vifr_os_idx: 103, vifr_vrf: 2, vifr_nh_id: 12, ..Default::default() });
    Arc::new(Mutex::new(dp))
}

struct Agent {
    opened: Opened,
    woken: Arc<(Mutex<bool>, Condvar)>,
}

impl Agent {
    fn open() -> Agent {
        let woken = Arc::new((Mutex::new(false), Condvar::new()));
        let w = woken.clone();
        let opened = open(
            &format!("tap:{TAP}"),
            ChannelOptions::default(),
            Box::new(move || {
                *w.0.lock().unwrap() = true;
                w.1.notify_all();
            }),
        )
        .expect("tap channel");
        assert!(opened.connect().unwrap());
        Agent { opened, woken }
    }

    /// The next `n` frames (fails after 10 s: a lost frame, not slowness, is what that means).
    fn take(&self, n: usize) -> Vec<Vec<u8>> {
        let deadline = Instant::now() + Duration::from_secs(10);
        let mut out = Vec::new();
        while out.len() < n {
            match self.opened.channel.take(n - out.len()) {
                Some(b) => out.extend(frames(&b)),
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

fn frames(b: &FrameBatch) -> Vec<Vec<u8>> {
    b.iter().map(<[u8]>::to_vec).collect()
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

#[test]
fn traps_reach_the_agent_through_the_tap_and_its_frames_are_reinjected() {
    in_netns(|| {
        let agent = Agent::open();
        let sim = Pkt0Endpoint::tap(TAP, datapath()).unwrap();
        assert_eq!(sim.agent_endpoint(), format!("tap:{TAP}"));
        for tag in 0..3u8 {
            assert_eq!(sim.inject(&arp_frame(tag), 3), Ok(Injected::Trapped { cmd: AgentCmd::TRAP_ARP, flow: None }));
        }
        let got = agent.take(3);
        for (tag, raw) in got.iter().enumerate() {
            let f = parse_pkt0_frame(raw).unwrap();
            assert_eq!(f.outer, OuterEthernet::vrouter_to_agent(PKT0_MAC));
            assert_eq!(f.header, AgentHeader::with_cmd(AgentCmd::TRAP_ARP, 3, 2));
            assert_eq!(f.inner, &arp_frame(tag as u8)[..]);
        }
        assert_eq!(sim.stats().traps_sent, 3);

        // The agent writes on the tap descriptor: a SWITCH and a ROUTE.
        let mut out = Vec::new();
        let a = write_pkt0_frame(&mut out, &AgentHeader::switch(3, 2), &arp_frame(7));
        let b = write_pkt0_frame(&mut out, &AgentHeader::route(3, 2), &arp_frame(8));
        assert_eq!(agent.opened.channel.send(&out, &[a as u32, b as u32]).unwrap(), 2);
        until("two frames re-injected", || sim.stats().reinjected == 2);
        let re = sim.reinjected();
        assert_eq!((re[0].header.command(), re[0].packet.clone()), (AgentCmd::CMD_SWITCH, arp_frame(7)));
        assert_eq!((re[1].header.command(), re[1].packet.clone()), (AgentCmd::CMD_ROUTE, arp_frame(8)));
        // The agent's own writes do not come back to it.
        assert!(agent.opened.channel.take(10).is_none());
        let s = agent.opened.channel.stats();
        assert_eq!((s.received, s.invalid_short, s.sent), (3, 0, 2));
        sim.close();
        agent.opened.channel.close();
    });
}

#[test]
fn the_simulator_drops_traps_until_the_agent_creates_the_tap() {
    in_netns(|| {
        let sim = Pkt0Endpoint::tap(TAP, datapath()).unwrap();
        sim.inject(&arp_frame(1), 3).unwrap();
        assert_eq!(sim.stats().traps_dropped_absent, 1);
        let agent = Agent::open();
        sim.inject(&arp_frame(2), 3).unwrap();
        let got = agent.take(1);
        assert_eq!(parse_pkt0_frame(&got[0]).unwrap().inner, &arp_frame(2)[..]);
        sim.close();
    });
}

#[test]
fn a_burst_larger_than_a_ring_block_arrives_whole_and_in_order() {
    in_netns(|| {
        let agent = Agent::open();
        let sim = Pkt0Endpoint::tap(TAP, datapath()).unwrap();
        // 2000 traps of 1 KiB packets: two ring blocks' worth, sent in one go. The tap's own
        // queue (1000 frames) would drop; the ring sees every frame as it is transmitted.
        let mut traps = vrouter_sim::pkt0::TrapBatch::new();
        for i in 0..2000u32 {
            let mut p = vec![0u8; 1024];
            p[..4].copy_from_slice(&i.to_be_bytes());
            traps.push(PKT0_MAC, &AgentHeader::with_cmd(AgentCmd::TRAP_L2_PROTOCOLS, 3, 2), &p);
        }
        use vrouter_sim::pkt0::TrapSink;
        assert_eq!(sim.send_traps(&traps), 2000);
        let got = agent.take(2000);
        for (i, raw) in got.iter().enumerate() {
            let f = parse_pkt0_frame(raw).unwrap();
            assert_eq!(u32::from_be_bytes(f.inner[..4].try_into().unwrap()), i as u32);
        }
        sim.close();
    });
}
