//! Where each dumpable message keeps its dump marker: vRouter's paging rules in one table.
//!
//! A DUMP answers with as many objects as fit in one 3968-byte buffer and sets
//! [`VR_MESSAGE_DUMP_INCOMPLETE`] in the count when more remain; the client then asks again with the
//! marker set from the last object it received, and vRouter continues after it (PROTOCOL.md §4).
//! Which field is the marker, which field of a returned object is its key, and how a dump starts
//! differ per message. Those facts are vRouter's, not the schema's, so they live here, once: the
//! client session pages with them and the simulator reads a request's position with them.
//!
//! | message | key of a returned object | marker in the request | start |
//! |---|---|---|---|
//! | vr_interface_req | vifr_idx | vifr_marker = key | -1 |
//! | vr_nexthop_req | nhr_id | nhr_marker = key | -1 |
//! | vr_mpls_req | mr_label | mr_marker = key | -1 |
//! | vr_mirror_req | mirr_index | mirr_marker = key | -1 |
//! | vr_vrf_req | vrf_idx | vrf_marker = key | -1 |
//! | vr_vrf_assign_req | var_vlan_id | var_marker = key (per var_vif_index) | -1 |
//! | vr_vrf_stats_req | vsr_vrf | vsr_marker = key (i16, truncated as vRouter does) | -1 |
//! | vr_qos_map_req | qmr_id | qmr_marker = key | -1 |
//! | vr_fc_map_req | fmr_id\[0\] | fmr_marker = key | -1 |
//! | vr_vxlan_req | vxlanr_vnid | vxlanr_vnid = key + 1 (no marker field: the vnid is where to start) | 0 |
//! | vr_route_req (inet, inet6) | rtr_prefix + rtr_prefix_len | rtr_marker = prefix, rtr_marker_plen = len | empty rtr_marker |
//! | vr_route_req (AF_BRIDGE = 7) | rtr_mac | rtr_mac = key | all-zero rtr_mac |
//! | vr_info_req | vdu_buff_table_id + vdu_index | vdu_buff_table_id, vdu_marker = vdu_index | vdu_marker -1, table 0 |
//!
//! Filter fields (`rtr_vrf_id`, `rtr_family`, `var_vif_index`, `vsr_family`, `vifr_flags`' drop-stats
//! bit, …) are whatever the first request carried; a continuation is that request with only the
//! marker changed.

use std::fmt;

use crate::messages::{Message, SandeshOp};

/// Bit 30 of a DUMP's `vr_response.resp_code`: the dump stopped because the reply buffer was full,
/// ask again from the last object.
pub const VR_MESSAGE_DUMP_INCOMPLETE: i32 = 0x4000_0000;

/// Linux AF_INET6, the family of IPv6 route dumps.
pub const AF_INET6: i32 = 10;

/// `rtr_family` of bridge (MAC) routes, as vRouter defines it.
pub const AF_BRIDGE: i32 = 7;

/// One row of the table above, for documentation and diagnostics.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DumpRule {
    /// The message's name on the wire.
    pub message: &'static str,
    /// The field(s) of a returned object that identify it.
    pub key: &'static str,
    /// The field(s) of a request that carry the position.
    pub marker: &'static str,
}

/// Every message vRouter can DUMP, with its marker rule (see the module docs for the start values).
pub const DUMP_RULES: &[DumpRule] = &[
    rule("vr_interface_req", "vifr_idx", "vifr_marker"),
    rule("vr_nexthop_req", "nhr_id", "nhr_marker"),
    rule("vr_mpls_req", "mr_label", "mr_marker"),
    rule("vr_mirror_req", "mirr_index", "mirr_marker"),
    rule("vr_vrf_req", "vrf_idx", "vrf_marker"),
    rule("vr_vrf_assign_req", "var_vlan_id", "var_marker"),
    rule("vr_vrf_stats_req", "vsr_vrf", "vsr_marker"),
    rule("vr_qos_map_req", "qmr_id", "qmr_marker"),
    rule("vr_fc_map_req", "fmr_id[0]", "fmr_marker"),
    rule("vr_vxlan_req", "vxlanr_vnid", "vxlanr_vnid (key + 1)"),
    rule(
        "vr_route_req",
        "rtr_prefix + rtr_prefix_len (AF_BRIDGE: rtr_mac)",
        "rtr_marker + rtr_marker_plen (AF_BRIDGE: rtr_mac)",
    ),
    rule(
        "vr_info_req",
        "vdu_buff_table_id + vdu_index",
        "vdu_buff_table_id + vdu_marker",
    ),
];

