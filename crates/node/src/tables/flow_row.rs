//! The columns of a flow entry as JavaScript receives them (lib/tables/flow-entry.ts reads them
//! by these names): every field of `struct vr_flow_entry` a reader uses, decoded (ports in host
//! order, addresses as 16 bytes in network order, IPv4 in the first 4), from a consistent copy.

use std::cell::Cell;

use vrouter_proto::tables::{
    FlowEntryCopy, FlowEntryRef, FlowLayout, FlowStats, FE_KEY, FLOW_KEY_LEN_INET, FLOW_KEY_LEN_INET6, FLOW_KEY_REGION,
};

use super::columns::columns;

/// The key's columns, decoded straight from the copy's key bytes (a released entry's key, of
/// neither length, reads as zeros): the same values `FlowKey` gives, without building one.
#[derive(Default, Clone, Copy)]
pub struct KeyColumns {
    pub family: u8,
    pub proto: u8,
    pub sport: u16,
    pub dport: u16,
    pub nh: u32,
    /// Network order; IPv4 in the first 4 bytes.
    pub sip: [u8; 16],
    pub dip: [u8; 16],
}

impl KeyColumns {
    #[inline(always)]
    fn of(entry: &[u8; 256]) -> Self {
        let k: &[u8; FLOW_KEY_REGION] = entry[FE_KEY..FE_KEY + FLOW_KEY_REGION].try_into().expect("45 bytes");
        let mut out = Self::default();
        let len = k[FLOW_KEY_REGION - 1];
        if len != FLOW_KEY_LEN_INET && len != FLOW_KEY_LEN_INET6 {
            return out;
        }
        out.family = k[0];
        out.proto = k[1];
        out.sport = u16::from_be_bytes([k[4], k[5]]);
        out.dport = u16::from_be_bytes([k[6], k[7]]);
        out.nh = u32::from_le_bytes([k[8], k[9], k[10], k[11]]);
        if len == FLOW_KEY_LEN_INET {
            out.sip[..4].copy_from_slice(&k[12..16]);
            out.dip[..4].copy_from_slice(&k[16..20]);
        } else {
            out.sip.copy_from_slice(&k[12..28]);
            out.dip.copy_from_slice(&k[28..44]);
        }
        out
    }
}

/// What the columns are read from: a copy, its view, key and counters, each decoded once.
pub struct FlowSource<'a> {
    pub copy: &'a FlowEntryCopy,
    pub v: FlowEntryRef<'a>,
    pub key: KeyColumns,
    pub stats: FlowStats,
}

impl<'a> FlowSource<'a> {
    #[inline(always)]
    pub fn new(copy: &'a FlowEntryCopy) -> Self {
        Self::in_layout(copy, copy.view().layout())
    }

    /// The source of `copy`, read with `layout` (the copy's own): a constant `layout` lets the
    /// compiler read every field at a fixed offset.
    #[inline(always)]
    pub fn in_layout(copy: &'a FlowEntryCopy, layout: FlowLayout) -> Self {
        debug_assert!(copy.view().layout() == layout);
        let v = FlowEntryRef::at(&copy.bytes()[..], 0, layout).expect("a copy holds one whole entry");
        Self { copy, v, key: KeyColumns::of(copy.bytes()), stats: v.stats() }
    }
}

columns!(FlowRow, staged FlowStage, &FlowSource<'_>, |c| {
    index: u32 = c.copy.index(),
    genId: u8 = c.v.gen_id(),
    hentryFlags: u8 = c.v.hentry_flags(),
    flags: u16 = c.v.flags(),
    flags1: u16 = c.v.flags1().unwrap_or(0),
    action: u16 = c.v.action(),
    tcpFlags: u16 = c.v.tcp_flags(),
    vrf: u16 = c.v.vrf(),
    dvrf: u16 = c.v.dvrf(),
    rflow: i32 = c.v.rflow(),
    family: u8 = c.key.family,
    proto: u8 = c.key.proto,
    keyLen: u8 = c.v.key_len(),
    sport: u16 = c.key.sport,
    dport: u16 = c.key.dport,
    keyNh: u32 = c.key.nh,
    sip: [u8; 16] = c.key.sip,
    dip: [u8; 16] = c.key.dip,
    srcNh: u32 = c.v.src_nh_index(),
    bytes: u32 = c.stats.bytes,
    bytesOflow: u16 = c.stats.bytes_oflow,
    packets: u32 = c.stats.packets,
    packetsOflow: u8 = c.stats.packets_oflow,
    mirrorId: u8 = c.v.mirror_id(),
    secMirrorId: u8 = c.v.sec_mirror_id(),
    ecmpNh: i8 = c.v.ecmp_nh_index(),
    dropReason: u8 = c.v.drop_reason(),
    flowType: u8 = c.v.flow_type(),
    udpSrcPort: u16 = c.v.udp_src_port(),
    srcInfo: u32 = c.v.src_info(),
    ttl: u8 = c.v.ttl(),
    qosId: i16 = c.v.qos_id(),
    tcpSeq: u32 = c.v.tcp_seq(),
    tcpAck: u32 = c.v.tcp_ack().unwrap_or(0),
    underlayEcmp: i8 = c.v.underlay_ecmp_index().unwrap_or(-1),
});

/// How an arena holds the addresses of its rows.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Addresses {
    /// 16 bytes each, IPv4 in the first 4: any row.
    Full,
    /// IPv4's 4 bytes each: `active()`'s batches while the table holds no IPv6 flow. A row is
    /// 80 bytes against 104, so a pass of the default table allocates 26 MB of batches against
    /// 34, and V8, which collects after so many bytes of `ArrayBuffer`s, collects during fewer
    /// passes; a pass with a collection takes 14–20 ms against 10.5–11.5 (measured, 100 passes:
    /// 26–28% of passes against 35–45%, 12.0–12.2 ms a pass on average against 12.7–13.9). A
    /// row with an IPv6 key is stored cut short and counted (`RowsOut`), for the caller to fill
    /// the range again into a full arena.
    Ipv4,
}

impl FlowRow {
    /// Bytes per row of each column in an arena holding `addresses` so.
    pub fn sizes(addresses: Addresses) -> [usize; Self::COLUMNS] {
        let mut sizes = Self::SIZES;
        if addresses == Addresses::Ipv4 {
            for (name, size) in Self::NAMES.iter().zip(&mut sizes) {
                if *name == "sip" || *name == "dip" {
                    *size = 4;
                }
            }
        }
        sizes
    }
}

impl FlowStage {
    /// How many of the first `rows` rows have an IPv6 key.
    pub fn ipv6_rows(&self, rows: usize) -> u32 {
        self.keyLen[..rows].iter().filter(|&&len| len == FLOW_KEY_LEN_INET6).count() as u32
    }
}

/// Runs `f` with this thread's stage (made on first use, then kept: it is large).
pub fn with_stage<T>(f: impl FnOnce(&mut FlowStage) -> T) -> T {
    thread_local! {
        static STAGE: Cell<Option<Box<FlowStage>>> = const { Cell::new(None) };
    }
    let mut stage = STAGE.take().unwrap_or_else(FlowStage::new);
    let result = f(&mut stage);
    STAGE.set(Some(stage));
    result
}
