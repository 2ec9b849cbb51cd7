//! Reading flow keys out of `vr_flow_req` (PROTOCOL.md §1.3 byte orders).
//!
//! The agent puts each IPv4 address in the low half of a u64 as its network-order bytes read
//! as a native integer, each IPv6 address as two such u64s (bytes 0–7, then 8–15), and ports as
//! `htons(port)`. So the bytes vRouter copies into its key are the request integers' native
//! bytes; this module does the same and hands [`FlowKey`] host-order ports.

use std::net::{Ipv4Addr, Ipv6Addr};

use vrouter_proto::messages::VrFlowReq;
use vrouter_proto::tables::{FlowKey, FLOW_KEY_LEN_INET};

/// `AF_INET` in `fr_family`.
pub const AF_INET: i32 = 2;
/// `AF_INET6` in `fr_family` (Linux numbering).
pub const AF_INET6: i32 = 10;

/// A port as the agent sends it (`htons(port)` read natively), in host order.
pub fn port(wire: u16) -> u16 {
    u16::from_be_bytes(wire.to_ne_bytes())
}

/// An IPv4 address from a request u64 (its low 32 bits hold the address bytes natively).
pub fn ipv4(wire: u64) -> Ipv4Addr {
    Ipv4Addr::from((wire as u32).to_ne_bytes())
}

/// An IPv6 address from a request's two u64s.
pub fn ipv6(upper: u64, lower: u64) -> Ipv6Addr {
    let mut b = [0u8; 16];
    b[..8].copy_from_slice(&upper.to_ne_bytes());
    b[8..].copy_from_slice(&lower.to_ne_bytes());
    Ipv6Addr::from(b)
}

/// The forward flow's key, for `fr_family` AF_INET or AF_INET6; `None` for any other family
/// (vRouter then allocates nothing and answers −ENOSPC).
pub fn forward_key(req: &VrFlowReq) -> Option<FlowKey> {
    let (proto, sport, dport, nh) =
        (req.fr_flow_proto as u8, port(req.fr_flow_sport), port(req.fr_flow_dport), req.fr_flow_nh_id);
    match req.fr_family {
        AF_INET => Some(FlowKey::inet(proto, ipv4(req.fr_flow_sip_l), ipv4(req.fr_flow_dip_l), sport, dport, nh)),
        AF_INET6 => Some(FlowKey::inet6(
            proto,
            ipv6(req.fr_flow_sip_u, req.fr_flow_sip_l),
            ipv6(req.fr_flow_dip_u, req.fr_flow_dip_l),
            sport,
            dport,
            nh,
        )),
        _ => None,
    }
}

/// The reverse flow's key (`fr_rflow_*`, with the forward flow's protocol), looked up when the
/// agent names a reverse flow by key instead of index. Families other than AF_INET are read
/// as IPv6, as vRouter reads them.
pub fn reverse_key(req: &VrFlowReq) -> FlowKey {
    let (proto, sport, dport, nh) =
        (req.fr_flow_proto as u8, port(req.fr_rflow_sport), port(req.fr_rflow_dport), req.fr_rflow_nh_id);
    if req.fr_family == AF_INET {
        FlowKey::inet(proto, ipv4(req.fr_rflow_sip_l), ipv4(req.fr_rflow_dip_l), sport, dport, nh)
    } else {
        FlowKey::inet6(
            proto,
            ipv6(req.fr_rflow_sip_u, req.fr_rflow_sip_l),
            ipv6(req.fr_rflow_dip_u, req.fr_rflow_dip_l),
            sport,
            dport,
            nh,
        )
    }
}

/// Whether the request names the flow stored under `stored`, field by field as vRouter checks
/// it before an update (ports, nexthop, protocol, then the addresses of the stored key's
/// family). A mismatch is vRouter's −EFAULT.
pub fn matches(stored: &FlowKey, req: &VrFlowReq) -> bool {
    if stored.sport() != port(req.fr_flow_sport)
        || stored.dport() != port(req.fr_flow_dport)
        || stored.nh_id() != req.fr_flow_nh_id
        || stored.proto() != req.fr_flow_proto as u8
    {
        return false;
    }
    if stored.key_len() == FLOW_KEY_LEN_INET {
        stored.sip() == ipv4(req.fr_flow_sip_l) && stored.dip() == ipv4(req.fr_flow_dip_l)
    } else {
        stored.sip() == ipv6(req.fr_flow_sip_u, req.fr_flow_sip_l)
            && stored.dip() == ipv6(req.fr_flow_dip_u, req.fr_flow_dip_l)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn agent_byte_orders_give_the_packet_key() {
        // 10.1.2.3 → bytes 0a 01 02 03 in memory; port 80 → htons.
        let req = VrFlowReq {
            fr_family: AF_INET,
            fr_flow_sip_l: u64::from(u32::from_ne_bytes([10, 1, 2, 3])),
            fr_flow_dip_l: u64::from(u32::from_ne_bytes([10, 1, 2, 4])),
            fr_flow_sport: u16::from_ne_bytes(40000u16.to_be_bytes()),
            fr_flow_dport: u16::from_ne_bytes(80u16.to_be_bytes()),
            fr_flow_proto: 6,
            fr_flow_nh_id: 12,
            ..Default::default()
        };
        let key = forward_key(&req).unwrap();
        assert_eq!(key, FlowKey::inet(6, Ipv4Addr::new(10, 1, 2, 3), Ipv4Addr::new(10, 1, 2, 4), 40000, 80, 12));
        assert!(matches(&key, &req));
        assert!(!matches(&key, &VrFlowReq { fr_flow_nh_id: 13, ..req.clone() }));
        assert!(forward_key(&VrFlowReq { fr_family: 7, ..req }).is_none());
    }
}
