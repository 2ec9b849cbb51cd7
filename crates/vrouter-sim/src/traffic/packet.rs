//! Reading what the datapath needs from an Ethernet frame: is it ARP, DHCP, or an IPv4 packet
//! with a flow key.

use std::net::Ipv4Addr;

/// Ethertype of ARP.
pub const ETH_ARP: u16 = 0x0806;
/// Ethertype of IPv4.
pub const ETH_IPV4: u16 = 0x0800;
/// IP protocol numbers.
pub const PROTO_ICMP: u8 = 1;
/// TCP.
pub const PROTO_TCP: u8 = 6;
/// UDP.
pub const PROTO_UDP: u8 = 17;
/// SCTP (has ports where TCP and UDP have them).
pub const PROTO_SCTP: u8 = 132;
const DHCP_SERVER_PORT: u16 = 67;
const DHCP_CLIENT_PORT: u16 = 68;
const ICMP_ECHO_REPLY: u8 = 0;
const ICMP_ECHO: u8 = 8;

/// What a frame is, as far as the simulated datapath cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Packet {
    /// An ARP frame.
    Arp,
    /// An IPv4 UDP packet to the DHCP server or client port.
    Dhcp,
    /// Any other IPv4 packet, with its flow key's fields (ports in host order, as
    /// [`FlowKey::inet`](vrouter_proto::tables::FlowKey::inet) takes them).
    Ipv4 {
        /// IP protocol.
        proto: u8,
        /// Source address.
        sip: Ipv4Addr,
        /// Destination address.
        dip: Ipv4Addr,
        /// Source port (ICMP echo: the identifier; other ICMP: 0).
        sport: u16,
        /// Destination port (ICMP echo: 0; other ICMP: the type, stored as vRouter stores it).
        dport: u16,
    },
    /// Anything else with an Ethernet header (IPv6, VLAN-tagged, …): not modelled.
    Other(u16),
    /// Too short for its own headers.
    Malformed,
}

/// Takes a frame apart (untagged Ethernet II only).
pub fn parse(frame: &[u8]) -> Packet {
    let Some(ethertype) = frame.get(12..14).map(|b| u16::from_be_bytes([b[0], b[1]])) else {
        return Packet::Malformed;
    };
    match ethertype {
        ETH_ARP => Packet::Arp,
        ETH_IPV4 => parse_ipv4(&frame[14..]),
        other => Packet::Other(other),
    }
}

fn parse_ipv4(ip: &[u8]) -> Packet {
    if ip.len() < 20 || ip[0] >> 4 != 4 {
        return Packet::Malformed;
    }
    let ihl = usize::from(ip[0] & 0x0f) * 4;
    if ihl < 20 || ip.len() < ihl {
        return Packet::Malformed;
    }
    let proto = ip[9];
    let sip = Ipv4Addr::new(ip[12], ip[13], ip[14], ip[15]);
    let dip = Ipv4Addr::new(ip[16], ip[17], ip[18], ip[19]);
    let l4 = &ip[ihl..];
    let be16 = |o: usize| u16::from_be_bytes([l4[o], l4[o + 1]]);
    let (sport, dport) = match proto {
        PROTO_TCP | PROTO_UDP | PROTO_SCTP => {
            if l4.len() < 4 {
                return Packet::Malformed;
            }
            (be16(0), be16(2))
        }
        PROTO_ICMP => {
            if l4.len() < 8 {
                return Packet::Malformed;
            }
            match l4[0] {
                // vRouter keys echo by its identifier, and both directions by the reply type (0).
                ICMP_ECHO | ICMP_ECHO_REPLY => (be16(4), 0),
                // Other types: the type itself in the destination port, written as a native
                // integer (not byte-swapped) into the network-order field.
                t => (0, u16::from_be_bytes(u16::from(t).to_ne_bytes())),
            }
        }
        _ => (0, 0),
    };
    if proto == PROTO_UDP && (dport == DHCP_SERVER_PORT || dport == DHCP_CLIENT_PORT) {
        return Packet::Dhcp;
    }
    Packet::Ipv4 { proto, sip, dip, sport, dport }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ipv4_frame(proto: u8, l4: &[u8]) -> Vec<u8> {
        let mut f = vec![0u8; 12];
        f.extend_from_slice(&ETH_IPV4.to_be_bytes());
        f.extend_from_slice(&[0x45, 0, 0, 0, 0, 0, 0, 0, 64, proto, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2]);
        f.extend_from_slice(l4);
        f
    }

    #[test]
    fn tells_packets_apart() {
        assert_eq!(parse(&[0; 10]), Packet::Malformed);
        let mut arp = vec![0u8; 42];
        arp[12..14].copy_from_slice(&ETH_ARP.to_be_bytes());
        assert_eq!(parse(&arp), Packet::Arp);
        assert_eq!(parse(&ipv4_frame(PROTO_UDP, &[0, 68, 0, 67, 0, 8, 0, 0])), Packet::Dhcp);
        assert_eq!(
            parse(&ipv4_frame(PROTO_TCP, &[0x9c, 0x40, 0, 80])),
            Packet::Ipv4 { proto: 6, sip: Ipv4Addr::new(10, 0, 0, 1), dip: Ipv4Addr::new(10, 0, 0, 2), sport: 40000, dport: 80 }
        );
        assert!(matches!(parse(&ipv4_frame(PROTO_ICMP, &[8, 0, 0, 0, 0x12, 0x34, 0, 1])), Packet::Ipv4 { sport: 0x1234, dport: 0, .. }));
        assert_eq!(parse(&ipv4_frame(PROTO_TCP, &[1, 2])), Packet::Malformed);
        let mut v6 = vec![0u8; 60];
        v6[12..14].copy_from_slice(&0x86ddu16.to_be_bytes());
        assert_eq!(parse(&v6), Packet::Other(0x86dd));
    }
}
