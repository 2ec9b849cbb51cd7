//! The columns of a flow entry as JavaScript receives them (lib/tables.ts reads them by these
//! names): every field of `struct vr_flow_entry` a reader uses, decoded (ports in host order,
//! addresses as 16 bytes in network order, IPv4 in the first 4), from a consistent copy.

use vrouter_proto::tables::{FlowEntryCopy, FlowEntryRef, FlowKey, FlowStats};

use super::columns::columns;

fn addr(ip: std::net::IpAddr) -> [u8; 16] {
    let mut out = [0u8; 16];
    match ip {
        std::net::IpAddr::V4(a) => out[..4].copy_from_slice(&a.octets()),
        std::net::IpAddr::V6(a) => out = a.octets(),
    }
    out
}

/// What the columns are read from: a copy, its view, key and counters, each decoded once.
pub struct FlowSource<'a> {
    pub copy: &'a FlowEntryCopy,
    pub v: FlowEntryRef<'a>,
    pub key: Option<FlowKey>,
    pub stats: FlowStats,
}

impl<'a> FlowSource<'a> {
    pub fn new(copy: &'a FlowEntryCopy) -> Self {
        let v = copy.view();
        Self { copy, v, key: v.key(), stats: v.stats() }
    }
}

columns!(FlowRow, FlowColumns, &FlowSource<'_>, |c| {
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
    family: u8 = c.key.map_or(0, |k| k.family()),
    proto: u8 = c.key.map_or(0, |k| k.proto()),
    keyLen: u8 = c.v.key_len(),
    sport: u16 = c.key.map_or(0, |k| k.sport()),
    dport: u16 = c.key.map_or(0, |k| k.dport()),
    keyNh: u32 = c.key.map_or(0, |k| k.nh_id()),
    sip: [u8; 16] = c.key.map_or([0; 16], |k| addr(k.sip())),
    dip: [u8; 16] = c.key.map_or([0; 16], |k| addr(k.dip())),
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
