//! Reading the simulator's start options: host interfaces, table geometry, layout.

use std::collections::BTreeSet;

use vrouter_proto::tables::{FlowLayout, TableGeometry, BRIDGE_ENTRY_SIZE, DEFAULT_BRIDGE_ENTRIES, DEFAULT_FLOW_ENTRIES, FLOW_ENTRY_SIZE};
use vrouter_sim::HostInterfaces;

/// Host interface indexes from a list such as `0,10,100-131` (vRouter checks each vif's
/// `vifr_os_idx` against the host's interfaces).
pub fn host_interfaces(list: &str) -> Result<HostInterfaces, String> {
    let mut set = BTreeSet::new();
    for part in list.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let number = |s: &str| s.trim().parse::<u32>().map_err(|_| format!("host interface list: {part:?} is not an index or a range"));
        match part.split_once('-') {
            Some((a, b)) => {
                let (a, b) = (number(a)?, number(b)?);
                if a > b {
                    return Err(format!("host interface list: range {part:?} runs backwards"));
                }
                set.extend(a..=b);
            }
            None => {
                set.insert(number(part)?);
            }
        }
    }
    Ok(HostInterfaces::Only(set))
}

/// The flow table's geometry from its main entries (vRouter's default 524288); the overflow
/// table is sized by vRouter's rule.
pub fn flow_geometry(entries: Option<u32>) -> Result<TableGeometry, String> {
    TableGeometry::new(entries.unwrap_or(DEFAULT_FLOW_ENTRIES), None, FLOW_ENTRY_SIZE).map_err(|e| format!("flow entries: {e}"))
}

/// The bridge table's geometry from its main entries (vRouter's default 262144).
pub fn bridge_geometry(entries: Option<u32>) -> Result<TableGeometry, String> {
    TableGeometry::new(entries.unwrap_or(DEFAULT_BRIDGE_ENTRIES), None, BRIDGE_ENTRY_SIZE)
        .map_err(|e| format!("bridge entries: {e}"))
}

/// `2024` (tf-vrouter, default) or `2019` (Juniper's 2019 layout, the Windows era).
pub fn layout(name: Option<&str>) -> Result<FlowLayout, String> {
    match name.unwrap_or("2024") {
        "2024" => Ok(FlowLayout::Tf2024),
        "2019" => Ok(FlowLayout::Juniper2019),
        other => Err(format!("unknown flow layout {other:?}: expected 2024 or 2019")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_interface_lists() {
        assert_eq!(host_interfaces("0,10,100-102").unwrap(), HostInterfaces::only([0, 10, 100, 101, 102]));
        assert!(host_interfaces("5-3").is_err());
        assert!(host_interfaces("x").is_err());
        assert_eq!(flow_geometry(Some(1000)).unwrap().overflow_entries(), 1024);
        assert!(layout(Some("2020")).is_err());
    }
}
