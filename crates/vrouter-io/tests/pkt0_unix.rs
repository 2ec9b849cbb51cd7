//! The agent's pkt0 channel over the DPDK datagram pair, with the test in vRouter's place (bound
//! at `dpdk_pkt0`): what the channel checks and counts on each frame it reads, the queue's
//! bounds, and what it sends.
#![cfg(target_os = "linux")]

use std::os::unix::net::UnixDatagram;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use vrouter_io::pkt0::{open, ChannelOptions, DropPolicy, Opened, QueueLimits, AGENT_PKT0, DPDK_PKT0};
use vrouter_proto::agent_header::{parse_pkt0_frame, write_pkt0_frame_with, AgentHeader, OuterEthernet};

struct Dir(PathBuf);

impl Dir {
    fn new(name: &str) -> Dir {
        let d = std::env::temp_dir().join(format!("vrouter-io-pkt0-{}-{name}", std::process::id()));
        std::fs::create_dir_all(&d).unwrap();
        Dir(d)
    }
}

impl Drop for Dir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The test as vRouter: bound at dpdk_pkt0, the channel bound at agent_pkt0 and connected.
fn pair(dir: &Dir, options: ChannelOptions) -> (UnixDatagram, Opened) {
    let vrouter = UnixDatagram::bind(dir.0.join(DPDK_PKT0)).unwrap();
    let agent = open(&format!("unix:{}", dir.0.join(AGENT_PKT0).display()), options, Box::new(|| {})).unwrap();
    assert!(agent.connect().unwrap());
    vrouter.connect(dir.0.join(AGENT_PKT0)).unwrap();
    (vrouter, agent)
}

fn frame(cmd: u16, inner_len: usize) -> Vec<u8> {
    let mut v = Vec::new();
    let header = AgentHeader { ifindex: 3, vrf: 1, cmd, ..Default::default() };
    write_pkt0_frame_with(&mut v, &OuterEthernet::vrouter_to_agent([2; 6]), &header, &vec![0x5a; inner_len]);
    v
}

fn until(what: &str, cond: impl Fn() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while !cond() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(1));
    }
}

#[test]
fn frames_are_checked_counted_and_delivered_in_order() {
    let dir = Dir::new("check");
    let (vrouter, agent) = pair(&dir, ChannelOptions::default());
    vrouter.send(&frame(2, 60)).unwrap(); // TRAP_ARP
    vrouter.send(&frame(2, 0)[..44]).unwrap(); // headers only: invalid
    vrouter.send(&[0u8; 10]).unwrap(); // not even an agent header
    vrouter.send(&frame(99, 20)).unwrap(); // a command vRouter does not define: delivered, counted
    vrouter.send(&frame(6, 12_000)).unwrap(); // longer than any frame the agent takes
    vrouter.send(&frame(7, 1)).unwrap();
    let c = &agent.channel;
    until("six frames read", || c.stats().received == 6);
    let s = c.stats();
    assert_eq!((s.invalid_short, s.oversize, s.unknown_command, s.queue.queued), (2, 1, 1, 3));
    let got = c.take(100).unwrap();
    let cmds: Vec<u16> = got.iter().map(|f| parse_pkt0_frame(f).unwrap().header.cmd).collect();
    assert_eq!(cmds, [2, 99, 7]);
    assert!(c.take(100).is_none());
}

#[test]
fn sends_are_one_datagram_per_frame_and_bad_lengths_are_refused() {
    let dir = Dir::new("send");
    let (vrouter, agent) = pair(&dir, ChannelOptions::default());
    let (a, b) = (frame(0, 60), frame(1, 100));
    let bytes = [a.clone(), b.clone()].concat();
    assert_eq!(agent.channel.send(&bytes, &[a.len() as u32, b.len() as u32]).unwrap(), 2);
    let mut buf = vec![0u8; 65536];
    let n = vrouter.recv(&mut buf).unwrap();
    assert_eq!(&buf[..n], &a[..]);
    let n = vrouter.recv(&mut buf).unwrap();
    assert_eq!(&buf[..n], &b[..]);
    let err = agent.channel.send(&bytes, &[10]).unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput);
    assert_eq!(agent.channel.stats().sent, 2);
}

#[test]
fn pause_stops_reading_until_the_consumer_takes() {
    let dir = Dir::new("pause");
    let options = ChannelOptions { limits: QueueLimits { max_packets: 8, max_bytes: 1 << 20 }, policy: DropPolicy::Pause };
    let (vrouter, agent) = pair(&dir, options);
    for _ in 0..8 {
        vrouter.send(&frame(2, 60)).unwrap();
    }
    until("eight frames queued", || agent.channel.stats().queue.queued == 8);
    // The queue is full: the reader waits, and these stay in the socket rather than being dropped.
    for _ in 0..20 {
        vrouter.send(&frame(2, 60)).unwrap();
    }
    let mut taken = 0;
    let deadline = Instant::now() + Duration::from_secs(10);
    while taken < 28 {
        assert!(Instant::now() < deadline, "only {taken} of 28 frames taken: {:?}", agent.channel.stats());
        match agent.channel.take(100) {
            Some(b) => taken += b.len(),
            None => std::thread::sleep(Duration::from_millis(1)),
        }
    }
    let s = agent.channel.stats();
    assert_eq!((s.received, s.queue.dropped, s.queue.delivered), (28, 0, 28));
}

#[test]
fn a_second_agent_on_a_live_socket_is_refused_and_close_frees_the_path() {
    let dir = Dir::new("busy");
    let (_vrouter, agent) = pair(&dir, ChannelOptions::default());
    let second = open(&format!("unix:{}", dir.0.join(AGENT_PKT0).display()), ChannelOptions::default(), Box::new(|| {}));
    assert!(second.is_err());
    agent.channel.close();
    assert!(!dir.0.join(AGENT_PKT0).exists());
    let third = open(&format!("unix:{}", dir.0.join(AGENT_PKT0).display()), ChannelOptions::default(), Box::new(|| {}));
    assert!(third.is_ok());
}
