//! The bridge-table key (`struct vr_bridge_entry_key`): a MAC address and a VRF.

use super::hash::vr_hash;

/// Bytes of the key: 6 MAC bytes, then the VRF as a little-endian u16.
pub const BRIDGE_KEY_LEN: usize = 8;

/// A bridge entry's key. All 8 bytes are hashed and compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct BridgeKey {
    /// MAC address, in wire order.
    pub mac: [u8; 6],
    /// VRF id (stored in host order).
    pub vrf: u16,
}

impl BridgeKey {
    /// A key for `mac` in `vrf`.
    pub const fn new(mac: [u8; 6], vrf: u16) -> Self {
        Self { mac, vrf }
    }

    /// The 8 bytes as stored and hashed.
    pub fn to_bytes(&self) -> [u8; BRIDGE_KEY_LEN] {
        let mut raw = [0u8; BRIDGE_KEY_LEN];
        raw[..6].copy_from_slice(&self.mac);
        raw[6..].copy_from_slice(&self.vrf.to_le_bytes());
        raw
    }

    /// Parses the 8 stored bytes.
    pub fn from_bytes(raw: &[u8; BRIDGE_KEY_LEN]) -> Self {
        let mut mac = [0u8; 6];
        mac.copy_from_slice(&raw[..6]);
        Self {
            mac,
            vrf: u16::from_le_bytes([raw[6], raw[7]]),
        }
    }

    /// vRouter's hash of the key.
    pub fn hash(&self) -> u32 {
        vr_hash(&self.to_bytes())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bytes_round_trip() {
        let k = BridgeKey::new([2, 0, 0, 0, 0, 3], 1);
        assert_eq!(k.to_bytes(), [2, 0, 0, 0, 0, 3, 1, 0]);
        assert_eq!(BridgeKey::from_bytes(&k.to_bytes()), k);
    }
}
