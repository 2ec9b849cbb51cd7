//! A test mode of the datapath: a writer that churns the flow table as fast as it can — inserting
//! flows, counting traffic on them, releasing them, reusing their slots — and stamps every flow it
//! places with a *check value* derived from its key and gen id, written before the flow is
//! published. A reader that copies entries while this runs can then prove each copy whole: a copy
//! whose check value does not match its own key and gen id mixes two occupants of the slot.
//!
//! The churned flows are UDP from 192.168.0.0/16 to 10.200.0.0/16 (nexthop [`CHURN_NH`]), apart
//! from what traffic and the agent create. The check value sits in three fields vRouter's
//! re-validation does not cover: `fe_tcp_seq` ([`check_value`]), `fe_src_info` (the same value
//! XOR [`SRC_INFO_MASK`]) and `fe_udp_src_port` (its low 16 bits). Counters change while a flow
//! lives; the check value never does.

use std::net::Ipv4Addr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use vrouter_proto::tables::constants::{FLOW_ACTION_FORWARD, FLOW_FLAG_ACTIVE};
use vrouter_proto::tables::{FlowKey, TableError};

use crate::Datapath;

/// The nexthop id in every churned key.
pub const CHURN_NH: u32 = 0x00c4_0000;
/// What `fe_src_info` holds: the check value XOR this.
pub const SRC_INFO_MASK: u32 = 0xa5a5_a5a5;
/// UDP.
const PROTO: u8 = 17;

/// How to churn.
#[derive(Debug, Clone, PartialEq)]
pub struct ChurnSpec {
    /// Distinct keys cycled through (the live flows number about half of them).
    pub flows: u32,
    /// Stop after this long.
    pub duration: Duration,
    /// Operations per lock of the datapath.
    pub batch: u32,
}

impl Default for ChurnSpec {
    fn default() -> Self {
        Self { flows: 4096, duration: Duration::from_secs(1), batch: 256 }
    }
}

/// What the churn did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ChurnReport {
    /// Flows placed.
    pub inserted: u64,
    /// Flows released.
    pub released: u64,
    /// Counter updates on live flows.
    pub updated: u64,
    /// Inserts refused (table full: every slot of a bucket and the overflow table taken).
    pub refused: u64,
    /// The simulator closed (or the caller stopped it) before the time was up.
    pub stopped: bool,
    /// How long it ran.
    pub elapsed: Duration,
}

/// The `n`-th churned key: UDP 192.168.x.y:(1024 + n % 50000) → 10.200.x.y:53.
pub fn churn_key(n: u32) -> FlowKey {
    let sip = Ipv4Addr::from(0xc0a8_0000 | (n & 0xffff));
    let dip = Ipv4Addr::from(0x0ac8_0000 | ((n >> 16) & 0xffff));
    FlowKey::inet(PROTO, sip, dip, 1024 + (n % 50_000) as u16, 53, CHURN_NH)
}

/// The check value of a flow with these key fields (addresses as host-order integers, ports in
/// host order) and gen id. lib/sim.ts computes the same (`churnCheckValue`).
pub fn check_value(sip: u32, dip: u32, sport: u16, dport: u16, gen_id: u8) -> u32 {
    let a = (sip ^ (u32::from(sport) << 16 | u32::from(dport))).wrapping_mul(0x9e37_79b1);
    let b = dip.wrapping_add(u32::from(gen_id)).wrapping_mul(0x85eb_ca77);
    a ^ b
}

/// The check value of `key` at `gen_id`.
pub fn check_value_of(key: &FlowKey, gen_id: u8) -> u32 {
    let ip = |a: std::net::IpAddr| match a {
        std::net::IpAddr::V4(a) => u32::from(a),
        std::net::IpAddr::V6(_) => 0,
    };
    check_value(ip(key.sip()), ip(key.dip()), key.sport(), key.dport(), gen_id)
}

/// A small, fast generator (xorshift64*): the order of operations only has to look random.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u32 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 32) as u32
    }
}

/// Churns the datapath's flow table until `spec.duration` passes or `stop` is set. Each batch
/// takes the datapath's lock once; ksync requests and traffic interleave between batches.
/// Flows it placed are left in the table when it ends.
pub fn run(datapath: &Mutex<Datapath>, spec: &ChurnSpec, stop: &AtomicBool) -> Result<ChurnReport, TableError> {
    let flows = spec.flows.max(1);
    // Where each churned key lives now: (index, gen id), or none.
    let mut placed: Vec<Option<(u32, u8)>> = vec![None; flows as usize];
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut report = ChurnReport::default();
    let start = Instant::now();
    while start.elapsed() < spec.duration {
        if stop.load(Ordering::Relaxed) {
            report.stopped = true;
            break;
        }
        let mut dp = datapath.lock().unwrap_or_else(|p| p.into_inner());
        let Some(tables) = dp.flows.tables_mut() else {
            report.stopped = true;
            break;
        };
        let w = tables.flow_writer();
        for _ in 0..spec.batch.max(1) {
            let n = rng.next() % flows;
            let key = churn_key(n);
            match placed[n as usize] {
                Some((index, gen)) => {
                    // Still ours? A soft reset (or the agent) may have released it meanwhile.
                    let ours = w.entry(index).is_some_and(|e| e.flags() & FLOW_FLAG_ACTIVE != 0 && e.gen_id() == gen && e.key() == Some(key));
                    if !ours {
                        placed[n as usize] = None;
                    } else if rng.next() % 4 == 0 {
                        w.add_stats(index, 64 + n % 1400, 1)?;
                        report.updated += 1;
                    } else {
                        w.release(index)?;
                        placed[n as usize] = None;
                        report.released += 1;
                    }
                }
                None => {
                    let slot = w.insert_with(&key, |slot, e| {
                        let check = check_value_of(&key, slot.gen_id);
                        e.set_tcp_seq(check);
                        e.set_src_info(check ^ SRC_INFO_MASK);
                        e.set_udp_src_port(check as u16);
                        e.set_action(FLOW_ACTION_FORWARD);
                    });
                    match slot {
                        Ok(slot) => {
                            placed[n as usize] = Some((slot.index, slot.gen_id));
                            report.inserted += 1;
                        }
                        Err(TableError::Exists { .. }) => {}
                        Err(_) => report.refused += 1,
                    }
                }
            }
        }
    }
    report.elapsed = start.elapsed();
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_distinct_and_checks_depend_on_gen_id() {
        let keys: std::collections::HashSet<_> = (0..100_000).map(churn_key).collect();
        assert_eq!(keys.len(), 100_000);
        let k = churn_key(7);
        assert_ne!(check_value_of(&k, 1), check_value_of(&k, 2));
        assert_eq!(check_value_of(&k, 1), check_value(0xc0a8_0007, 0x0ac8_0000, 1031, 53, 1));
    }
}
