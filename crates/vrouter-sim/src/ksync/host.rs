//! The host's own network interfaces, which vRouter attaches most vifs to.

use std::collections::BTreeSet;

/// Which host interface indexes (`vifr_os_idx`) exist. vRouter looks a new vif's `vifr_os_idx`
/// up among the host's interfaces and refuses the ADD with −ENODEV when it is not there
/// (PROTOCOL.md §11); a simulator has no such interfaces, so by default it takes any index.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum HostInterfaces {
    /// Every index is a host interface.
    #[default]
    Any,
    /// Only these indexes are.
    Only(BTreeSet<u32>),
}

impl HostInterfaces {
    /// A host with exactly these interface indexes.
    pub fn only(indexes: impl IntoIterator<Item = u32>) -> Self {
        HostInterfaces::Only(indexes.into_iter().collect())
    }

    /// Whether the host has an interface with this index.
    pub fn contains(&self, os_idx: u32) -> bool {
        match self {
            HostInterfaces::Any => true,
            HostInterfaces::Only(set) => set.contains(&os_idx),
        }
    }
}
