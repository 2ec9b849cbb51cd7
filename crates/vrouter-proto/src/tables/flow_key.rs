//! The flow key (`struct vr_flow`, PROTOCOL.md §7.3): what a flow is looked up and hashed by.
//!
//! ```text
//! 0        1       2        4       6       8        12          16 / 28      44
//! | family | proto | unused | sport | dport | nh_id  | sip        | dip        | keylen |
//! ```
//!
//! Ports and addresses are in network order (as they were in the packet); `nh_id` is in host
//! order (little-endian). IPv4 keys are 20 bytes, IPv6 keys 44; the key length byte after the 44
//! key bytes says which. Only the first `keylen` bytes are hashed and compared, `unused` included.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use super::hash::vr_hash;

/// `AF_INET` as vRouter stores it in the key (Linux value).
pub const FLOW_FAMILY_INET: u8 = 2;
/// `AF_INET6` as vRouter stores it in the key (Linux value; Windows builds may use their SDK's
/// value, see [`FlowKey::with_family`]).
pub const FLOW_FAMILY_INET6: u8 = 10;
/// Key length of an IPv4 key.
pub const FLOW_KEY_LEN_INET: u8 = 20;
/// Key length of an IPv6 key.
pub const FLOW_KEY_LEN_INET6: u8 = 44;
/// Bytes of the key as stored in an entry: 44 key bytes and the length byte.
pub const FLOW_KEY_REGION: usize = 45;

const SPORT: usize = 4;
const DPORT: usize = 6;
const NH_ID: usize = 8;
const ADDRS: usize = 12;

/// A flow key: the bytes vRouter hashes and compares.
///
/// Equality and hashing cover the first [`key_len`](Self::key_len) bytes only.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct FlowKey {
    // Bytes past `len` stay zero so that the derived Eq/Hash see only the key.
    raw: [u8; 44],
    len: u8,
}

/// Why bytes or addresses do not make a flow key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum FlowKeyError {
    /// Source and destination are of different address families.
    MixedFamilies,
    /// A stored key length other than 20 or 44 (0 is a released entry).
    BadKeyLen(u8),
}

impl fmt::Display for FlowKeyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::MixedFamilies => {
                f.write_str("source and destination addresses of different families")
            }
            Self::BadKeyLen(n) => {
                write!(f, "flow key length {n} is neither 20 (IPv4) nor 44 (IPv6)")
            }
        }
    }
}

impl std::error::Error for FlowKeyError {}

impl FlowKey {
    /// An IPv4 key. Ports and `nh_id` are given in host order; they are stored as vRouter stores
    /// them.
    pub fn inet(
        proto: u8,
        sip: Ipv4Addr,
        dip: Ipv4Addr,
        sport: u16,
        dport: u16,
        nh_id: u32,
    ) -> Self {
        let mut key = Self::header(
            FLOW_FAMILY_INET,
            proto,
            sport,
            dport,
            nh_id,
            FLOW_KEY_LEN_INET,
        );
        key.raw[ADDRS..ADDRS + 4].copy_from_slice(&sip.octets());
        key.raw[ADDRS + 4..ADDRS + 8].copy_from_slice(&dip.octets());
        key
    }

    /// An IPv6 key. Ports and `nh_id` are given in host order.
    pub fn inet6(
        proto: u8,
        sip: Ipv6Addr,
        dip: Ipv6Addr,
        sport: u16,
        dport: u16,
        nh_id: u32,
    ) -> Self {
        let mut key = Self::header(
            FLOW_FAMILY_INET6,
            proto,
            sport,
            dport,
            nh_id,
            FLOW_KEY_LEN_INET6,
        );
        key.raw[ADDRS..ADDRS + 16].copy_from_slice(&sip.octets());
        key.raw[ADDRS + 16..ADDRS + 32].copy_from_slice(&dip.octets());
        key
    }

    /// A key for either family; both addresses must be of the same one.
    pub fn new(
        proto: u8,
        sip: IpAddr,
        dip: IpAddr,
        sport: u16,
        dport: u16,
        nh_id: u32,
    ) -> Result<Self, FlowKeyError> {
        match (sip, dip) {
            (IpAddr::V4(s), IpAddr::V4(d)) => Ok(Self::inet(proto, s, d, sport, dport, nh_id)),
            (IpAddr::V6(s), IpAddr::V6(d)) => Ok(Self::inet6(proto, s, d, sport, dport, nh_id)),
            _ => Err(FlowKeyError::MixedFamilies),
        }
    }

    /// The same key with another family byte, for a platform whose `AF_INET6` differs from
    /// Linux's 10. The family byte is hashed, so it must match what the datapath writes.
    pub fn with_family(mut self, family: u8) -> Self {
        self.raw[0] = family;
        self
    }

    /// The key stored in an entry: 44 key bytes and the length byte. Bytes past the length are
    /// ignored (vRouter leaves stale bytes there when a shorter key replaces a longer one).
    pub fn from_key_region(region: &[u8; FLOW_KEY_REGION]) -> Result<Self, FlowKeyError> {
        let len = region[44];
        if len != FLOW_KEY_LEN_INET && len != FLOW_KEY_LEN_INET6 {
            return Err(FlowKeyError::BadKeyLen(len));
        }
        let mut raw = [0u8; 44];
        raw[..len as usize].copy_from_slice(&region[..len as usize]);
        Ok(Self { raw, len })
    }

