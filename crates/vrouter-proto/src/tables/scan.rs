//! Walking a live flow or bridge table for the entries in use (what `flow -l` lists), copying each
//! one out consistently and testing it against a filter.
//!
//! The walk looks at two bytes per free slot (hentry flags and `fe_flags`) and copies only the
//! slots in use, through [`read_flow_entry`] / [`read_bridge_entry`]: an entry the datapath is
//! rewriting is retried a few times and then skipped (counted), never handed out torn.

use std::net::IpAddr;

use super::bridge_entry::BE_FLAGS;
use super::consistent_read::{read_bridge_entry, BridgeEntryCopy, FlowEntryCopy, ReadError};
use super::constants::{BRIDGE_FLAG_VALID, FLOW_FLAG_ACTIVE, HENTRY_VALID};
use super::flow_entry::FlowEntryRef;
use super::flow_layout::FlowLayout;
use super::geometry::{BRIDGE_ENTRY_SIZE, FLOW_ENTRY_SIZE};
use super::memory::TableBytes;

/// How many entries ahead of the one it reads a scan asks the memory system for.
const PREFETCH_AHEAD: usize = 16;

/// How many times an entry that changed while being copied is copied again before it is skipped.
pub const TORN_RETRIES: u32 = 4;

/// An address with a prefix length: matches the addresses whose first `len` bits are the same.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Prefix {
    /// The address.
    pub addr: IpAddr,
    /// Bits compared (32 / 128 for an exact address).
    pub len: u8,
}

impl Prefix {
    /// `addr` exactly.
    pub fn exact(addr: IpAddr) -> Self {
        let len = if addr.is_ipv4() { 32 } else { 128 };
        Self { addr, len }
    }

    /// `addr`/`len`; `None` when `len` is longer than the address.
    pub fn new(addr: IpAddr, len: u8) -> Option<Self> {
        let max = if addr.is_ipv4() { 32 } else { 128 };
        (len <= max).then_some(Self { addr, len })
    }

    /// `ip` falls in the prefix (an address of the other family never does).
    pub fn contains(&self, ip: IpAddr) -> bool {
        let (a, b, bits) = match (self.addr, ip) {
            (IpAddr::V4(a), IpAddr::V4(b)) => (u128::from(u32::from(a)) << 96, u128::from(u32::from(b)) << 96, self.len),
            (IpAddr::V6(a), IpAddr::V6(b)) => (u128::from(a), u128::from(b), self.len),
            _ => return false,
        };
        if bits == 0 {
            return true;
        }
        let mask = u128::MAX << (128 - u32::from(bits));
        a & mask == b & mask
    }
}

/// Which active flow entries a scan returns; every condition set must hold.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FlowFilter {
    /// IP protocol.
    pub proto: Option<u8>,
    /// Source address (or prefix).
    pub src: Option<Prefix>,
    /// Destination address (or prefix).
    pub dst: Option<Prefix>,
    /// Either address (what `flow --match ADDR` does).
    pub addr: Option<Prefix>,
    /// Source port (host order).
    pub sport: Option<u16>,
    /// Destination port (host order).
    pub dport: Option<u16>,
    /// Either port.
    pub port: Option<u16>,
    /// `fe_vrf`.
    pub vrf: Option<u16>,
    /// `fe_action`.
    pub action: Option<u16>,
    /// Bits all set in `fe_flags`.
    pub flags_all: u16,
    /// At least this many bytes counted.
    pub min_bytes: u64,
    /// At least this many packets counted.
    pub min_packets: u64,
}

impl FlowFilter {
    /// Whether this filter lets every active entry through (the scan then skips the test).
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }

    /// Whether the (copied) entry passes.
    pub fn matches<B: TableBytes + ?Sized>(&self, entry: &FlowEntryRef<'_, B>) -> bool {
        if entry.flags() & self.flags_all != self.flags_all
            || self.vrf.is_some_and(|v| v != entry.vrf())
            || self.action.is_some_and(|a| a != entry.action())
        {
            return false;
        }
        if self.min_bytes > 0 || self.min_packets > 0 {
            let s = entry.stats();
            if s.total_bytes() < self.min_bytes || s.total_packets() < self.min_packets {
                return false;
            }
        }
        let needs_key = self.proto.is_some()
            || self.src.is_some()
            || self.dst.is_some()
            || self.addr.is_some()
            || self.sport.is_some()
            || self.dport.is_some()
            || self.port.is_some();
        if !needs_key {
            return true;
        }
        let Some(key) = entry.key() else { return false };
        let (sip, dip) = (key.sip(), key.dip());
        self.proto.is_none_or(|p| p == key.proto())
            && self.src.is_none_or(|p| p.contains(sip))
            && self.dst.is_none_or(|p| p.contains(dip))
            && self.addr.is_none_or(|p| p.contains(sip) || p.contains(dip))
            && self.sport.is_none_or(|p| p == key.sport())
            && self.dport.is_none_or(|p| p == key.dport())
            && self.port.is_none_or(|p| p == key.sport() || p == key.dport())
    }
}