const fn rule(message: &'static str, key: &'static str, marker: &'static str) -> DumpRule {
    DumpRule {
        message,
        key,
        marker,
    }
}

/// The key of a dumped object: what a continuation resumes after.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum DumpKey {
    /// A table index or id (interface, nexthop, label, mirror, VRF, VLAN, QoS/FC map, VNI).
    Index(i32),
    /// An inet/inet6 route slot: prefix bytes (4 or 16) and prefix length.
    Prefix {
        /// `rtr_prefix` bytes in wire order.
        prefix: Vec<u8>,
        /// `rtr_prefix_len`.
        len: i32,
    },
    /// A bridge route: its MAC.
    Mac(Vec<u8>),
    /// A chunk of a `vr_info_req` text buffer.
    InfoChunk {
        /// `vdu_buff_table_id`: vRouter's slot holding the text for this client.
        buff_table_id: i16,
        /// `vdu_index`: the number of the next chunk to ask for.
        index: i16,
    },
}

/// Where a DUMP request asks vRouter to begin.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Resume {
    /// From the beginning of the table.
    Start,
    /// After the object with this key.
    After(DumpKey),
}

/// A DUMP request could not be prepared.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MarkerError {
    /// vRouter does not DUMP this message.
    NotDumpable(&'static str),
    /// The key is not of the kind this message's marker takes.
    KeyMismatch(&'static str),
}

impl fmt::Display for MarkerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MarkerError::NotDumpable(m) => write!(f, "{m} cannot be dumped"),
            MarkerError::KeyMismatch(m) => write!(f, "dump key of another kind for {m}"),
        }
    }
}

impl std::error::Error for MarkerError {}

/// Whether vRouter answers DUMP for this kind of message.
pub fn is_dumpable(message: &Message) -> bool {
    DUMP_RULES.iter().any(|r| r.message == message.name())
}

/// The key of an object returned by a dump, `None` for objects that are not dump entries (e.g.
/// the `vr_drop_stats_req` that follows each interface when drop stats were asked for).
pub fn object_key(object: &Message) -> Option<DumpKey> {
    use DumpKey::Index;
    Some(match object {
        Message::VrInterfaceReq(m) => Index(m.vifr_idx),
        Message::VrNexthopReq(m) => Index(m.nhr_id),
        Message::VrMplsReq(m) => Index(m.mr_label),
        Message::VrMirrorReq(m) => Index(i32::from(m.mirr_index)),
        Message::VrVrfReq(m) => Index(m.vrf_idx),
        Message::VrVrfAssignReq(m) => Index(i32::from(m.var_vlan_id)),
        Message::VrVrfStatsReq(m) => Index(m.vsr_vrf),
        Message::VrQosMapReq(m) => Index(i32::from(m.qmr_id)),
        Message::VrFcMapReq(m) => Index(i32::from(*m.fmr_id.first()?)),
        Message::VrVxlanReq(m) => Index(m.vxlanr_vnid),
        Message::VrRouteReq(m) if m.rtr_family == AF_BRIDGE => DumpKey::Mac(m.rtr_mac.clone()),
        Message::VrRouteReq(m) => DumpKey::Prefix {
            prefix: m.rtr_prefix.clone(),
            len: m.rtr_prefix_len,
        },
        Message::VrInfoReq(m) => DumpKey::InfoChunk {
            buff_table_id: m.vdu_buff_table_id,
            index: m.vdu_index,
        },
        _ => return None,
    })
}

