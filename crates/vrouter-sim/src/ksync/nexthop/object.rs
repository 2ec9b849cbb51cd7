//! A nexthop as vRouter holds it (`struct vr_nexthop`).

use crate::ksync::interface::VifRef;
use crate::ksync::refs::Ref;

/// A counted reference to a nexthop (held by labels, composites, mirrors, VXLAN ids, routes).
pub type NhRef = Ref<Nexthop>;

/// The discard nexthop vRouter creates at start: id 0, DISCARD, AF_INET, VALID.
pub const DISCARD_NH: u32 = 0;

/// Nexthop types (`nhr_type`; DEAD is 0) and the end of their range (`NH_MAX`).
pub(crate) mod nh_type {
    pub const RCV: u8 = 1;
    pub const ENCAP: u8 = 2;
    pub const TUNNEL: u8 = 3;
    pub const RESOLVE: u8 = 4;
    pub const DISCARD: u8 = 5;
    pub const COMPOSITE: u8 = 6;
    pub const VRF_TRANSLATE: u8 = 7;
    pub const L2_RCV: u8 = 8;
    pub const MAX: u8 = 9;
}

/// The `NH_FLAG_*` bits the handlers look at.
pub(crate) mod nh_flag {
    pub const VALID: u32 = 0x1;
    pub const TUNNEL_GRE: u32 = 0x8;
    pub const TUNNEL_UDP: u32 = 0x10;
    pub const MCAST: u32 = 0x20;
    pub const TUNNEL_UDP_MPLS: u32 = 0x40;
    pub const TUNNEL_VXLAN: u32 = 0x80;
    pub const COMPOSITE_FABRIC: u32 = 0x200;
    pub const COMPOSITE_ECMP: u32 = 0x400;
    pub const COMPOSITE_EVPN: u32 = 0x1000;
    pub const COMPOSITE_ENCAP: u32 = 0x2000;
    pub const COMPOSITE_TOR: u32 = 0x4000;
    pub const TUNNEL_PBB: u32 = 0x80000;
    pub const INDIRECT: u32 = 0x400000;
    pub const L3_VXLAN: u32 = 0x2000000;
    pub const TUNNEL_MPLS_O_MPLS: u32 = 0x4000000;
    pub const TUNNEL_UNDERLAY_ECMP: u32 = 0x10000000;
}

/// Address families as vRouter numbers them in `nhr_family`.
pub(crate) mod family {
    pub const INET: u8 = 2;
    pub const BRIDGE: u8 = 7;
    pub const INET6: u8 = 10;
}

/// Underlay interfaces a tunnel can spread over (`VR_MAX_PHY_INF`).
pub(crate) const MAX_PHY: usize = 3;

/// Tunnel endpoints and encapsulation.
#[derive(Debug, Default)]
pub(crate) struct Tunnel {
    pub(crate) sip: u32,
    pub(crate) dip: u32,
    pub(crate) sport: i16,
    pub(crate) dport: i16,
    pub(crate) sip6: [u8; 16],
    pub(crate) dip6: [u8; 16],
    /// Encapsulation length of UDP tunnels (GRE, MPLS-over-UDP and VXLAN report the buffer size).
    pub(crate) encap_len: u16,
    pub(crate) transport_label: u32,
    pub(crate) l3_mac: [u8; 6],
    pub(crate) pbb_label: i32,
    pub(crate) pbb_mac: [u8; 6],
}

/// One member of a composite: the nexthop (None when it did not exist at ADD) and its label.
#[derive(Debug)]
pub(crate) struct Component {
    pub(crate) nh: Option<NhRef>,
    pub(crate) label: i32,
}

/// One nexthop.
#[derive(Debug, Default)]
pub struct Nexthop {
    pub(crate) id: u32,
    pub(crate) nh_type: u8,
    pub(crate) family: u8,
    pub(crate) flags: u32,
    pub(crate) vrf: i32,
    /// The encapsulation buffer, sized once when the nexthop is created (from the encap of an
    /// ENCAP or TUNNEL ADD); a change must bring the same size or none.
    pub(crate) data: Vec<u8>,
    /// ENCAP: bytes of `data` in use, and the encap family (16 bits in vRouter).
    pub(crate) encap_len: u16,
    pub(crate) encap_family: u16,
    /// The interface(s): `devs[0]` is the nexthop's device; tunnels over an ECMP underlay use all.
    pub(crate) devs: [Option<VifRef>; MAX_PHY],
    pub(crate) encap_valid: [i32; MAX_PHY],
    pub(crate) crypt_dev: Option<VifRef>,
    pub(crate) tunnel: Tunnel,
    pub(crate) components: Vec<Component>,
    /// The request's ECMP hash fields as kept for an ECMP composite (low 5 bits reported).
    pub(crate) ecmp_config_hash: u8,
    /// The direct nexthop of an INDIRECT one.
    pub(crate) direct: Option<NhRef>,
}

impl Nexthop {
    /// A nexthop before any type-specific setup.
    pub(crate) fn new(id: u32, data_size: usize) -> Self {
        Nexthop { id, data: vec![0; data_size], ..Default::default() }
    }

    /// The discard nexthop vRouter creates at start (id 0).
    pub(crate) fn discard() -> Self {
        Nexthop {
            id: DISCARD_NH,
            nh_type: nh_type::DISCARD,
            family: family::INET,
            flags: nh_flag::VALID,
            ..Default::default()
        }
    }

    /// The nexthop's id.
    pub fn id(&self) -> u32 {
        self.id
    }

    /// `NH_*` type.
    pub fn nh_type(&self) -> u8 {
        self.nh_type
    }

    /// `NH_FLAG_*` bits.
    pub fn flags(&self) -> u32 {
        self.flags
    }

    /// The interface the nexthop sends on, by index, if it has one.
    pub fn device(&self) -> Option<u32> {
        self.devs[0].as_ref().map(|d| d.index())
    }

    /// The counted references a freed nexthop gives back: its interfaces, its members when it
    /// is a composite, its direct nexthop when it is INDIRECT. Its crypt interface is not given
    /// back (vRouter never releases that one).
    pub(crate) fn into_refs(self) -> (Vec<VifRef>, Vec<NhRef>) {
        let vifs = self.devs.into_iter().flatten().collect();
        let mut nhs = Vec::new();
        if self.nh_type == nh_type::COMPOSITE {
            nhs.extend(self.components.into_iter().filter_map(|c| c.nh));
        }
        if self.flags & nh_flag::INDIRECT != 0 {
            nhs.extend(self.direct);
        }
        (vifs, nhs)
    }
}