/// Where a scan stopped and what it skipped.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ScanProgress {
    /// The first index not looked at (the end of the range when the scan finished it).
    pub next: u32,
    /// Entries handed to the callback.
    pub delivered: u32,
    /// In-use entries that changed while being copied, on every retry: left out.
    pub torn: u32,
}

/// Copies a flow entry, retrying while it changes under the copy; `Ok(None)` when it was still
/// changing after [`TORN_RETRIES`] attempts.
pub fn read_flow_entry_retrying<B: TableBytes + ?Sized>(
    table: &B,
    layout: FlowLayout,
    index: u32,
) -> Result<Option<FlowEntryCopy>, ReadError> {
    let mut copy = FlowEntryCopy::new(layout);
    Ok(read_retrying_into(table, layout, index, &mut copy)?.then_some(copy))
}

/// [`read_flow_entry_retrying`] into `copy` (reused: nothing is moved or allocated): `Ok(false)`
/// when the entry kept changing.
pub fn read_retrying_into<B: TableBytes + ?Sized>(
    table: &B,
    layout: FlowLayout,
    index: u32,
    copy: &mut FlowEntryCopy,
) -> Result<bool, ReadError> {
    for _ in 0..=TORN_RETRIES {
        match copy.read_from(table, layout, index) {
            Ok(()) => return Ok(true),
            Err(ReadError::Torn { .. }) => std::hint::spin_loop(),
            Err(e) => return Err(e),
        }
    }
    Ok(false)
}

/// Calls `each` with a consistent copy of every active flow entry in `start..end` that passes
/// `filter` (entries whose copy says `ACTIVE`: hentry `VALID` and `fe_flags` `ACTIVE`, as
/// `flow -l` lists them), until it has delivered `max` entries. `end` is clamped to the table.
pub fn scan_flows<B: TableBytes + ?Sized>(
    table: &B,
    layout: FlowLayout,
    start: u32,
    end: u32,
    filter: &FlowFilter,
    max: u32,
    each: impl FnMut(&FlowEntryCopy),
) -> ScanProgress {
    scan_flows_noting_torn(table, layout, start, end, filter, max, each, |_| {})
}

/// [`scan_flows`], also telling `torn` the index of each entry it left out as torn: a scan split
/// into pieces counts the torn entries of a piece it stops in the middle of (before the stop only).
#[allow(clippy::too_many_arguments)] // scan_flows's arguments and one more callback
pub fn scan_flows_noting_torn<B: TableBytes + ?Sized>(
    table: &B,
    layout: FlowLayout,
    start: u32,
    end: u32,
    filter: &FlowFilter,
    max: u32,
    mut each: impl FnMut(&FlowEntryCopy),
    mut torn: impl FnMut(u32),
) -> ScanProgress {
    let size = FLOW_ENTRY_SIZE as usize;
    let end = end.min((table.byte_len() / size).min(u32::MAX as usize) as u32);
    let flags_at = layout.offsets().flags;
    let check = !filter.is_empty();
    let mut p = ScanProgress { next: start, ..ScanProgress::default() };
    let mut copy = FlowEntryCopy::new(layout);
    while p.next < end && p.delivered < max {
        let index = p.next;
        p.next += 1;
        let base = index as usize * size;
        // Memory, not work, is what a scan waits for, so it asks ahead, for no more than it reads:
        // the line holding fe_flags of the entry 2N ahead (into L2: measured on the default
        // table after the caches were flushed, 9.6 against 9.3 ms a pass on two threads), and the
        // rest of the entry N ahead if that one's flags (asked for N entries ago) say it is in use.
        let ahead = base + PREFETCH_AHEAD * size;
        table.prefetch_outer(ahead + PREFETCH_AHEAD * size + flags_at, 1);
        if ahead + size <= table.byte_len() && table.read_u8(ahead + flags_at) & FLOW_FLAG_ACTIVE as u8 != 0 {
            table.prefetch(ahead, layout.fields_end());
        }
        // The cheap test on the live bytes; the copy decides.
        if table.read_u8(base + flags_at) & FLOW_FLAG_ACTIVE as u8 == 0 {
            continue;
        }
        if !matches!(read_retrying_into(table, layout, index, &mut copy), Ok(true)) {
            p.torn += 1;
            torn(index);
            continue;
        }
        let view = copy.view();
        if view.hentry_flags() & HENTRY_VALID == 0 || !view.is_active() {
            continue;
        }
        if check && !filter.matches(&view) {
            continue;
        }
        each(&copy);
        p.delivered += 1;
    }
    p
}

