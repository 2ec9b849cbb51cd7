//! A flow table's counts (active entries by action and family, bytes, packets), from one pass.

use napi::bindgen_prelude::*;
use napi_derive::napi;
use vrouter_proto::tables::{scan_flows, FlowFilter, FlowLayout, FLOW_KEY_LEN_INET};

use super::mapping::MappedTable;

/// Counters of a flow table, from one pass over it.
#[napi(object)]
pub struct NativeFlowTableStats {
    pub entries: u32,
    pub main_entries: u32,
    pub overflow_entries: u32,
    pub active: u32,
    pub active_overflow: u32,
    pub hold: u32,
    pub forward: u32,
    pub drop: u32,
    pub nat: u32,
    pub ipv4: u32,
    pub ipv6: u32,
    pub torn: u32,
    pub bytes: BigInt,
    pub packets: BigInt,
}

pub(super) fn flow_stats(table: &MappedTable, layout: FlowLayout) -> NativeFlowTableStats {
    let g = table.geometry;
    let mut s = NativeFlowTableStats {
        entries: g.total_entries(),
        main_entries: g.main_entries(),
        overflow_entries: g.overflow_entries(),
        active: 0,
        active_overflow: 0,
        hold: 0,
        forward: 0,
        drop: 0,
        nat: 0,
        ipv4: 0,
        ipv6: 0,
        torn: 0,
        bytes: BigInt::from(0u64),
        packets: BigInt::from(0u64),
    };
    let (mut bytes, mut packets) = (0u64, 0u64);
    let p = scan_flows(table.bytes(), layout, 0, u32::MAX, &FlowFilter::default(), u32::MAX, |copy| {
        let v = copy.view();
        s.active += 1;
        if g.is_overflow(copy.index()) {
            s.active_overflow += 1;
        }
        match v.action() {
            0 => s.drop += 1,
            1 => s.hold += 1,
            2 => s.forward += 1,
            3 => s.nat += 1,
            _ => {}
        }
        if v.key_len() == FLOW_KEY_LEN_INET {
            s.ipv4 += 1;
        } else {
            s.ipv6 += 1;
        }
        let st = v.stats();
        bytes += st.total_bytes();
        packets += st.total_packets();
    });
    s.torn = p.torn;
    s.bytes = BigInt::from(bytes);
    s.packets = BigInt::from(packets);
    s
}