    /// The key as an entry stores it: the key bytes, zeros up to 44, then the length.
    pub fn to_key_region(&self) -> [u8; FLOW_KEY_REGION] {
        let mut region = [0u8; FLOW_KEY_REGION];
        region[..44].copy_from_slice(&self.raw);
        region[44] = self.len;
        region
    }

    /// The bytes vRouter hashes and compares: the first [`key_len`](Self::key_len) bytes.
    pub fn key_bytes(&self) -> &[u8] {
        &self.raw[..self.len as usize]
    }

    /// 20 (IPv4) or 44 (IPv6).
    pub fn key_len(&self) -> u8 {
        self.len
    }

    /// vRouter's hash of the key.
    pub fn hash(&self) -> u32 {
        vr_hash(self.key_bytes())
    }

    /// The family byte.
    pub fn family(&self) -> u8 {
        self.raw[0]
    }

    /// The IP protocol.
    pub fn proto(&self) -> u8 {
        self.raw[1]
    }

    /// Source port, in host order.
    pub fn sport(&self) -> u16 {
        u16::from_be_bytes([self.raw[SPORT], self.raw[SPORT + 1]])
    }

    /// Destination port, in host order.
    pub fn dport(&self) -> u16 {
        u16::from_be_bytes([self.raw[DPORT], self.raw[DPORT + 1]])
    }

    /// The nexthop id the flow was looked up under.
    pub fn nh_id(&self) -> u32 {
        u32::from_le_bytes([
            self.raw[NH_ID],
            self.raw[NH_ID + 1],
            self.raw[NH_ID + 2],
            self.raw[NH_ID + 3],
        ])
    }

    /// Source address.
    pub fn sip(&self) -> IpAddr {
        self.addr(0)
    }

    /// Destination address.
    pub fn dip(&self) -> IpAddr {
        self.addr(1)
    }

    fn addr(&self, which: usize) -> IpAddr {
        if self.len == FLOW_KEY_LEN_INET {
            let o = ADDRS + 4 * which;
            IpAddr::from([
                self.raw[o],
                self.raw[o + 1],
                self.raw[o + 2],
                self.raw[o + 3],
            ])
        } else {
            let o = ADDRS + 16 * which;
            let mut a = [0u8; 16];
            a.copy_from_slice(&self.raw[o..o + 16]);
            IpAddr::from(a)
        }
    }

    fn header(family: u8, proto: u8, sport: u16, dport: u16, nh_id: u32, len: u8) -> Self {
        let mut raw = [0u8; 44];
        raw[0] = family;
        raw[1] = proto;
        raw[SPORT..SPORT + 2].copy_from_slice(&sport.to_be_bytes());
        raw[DPORT..DPORT + 2].copy_from_slice(&dport.to_be_bytes());
        raw[NH_ID..NH_ID + 4].copy_from_slice(&nh_id.to_le_bytes());
        Self { raw, len }
    }
}

impl fmt::Debug for FlowKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FlowKey")
            .field("family", &self.family())
            .field("proto", &self.proto())
            .field("sip", &self.sip())
            .field("sport", &self.sport())
            .field("dip", &self.dip())
            .field("dport", &self.dport())
            .field("nh_id", &self.nh_id())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inet_key_bytes_and_accessors() {
        let k = FlowKey::inet(
            6,
            Ipv4Addr::new(10, 1, 1, 5),
            Ipv4Addr::new(10, 1, 1, 6),
            40000,
            80,
            12,
        );
        assert_eq!(
            k.key_bytes(),
            &[2, 6, 0, 0, 0x9c, 0x40, 0, 0x50, 12, 0, 0, 0, 10, 1, 1, 5, 10, 1, 1, 6]
        );
        assert_eq!((k.sport(), k.dport(), k.nh_id()), (40000, 80, 12));
        assert_eq!(k.dip(), IpAddr::from([10, 1, 1, 6]));
    }

    #[test]
    fn region_round_trip_ignores_stale_tail() {
        let k = FlowKey::inet(17, Ipv4Addr::LOCALHOST, Ipv4Addr::BROADCAST, 1, 2, 3);
        let mut region = k.to_key_region();
        region[30] = 0xee; // stale byte past the IPv4 key
        assert_eq!(FlowKey::from_key_region(&region), Ok(k));
        region[44] = 0;
        assert_eq!(
            FlowKey::from_key_region(&region),
            Err(FlowKeyError::BadKeyLen(0))
        );
    }

    #[test]
    fn mixed_families_are_refused() {
        let r = FlowKey::new(
            6,
            IpAddr::V4(Ipv4Addr::LOCALHOST),
            IpAddr::V6(Ipv6Addr::LOCALHOST),
            1,
            2,
            3,
        );
        assert_eq!(r, Err(FlowKeyError::MixedFamilies));
    }
}