/// Which valid bridge entries a scan returns.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct BridgeFilter {
    /// `be_key.be_vrf_id`.
    pub vrf: Option<u16>,
    /// The MAC address.
    pub mac: Option<[u8; 6]>,
}

/// Calls `each` with a consistent copy of every valid bridge entry (hentry `VALID`, `be_flags`
/// `VALID`) in `start..end` that passes `filter`, until `max` were delivered.
pub fn scan_bridge<B: TableBytes + ?Sized>(
    table: &B,
    start: u32,
    end: u32,
    filter: &BridgeFilter,
    max: u32,
    mut each: impl FnMut(&BridgeEntryCopy),
) -> ScanProgress {
    let size = BRIDGE_ENTRY_SIZE as usize;
    let end = end.min((table.byte_len() / size).min(u32::MAX as usize) as u32);
    let mut p = ScanProgress { next: start, ..ScanProgress::default() };
    while p.next < end && p.delivered < max {
        let index = p.next;
        p.next += 1;
        let base = index as usize * size;
        if table.read_u16_le(base + BE_FLAGS) & BRIDGE_FLAG_VALID == 0 {
            continue;
        }
        let mut copy = None;
        for _ in 0..=TORN_RETRIES {
            match read_bridge_entry(table, index) {
                Ok(c) => {
                    copy = Some(c);
                    break;
                }
                Err(_) => std::hint::spin_loop(),
            }
        }
        let Some(copy) = copy else {
            p.torn += 1;
            continue;
        };
        let view = copy.view();
        if !view.is_live() {
            continue;
        }
        let key = view.key();
        if filter.vrf.is_some_and(|v| v != key.vrf) || filter.mac.is_some_and(|m| m != key.mac) {
            continue;
        }
        each(&copy);
        p.delivered += 1;
    }
    p
}