/// Where a DUMP request begins, read as vRouter reads it; `None` if the message is not dumpable.
///
/// A negative integer marker is the start (vRouter loops from marker + 1); for routes an empty
/// marker, or the all-zero one vRouter's utilities send with length 0, is the start.
pub fn request_resume(request: &Message) -> Option<Resume> {
    let int = |marker: i32| {
        if marker < 0 {
            Resume::Start
        } else {
            Resume::After(DumpKey::Index(marker))
        }
    };
    Some(match request {
        Message::VrInterfaceReq(m) => int(m.vifr_marker),
        Message::VrNexthopReq(m) => int(m.nhr_marker),
        Message::VrMplsReq(m) => int(m.mr_marker),
        Message::VrMirrorReq(m) => int(m.mirr_marker),
        Message::VrVrfReq(m) => int(m.vrf_marker),
        Message::VrVrfAssignReq(m) => int(i32::from(m.var_marker)),
        Message::VrVrfStatsReq(m) => int(i32::from(m.vsr_marker)),
        Message::VrQosMapReq(m) => int(i32::from(m.qmr_marker)),
        Message::VrFcMapReq(m) => int(i32::from(m.fmr_marker)),
        // The vnid is the first one to list, so "after vnid - 1"; 0 (or less) lists everything.
        Message::VrVxlanReq(m) => int(m.vxlanr_vnid.saturating_sub(1)),
        Message::VrRouteReq(m) if m.rtr_family == AF_BRIDGE => {
            if m.rtr_mac.iter().all(|b| *b == 0) {
                Resume::Start
            } else {
                Resume::After(DumpKey::Mac(m.rtr_mac.clone()))
            }
        }
        Message::VrRouteReq(m) => {
            if m.rtr_marker_plen == 0 && m.rtr_marker.iter().all(|b| *b == 0) {
                Resume::Start
            } else {
                Resume::After(DumpKey::Prefix {
                    prefix: m.rtr_marker.clone(),
                    len: m.rtr_marker_plen,
                })
            }
        }
        Message::VrInfoReq(m) if m.vdu_buff_table_id == 0 => Resume::Start,
        Message::VrInfoReq(m) => Resume::After(DumpKey::InfoChunk {
            buff_table_id: m.vdu_buff_table_id,
            index: m.vdu_marker,
        }),
        _ => return None,
    })
}

