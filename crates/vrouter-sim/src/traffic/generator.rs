//! A traffic source: many distinct flows from the VMs behind policy-enabled vifs, pushed
//! through [`inject`] as fast as the datapath takes them (or at a given rate), so that the flow
//! table fills and FLOW_MISS traps stream to the agent.
//!
//! Packets go in batches: the datapath's lock is taken once per batch, frames are built in one
//! reused buffer, and the batch's trap frames are sent after the lock is released, in one
//! `sendmmsg` where the platform has it. Packet `p` belongs to flow `p % flows`, so the first
//! `flows` packets create the flows (and trap), and later rounds find them.

use std::fmt;
use std::net::Ipv4Addr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use super::inject::{inject, Injected, VIF_POLICY_ENABLED};
use super::synth::{nth_tuple, write_frame};
use crate::pkt0::{TrapBatch, TrapSink};
use vrouter_proto::tables::FlowKey;

/// How many packets ahead the flow buckets are prefetched: enough to cover a memory access
/// while the packets in between are processed.
const PREFETCH_AHEAD: u64 = 8;
use crate::Datapath;

/// What traffic to send.
#[derive(Debug, Clone, PartialEq)]
pub struct TrafficSpec {
    /// Distinct flows (5-tuples), spread over the vifs round-robin.
    pub flows: u32,
    /// Packets sent on each flow.
    pub packets_per_flow: u32,
    /// Packets per second; `None`: as fast as possible.
    pub rate: Option<f64>,
    /// Send from this vif only; `None`: from every vif with POLICY_ENABLED.
    pub vif: Option<u32>,
    /// Packets per batch (per lock of the datapath).
    pub batch: usize,
}

impl Default for TrafficSpec {
    fn default() -> Self {
        TrafficSpec { flows: 1000, packets_per_flow: 1, rate: None, vif: None, batch: 256 }
    }
}

/// What happened to the traffic.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TrafficReport {
    /// Packets injected.
    pub packets: u64,
    /// Packets trapped to the agent (FLOW_MISS and others).
    pub trapped: u64,
    /// Packets queued on a HOLD flow behind its trapped packet.
    pub held: u64,
    /// Packets forwarded by their flow.
    pub forwarded: u64,
    /// Packets dropped (by the flow's action, full hold queues, the hold limit, a full table).
    pub dropped: u64,
    /// Packets that needed no flow (the vif has no policy).
    pub passed: u64,
    /// Trap frames handed to the agent's socket.
    pub traps_sent: u64,
    /// Trap frames dropped (no agent, or its socket full).
    pub traps_dropped: u64,
    /// Time from the first packet to the last send.
    pub elapsed: Duration,
    /// Stopped before all packets went.
    pub stopped: bool,
}

impl TrafficReport {
    /// Packets injected per second.
    pub fn packets_per_second(&self) -> f64 {
        per_second(self.packets, self.elapsed)
    }

    /// Trap frames generated per second (sent or not).
    pub fn traps_per_second(&self) -> f64 {
        per_second(self.trapped, self.elapsed)
    }
}

fn per_second(n: u64, d: Duration) -> f64 {
    if d.is_zero() {
        0.0
    } else {
        n as f64 / d.as_secs_f64()
    }
}

/// Why traffic could not start.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TrafficError {
    /// The vif asked for does not exist.
    NoSuchVif(u32),
    /// No vif has POLICY_ENABLED (and none was named).
    NoPolicyVifs,
}

impl fmt::Display for TrafficError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TrafficError::NoSuchVif(i) => write!(f, "no interface with index {i}"),
            TrafficError::NoPolicyVifs => f.write_str("no interface has POLICY_ENABLED to send flows from"),
        }
    }
}

impl std::error::Error for TrafficError {}

/// A VM behind a vif: where its packets come from.
#[derive(Debug, Clone, Copy)]
struct Source {
    vif: u32,
    nh: u32,
    vm_mac: [u8; 6],
    gateway_mac: [u8; 6],
    ip: Ipv4Addr,
}

fn sources(dp: &Datapath, vif: Option<u32>) -> Result<Vec<Source>, TrafficError> {
    let source = |idx: u32, v: &crate::ksync::interface::Vif| {
        // vifr_ip carries the address's network-order bytes as a native integer.
        let ip = match v.ip {
            0 => Ipv4Addr::new(10, (idx >> 8) as u8, idx as u8, 2),
            ip => Ipv4Addr::from(ip.to_ne_bytes()),
        };
        let vm_mac = [0x02, 0, 0, 0, (idx >> 8) as u8, idx as u8];
        Source { vif: idx, nh: v.nh_id as u32, vm_mac, gateway_mac: v.mac(), ip }
    };
    match vif {
        Some(i) => dp.interfaces.get(i).map(|v| vec![source(i, v)]).ok_or(TrafficError::NoSuchVif(i)),
        None => {
            let all: Vec<_> =
                dp.interfaces.iter().filter(|(_, v)| v.flags() & VIF_POLICY_ENABLED != 0).map(|(i, v)| source(i, v)).collect();
            if all.is_empty() {
                Err(TrafficError::NoPolicyVifs)
            } else {
                Ok(all)
            }
        }
    }
}