/// Whether a copied flow entry is one a scan returns (for single reads: `get`, `lookup`).
pub fn flow_copy_is_active(copy: &FlowEntryCopy) -> bool {
    let v = copy.view();
    v.hentry_flags() & HENTRY_VALID != 0 && v.is_active()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tables::{init_table, FlowKey, FlowTableWriter, TableGeometry};
    use std::net::Ipv4Addr;

    #[test]
    fn prefixes() {
        let p = Prefix::new("10.1.0.0".parse().unwrap(), 16).unwrap();
        assert!(p.contains("10.1.200.3".parse().unwrap()));
        assert!(!p.contains("10.2.0.1".parse().unwrap()));
        assert!(!p.contains("::1".parse().unwrap()));
        assert!(Prefix::new("0.0.0.0".parse().unwrap(), 0).unwrap().contains("1.2.3.4".parse().unwrap()));
        assert!(Prefix::new("1.2.3.4".parse().unwrap(), 33).is_none());
    }

    #[test]
    fn scans_active_entries_with_filters() {
        let g = TableGeometry::new(64, None, FLOW_ENTRY_SIZE).unwrap();
        let mut buf = vec![0u8; g.byte_len() as usize];
        init_table(&mut buf[..], &g).unwrap();
        let mut w = FlowTableWriter::attach(&mut buf[..], &g, FlowLayout::Tf2024).unwrap();
        let mut placed = Vec::new();
        for i in 0..20u16 {
            let proto = if i % 2 == 0 { 6 } else { 17 };
            let key = FlowKey::inet(proto, Ipv4Addr::new(10, 0, 0, 1), Ipv4Addr::new(10, 0, 1, i as u8), 1000 + i, 80, 7);
            placed.push(w.insert(&key).unwrap().index);
        }
        w.release(placed[3]).unwrap();
        let table = w.into_inner();
        let mut seen = Vec::new();
        let p = scan_flows(&table[..], FlowLayout::Tf2024, 0, u32::MAX, &FlowFilter::default(), u32::MAX, |c| seen.push(c.index()));
        assert_eq!((p.delivered, p.torn, seen.len()), (19, 0, 19));
        let tcp = FlowFilter { proto: Some(6), ..FlowFilter::default() };
        let p = scan_flows(&table[..], FlowLayout::Tf2024, 0, u32::MAX, &tcp, u32::MAX, |_| {});
        assert_eq!(p.delivered, 10);
        let one = FlowFilter { dst: Some(Prefix::exact("10.0.1.4".parse().unwrap())), sport: Some(1004), ..FlowFilter::default() };
        let mut found = Vec::new();
        scan_flows(&table[..], FlowLayout::Tf2024, 0, u32::MAX, &one, u32::MAX, |c| found.push(c.index()));
        assert_eq!(found, vec![placed[4]]);
        let p = scan_flows(&table[..], FlowLayout::Tf2024, 0, u32::MAX, &FlowFilter::default(), 5, |_| {});
        assert_eq!(p.delivered, 5);
        assert!(p.next < g.total_entries());
    }

    #[test]
    fn scans_in_batches_from_any_start_see_every_entry_once() {
        let g = TableGeometry::new(256, None, FLOW_ENTRY_SIZE).unwrap();
        let mut buf = vec![0u8; g.byte_len() as usize];
        init_table(&mut buf[..], &g).unwrap();
        let mut w = FlowTableWriter::attach(&mut buf[..], &g, FlowLayout::Tf2024).unwrap();
        for i in 0..150u16 {
            let key = FlowKey::inet(6, Ipv4Addr::new(10, 0, (i >> 8) as u8, i as u8), Ipv4Addr::new(10, 1, 0, 1), 1000 + i, 80, 7);
            w.insert(&key).unwrap();
        }
        let table = w.into_inner();
        let all = |from: u32, to: u32| {
            let mut seen = Vec::new();
            scan_flows(&table[..], FlowLayout::Tf2024, from, to, &FlowFilter::default(), u32::MAX, |c| seen.push(c.index()));
            seen
        };
        let every = all(0, u32::MAX);
        assert_eq!(every.len(), 150);
        // Batches of every size, as active() asks for them: each resumes where the last stopped.
        for batch in [1, 3, 31, 32, 33, 64, 100] {
            let (mut next, mut got) = (0, Vec::new());
            loop {
                let p = scan_flows(&table[..], FlowLayout::Tf2024, next, u32::MAX, &FlowFilter::default(), batch, |c| got.push(c.index()));
                assert!(p.delivered <= batch);
                next = p.next;
                if p.delivered < batch {
                    break;
                }
            }
            assert_eq!(got, every, "batches of {batch}");
        }
        // Ranges that start and end anywhere.
        for (from, to) in [(5, 77), (31, 33), (40, 40), (100, 2000)] {
            let want: Vec<u32> = every.iter().copied().filter(|&i| i >= from && i < to).collect();
            assert_eq!(all(from, to), want, "range {from}..{to}");
        }
    }

    /// Timing of the scan over a default-size table, half active, in this process's memory: a tool
    /// for tuning (`cargo test --release -p vrouter-proto --lib scan_speed -- --ignored --nocapture`),
    /// not a check.
    #[test]
    #[ignore]
    fn scan_speed() {
        use std::sync::atomic::AtomicU8;
        use std::time::Instant;
        let g = TableGeometry::new(crate::tables::DEFAULT_FLOW_ENTRIES, None, FLOW_ENTRY_SIZE).unwrap();
        let mem: Vec<AtomicU8> = (0..g.byte_len()).map(|_| AtomicU8::new(0)).collect();
        let shared: &[AtomicU8] = &mem;
        init_table(shared, &g).unwrap();
        let mut w = FlowTableWriter::attach(shared, &g, FlowLayout::Tf2024).unwrap();
        let mut x = 88172645463325252u64;
        let mut n = 0;
        while n < g.total_entries() / 2 {
            x ^= x << 13; x ^= x >> 7; x ^= x << 17;
            let key = FlowKey::inet(6, Ipv4Addr::from((x >> 32) as u32), Ipv4Addr::from(x as u32), (x >> 16) as u16, 80, 7);
            if w.insert(&key).is_ok() { n += 1; }
        }
        let f = FlowFilter::default();
        let mut best = f64::MAX;
        let mut count = 0;
        for _ in 0..21 {
            let t = Instant::now();
            count = scan_flows(shared, FlowLayout::Tf2024, 0, u32::MAX, &f, u32::MAX, |c| { std::hint::black_box(c); }).delivered;
            best = best.min(t.elapsed().as_secs_f64());
        }
        eprintln!("scan_flows: {:.1} ms, {:.1} M active/s (best of 21)", best * 1e3, f64::from(count) / best / 1e6);
    }
}
