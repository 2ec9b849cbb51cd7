//! The source MACs of a VLAN sub-interface (a parent tells its sub-interfaces apart by VLAN
//! and source MAC), and vRouter's quirky way of updating them.

use super::vif::mac_from;
use crate::ksync::errno::ENOSPC;

/// How many source MACs a sub-interface can carry (`VIF_SRC_MACS`).
pub(crate) const SRC_MACS: usize = 4;

/// A sub-interface's MAC slots (zero = free) and the MACs entered in the parent's bridge table.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct SrcMacs {
    slots: [[u8; 6]; SRC_MACS],
    bridged: Vec<[u8; 6]>,
}

impl SrcMacs {
    /// Brings the slots to the requested MACs (6 bytes each), as `vlan_sub_interface_manage`
    /// does. Its early exit is kept: when a MAC that has to go is still in the bridge table,
    /// removing it from there ends the update with success, the MAC still in its slot and no
    /// new MAC added; the next update finds it gone from the bridge and frees the slot.
    pub(crate) fn update(&mut self, requested: &[u8]) -> Result<(), i32> {
        let wanted: Vec<[u8; 6]> = requested.chunks_exact(6).map(mac_from).collect();
        for slot in self.slots.iter_mut() {
            if *slot == [0; 6] || wanted.contains(slot) {
                continue;
            }
            if let Some(at) = self.bridged.iter().position(|m| m == slot) {
                self.bridged.remove(at);
                return Ok(());
            }
            *slot = [0; 6];
        }
        for mac in wanted.iter().filter(|m| **m != [0; 6]) {
            if self.slots.contains(mac) {
                continue;
            }
            let free = self.slots.iter_mut().find(|m| **m == [0; 6]).ok_or(-ENOSPC)?;
            if !self.bridged.contains(mac) {
                self.bridged.push(*mac);
            }
            *free = *mac;
        }
        Ok(())
    }

    /// The MACs in use, in slot order, as reported in `vifr_src_mac`.
    pub(crate) fn macs(&self) -> impl Iterator<Item = &[u8; 6]> {
        self.slots.iter().filter(|m| **m != [0; 6])
    }
}