/// Turns `request` into the DUMP request that resumes at `resume`: sets `h_op` to DUMP and the
/// marker field(s); every other field (the filters) is left as it is.
pub fn prepare_dump(request: &mut Message, resume: &Resume) -> Result<(), MarkerError> {
    let name = request.name();
    let mismatch = MarkerError::KeyMismatch(name);
    // Integer markers: -1 starts, otherwise the last key. Narrower marker fields take the key
    // truncated, exactly as vRouter's C code stores it.
    let index = match resume {
        Resume::Start => Some(-1),
        Resume::After(DumpKey::Index(i)) => Some(*i),
        Resume::After(_) => None,
    };
    match request {
        Message::VrInterfaceReq(m) => {
            m.h_op = SandeshOp::DUMP;
            m.vifr_marker = index.ok_or(mismatch)?;
        }
        Message::VrNexthopReq(m) => {
            m.h_op = SandeshOp::DUMP;
            m.nhr_marker = index.ok_or(mismatch)?;
        }
        Message::VrMplsReq(m) => {
            m.h_op = SandeshOp::DUMP;
            m.mr_marker = index.ok_or(mismatch)?;
        }
        Message::VrMirrorReq(m) => {
            m.h_op = SandeshOp::DUMP;
            m.mirr_marker = index.ok_or(mismatch)?;
        }
        Message::VrVrfReq(m) => {
            m.h_op = SandeshOp::DUMP;
            m.vrf_marker = index.ok_or(mismatch)?;
        }
        Message::VrVrfAssignReq(m) => {
            m.h_op = SandeshOp::DUMP;
            m.var_marker = index.ok_or(mismatch)? as i16;
        }
        Message::VrVrfStatsReq(m) => {
            m.h_op = SandeshOp::DUMP;
            m.vsr_marker = index.ok_or(mismatch)? as i16;
        }
        Message::VrQosMapReq(m) => {
            m.h_op = SandeshOp::DUMP;
            m.qmr_marker = index.ok_or(mismatch)? as i16;
        }
        Message::VrFcMapReq(m) => {
            m.h_op = SandeshOp::DUMP;
            m.fmr_marker = index.ok_or(mismatch)? as i16;
        }
        Message::VrVxlanReq(m) => {
            m.h_op = SandeshOp::DUMP;
            m.vxlanr_vnid = index.ok_or(mismatch)?.saturating_add(1);
        }
        Message::VrRouteReq(m) => {
            m.h_op = SandeshOp::DUMP;
            // vRouter answers with prefixes as long as the request's own rtr_prefix: an empty one
            // would give empty prefixes, and no marker to continue from. `rt` sends zeros.
            if m.rtr_prefix.is_empty() && m.rtr_family != AF_BRIDGE {
                m.rtr_prefix = vec![0; if m.rtr_family == AF_INET6 { 16 } else { 4 }];
            }
            match (resume, m.rtr_family == AF_BRIDGE) {
                // vRouter refuses a bridge dump whose rtr_mac is not 6 bytes, so start with zeros.
                (Resume::Start, true) => m.rtr_mac = vec![0; 6],
                (Resume::Start, false) => {
                    m.rtr_marker = Vec::new();
                    m.rtr_marker_plen = 0;
                }
                (Resume::After(DumpKey::Mac(mac)), true) => m.rtr_mac = mac.clone(),
                (Resume::After(DumpKey::Prefix { prefix, len }), false) => {
                    m.rtr_marker = prefix.clone();
                    m.rtr_marker_plen = *len;
                }
                _ => return Err(mismatch),
            }
        }
        Message::VrInfoReq(m) => {
            m.h_op = SandeshOp::DUMP;
            match resume {
                Resume::Start => {
                    m.vdu_marker = -1;
                    m.vdu_buff_table_id = 0;
                }
                Resume::After(DumpKey::InfoChunk {
                    buff_table_id,
                    index,
                }) => {
                    m.vdu_marker = *index;
                    m.vdu_buff_table_id = *buff_table_id;
                }
                Resume::After(_) => return Err(mismatch),
            }
        }
        _ => return Err(MarkerError::NotDumpable(name)),
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::messages::{VrFcMapReq, VrResponse, VrRouteReq, VrVxlanReq};

    #[test]
    fn every_rule_names_a_schema_message() {
        for r in DUMP_RULES {
            assert!(
                crate::messages::MESSAGES
                    .iter()
                    .any(|m| m.name == r.message),
                "{}",
                r.message
            );
        }
    }

    #[test]
    fn vxlan_continues_at_the_next_vnid() {
        let mut req = Message::from(VrVxlanReq::default());
        prepare_dump(&mut req, &Resume::Start).unwrap();
        assert_eq!(request_resume(&req), Some(Resume::Start));
        prepare_dump(&mut req, &Resume::After(DumpKey::Index(41))).unwrap();
        let Message::VrVxlanReq(v) = &req else {
            unreachable!()
        };
        assert_eq!((v.h_op, v.vxlanr_vnid), (SandeshOp::DUMP, 42));
        assert_eq!(
            request_resume(&req),
            Some(Resume::After(DumpKey::Index(41)))
        );
    }

    #[test]
    fn bridge_routes_page_by_mac_and_inet_by_prefix() {
        let mut bridge = Message::from(VrRouteReq {
            rtr_family: AF_BRIDGE,
            ..Default::default()
        });
        prepare_dump(&mut bridge, &Resume::Start).unwrap();
        assert_eq!(request_resume(&bridge), Some(Resume::Start));
        let mac = DumpKey::Mac(vec![2, 0, 0, 0, 0, 9]);
        prepare_dump(&mut bridge, &Resume::After(mac.clone())).unwrap();
        assert_eq!(request_resume(&bridge), Some(Resume::After(mac.clone())));
        let prefix = DumpKey::Prefix {
            prefix: vec![10, 1, 0, 0],
            len: 16,
        };
        assert_eq!(
            prepare_dump(&mut bridge, &Resume::After(prefix.clone())),
            Err(MarkerError::KeyMismatch("vr_route_req"))
        );
        let mut inet = Message::from(VrRouteReq {
            rtr_family: 2,
            ..Default::default()
        });
        prepare_dump(&mut inet, &Resume::After(prefix.clone())).unwrap();
        assert_eq!(request_resume(&inet), Some(Resume::After(prefix)));
    }

    #[test]
    fn fc_map_key_is_its_first_id() {
        let fc = Message::from(VrFcMapReq {
            fmr_id: vec![7],
            ..Default::default()
        });
        assert_eq!(object_key(&fc), Some(DumpKey::Index(7)));
        assert_eq!(object_key(&Message::from(VrFcMapReq::default())), None);
    }

    #[test]
    fn responses_are_not_dumpable() {
        let mut r = Message::from(VrResponse::default());
        assert!(!is_dumpable(&r));
        assert_eq!(object_key(&r), None);
        assert_eq!(request_resume(&r), None);
        assert_eq!(
            prepare_dump(&mut r, &Resume::Start),
            Err(MarkerError::NotDumpable("vr_response"))
        );
    }
}
