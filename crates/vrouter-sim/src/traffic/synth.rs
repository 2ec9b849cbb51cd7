//! Synthesised IPv4 TCP and UDP frames: what a traffic source sends from the VMs behind the
//! simulated interfaces.

use std::net::Ipv4Addr;

use super::packet::{ETH_IPV4, PROTO_TCP, PROTO_UDP};

/// Ethernet frames are at least 60 bytes before the FCS; shorter ones are padded.
const MIN_FRAME: usize = 60;

/// One flow's addressing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tuple {
    /// IP protocol: TCP (6) or UDP (17).
    pub proto: u8,
    /// Source address.
    pub sip: Ipv4Addr,
    /// Destination address.
    pub dip: Ipv4Addr,
    /// Source port.
    pub sport: u16,
    /// Destination port.
    pub dport: u16,
}

/// The `n`-th distinct flow from one VM at `sip`: TCP to port 80 and UDP to port 53 in turn,
/// source ports 1024…61023, then the next destination address in 172.16.0.0/12 — distinct for
/// every `n` below 2^31.
pub fn nth_tuple(sip: Ipv4Addr, n: u32) -> Tuple {
    let (proto, dport) = if n % 2 == 0 { (PROTO_TCP, 80) } else { (PROTO_UDP, 53) };
    Tuple {
        proto,
        sip,
        dip: Ipv4Addr::from(0xac10_0001u32.wrapping_add(n / 60_000)),
        sport: 1024 + (n % 60_000) as u16,
        dport,
    }
}

/// Writes one frame of `t` into `out` (cleared first): Ethernet from `src_mac` to `dst_mac`,
/// IPv4 with a valid header checksum, then a TCP SYN (with a valid checksum) or an 18-byte UDP
/// datagram (checksum 0: none). `ip_id` goes into the IP identification field.
pub fn write_frame(out: &mut Vec<u8>, src_mac: [u8; 6], dst_mac: [u8; 6], t: &Tuple, ip_id: u16) {
    out.clear();
    out.extend_from_slice(&dst_mac);
    out.extend_from_slice(&src_mac);
    out.extend_from_slice(&ETH_IPV4.to_be_bytes());
    let l4_len: u16 = if t.proto == PROTO_TCP { 20 } else { 8 + 18 };
    let ip_start = out.len();
    let total = 20 + l4_len;
    out.extend_from_slice(&[0x45, 0]);
    out.extend_from_slice(&total.to_be_bytes());
    out.extend_from_slice(&ip_id.to_be_bytes());
    out.extend_from_slice(&[0x40, 0, 64, t.proto, 0, 0]); // DF, TTL 64, checksum later
    out.extend_from_slice(&t.sip.octets());
    out.extend_from_slice(&t.dip.octets());
    let sum = checksum(&out[ip_start..ip_start + 20], 0);
    out[ip_start + 10..ip_start + 12].copy_from_slice(&sum.to_be_bytes());

    let l4_start = out.len();
    out.extend_from_slice(&t.sport.to_be_bytes());
    out.extend_from_slice(&t.dport.to_be_bytes());
    if t.proto == PROTO_TCP {
        out.extend_from_slice(&u32::from(ip_id).to_be_bytes()); // sequence number
        out.extend_from_slice(&[0, 0, 0, 0, 0x50, 0x02, 0xff, 0xff, 0, 0, 0, 0]); // SYN, window 65535
        let pseudo = pseudo_header_sum(t, l4_len);
        let sum = checksum(&out[l4_start..], pseudo);
        out[l4_start + 16..l4_start + 18].copy_from_slice(&sum.to_be_bytes());
    } else {
        out.extend_from_slice(&l4_len.to_be_bytes());
        out.extend_from_slice(&[0, 0]);
        out.extend_from_slice(&[0u8; 18]);
    }
    if out.len() < MIN_FRAME {
        out.resize(MIN_FRAME, 0);
    }
}

fn pseudo_header_sum(t: &Tuple, l4_len: u16) -> u32 {
    let (s, d) = (t.sip.octets(), t.dip.octets());
    [u16::from_be_bytes([s[0], s[1]]), u16::from_be_bytes([s[2], s[3]]), u16::from_be_bytes([d[0], d[1]]), u16::from_be_bytes([d[2], d[3]])]
        .iter()
        .map(|&w| u32::from(w))
        .sum::<u32>()
        + u32::from(t.proto)
        + u32::from(l4_len)
}

/// The Internet checksum of `bytes`, starting from the partial sum `initial`.
fn checksum(bytes: &[u8], initial: u32) -> u16 {
    let mut sum = initial;
    let mut chunks = bytes.chunks_exact(2);
    for c in &mut chunks {
        sum += u32::from(u16::from_be_bytes([c[0], c[1]]));
    }
    if let [last] = chunks.remainder() {
        sum += u32::from(*last) << 8;
    }
    while sum >> 16 != 0 {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    !(sum as u16)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::traffic::packet::{parse, Packet};
    use std::collections::HashSet;

    #[test]
    fn frames_parse_back_with_valid_checksums() {
        let mut f = Vec::new();
        for n in [0, 1] {
            let t = nth_tuple(Ipv4Addr::new(10, 0, 3, 2), n);
            write_frame(&mut f, [2, 0, 0, 0, 0, 3], [0, 0, 0x5e, 0, 1, 0], &t, 7);
            assert_eq!(
                parse(&f),
                Packet::Ipv4 { proto: t.proto, sip: t.sip, dip: t.dip, sport: t.sport, dport: t.dport }
            );
            assert_eq!(checksum(&f[14..34], 0), 0, "IP header checksum");
            assert!(f.len() >= MIN_FRAME);
        }
        // TCP checksum over pseudo header + segment verifies to 0.
        let t = nth_tuple(Ipv4Addr::new(10, 0, 3, 2), 0);
        write_frame(&mut f, [2; 6], [4; 6], &t, 9);
        assert_eq!(checksum(&f[34..54], pseudo_header_sum(&t, 20)), 0);
    }

    #[test]
    fn tuples_are_distinct() {
        let sip = Ipv4Addr::new(10, 0, 0, 1);
        let set: HashSet<_> = (0..200_000).map(|n| {
            let t = nth_tuple(sip, n);
            (t.proto, t.dip, t.sport, t.dport)
        }).collect();
        assert_eq!(set.len(), 200_000);
    }
}