/// Sends the traffic on the calling thread until done or until `stop` is set.
pub fn run(
    datapath: &Mutex<Datapath>,
    sink: &dyn TrapSink,
    spec: &TrafficSpec,
    stop: &AtomicBool,
) -> Result<TrafficReport, TrafficError> {
    let sources = sources(&lock(datapath), spec.vif)?;
    let flows = u64::from(spec.flows);
    let total = flows * u64::from(spec.packets_per_flow);
    let batch_len = spec.batch.max(1) as u64;
    let mut report = TrafficReport::default();
    let mut traps = TrapBatch::new();
    let mut frame = Vec::with_capacity(128);
    let start = Instant::now();
    let mut next = 0u64;
    while next < total {
        if stop.load(Ordering::Relaxed) {
            report.stopped = true;
            break;
        }
        let end = total.min(next + batch_len);
        {
            let mut dp = lock(datapath);
            let packet = |p: u64| {
                let flow = p % flows;
                let src = &sources[(flow % sources.len() as u64) as usize];
                (src, nth_tuple(src.ip, (flow / sources.len() as u64) as u32))
            };
            let prefetch = |dp: &Datapath, p: u64| {
                let (src, t) = packet(p);
                dp.prefetch_flow(&FlowKey::inet(t.proto, t.sip, t.dip, t.sport, t.dport, src.nh));
            };
            (next..end.min(next + PREFETCH_AHEAD)).for_each(|p| prefetch(&dp, p));
            for p in next..end {
                if p + PREFETCH_AHEAD < end {
                    prefetch(&dp, p + PREFETCH_AHEAD);
                }
                let (src, tuple) = packet(p);
                write_frame(&mut frame, src.vm_mac, src.gateway_mac, &tuple, p as u16);
                // A vif removed meanwhile: its packets have nowhere to come from.
                match inject(&mut dp, &frame, src.vif, &mut traps) {
                    Ok(outcome) => tally(&mut report, outcome),
                    Err(_) => report.dropped += 1,
                }
            }
        }
        let sent = sink.send_traps(&traps) as u64;
        report.traps_sent += sent;
        report.traps_dropped += traps.len() as u64 - sent;
        traps.clear();
        report.packets += end - next;
        next = end;
        if let Some(rate) = spec.rate.filter(|r| *r > 0.0) {
            let due = start + Duration::from_secs_f64(next as f64 / rate);
            let now = Instant::now();
            if due > now {
                std::thread::sleep(due - now);
            }
        }
    }
    report.elapsed = start.elapsed();
    Ok(report)
}

fn tally(report: &mut TrafficReport, outcome: Injected) {
    match outcome {
        Injected::Trapped { .. } => report.trapped += 1,
        Injected::Held { .. } => report.held += 1,
        Injected::Forwarded { .. } => report.forwarded += 1,
        Injected::Dropped { .. } => report.dropped += 1,
        Injected::Passed => report.passed += 1,
    }
}

fn lock(m: &Mutex<Datapath>) -> std::sync::MutexGuard<'_, Datapath> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// Traffic running on its own thread.
pub struct TrafficRun {
    stop: Arc<AtomicBool>,
    thread: JoinHandle<Result<TrafficReport, TrafficError>>,
}

impl TrafficRun {
    /// Starts [`run`] on a new thread.
    pub fn spawn(
        datapath: Arc<Mutex<Datapath>>,
        sink: Arc<dyn TrapSink + Send + Sync>,
        spec: TrafficSpec,
    ) -> std::io::Result<Self> {
        let stop = Arc::new(AtomicBool::new(false));
        let thread = {
            let stop = stop.clone();
            std::thread::Builder::new()
                .name("vrouter-sim traffic".into())
                .spawn(move || run(&datapath, sink.as_ref(), &spec, &stop))?
        };
        Ok(TrafficRun { stop, thread })
    }

    /// Asks the traffic to stop after the current batch.
    pub fn stop(&self) {
        self.stop.store(true, Ordering::Relaxed);
    }

    /// Waits for the end and returns the report.
    pub fn join(self) -> Result<TrafficReport, TrafficError> {
        self.thread.join().unwrap_or_else(|p| std::panic::resume_unwind(p))
    }
}
