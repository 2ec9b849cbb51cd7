//! TUNNEL nexthops: GRE, UDP, MPLS-over-UDP, VXLAN and PBB (dp-core/vr_nexthop.c
//! `nh_tunnel_add`). Which kind a tunnel is comes from its flags, in that order of precedence.

use vrouter_proto::messages::VrNexthopReq;

use super::add::{copy_encap, oif, Work};
use super::object::{family, nh_flag, Nexthop, MAX_PHY};
use crate::ksync::errno::*;
use crate::ksync::interface::VifRef;
use crate::ksync::Datapath;

/// The kind of a tunnel, from its flags, first match wins.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    Gre,
    Udp,
    MplsOverUdp,
    Vxlan,
    Pbb,
    Unknown,
}

impl Kind {
    pub(super) fn of(flags: u32) -> Kind {
        [
            (nh_flag::TUNNEL_GRE, Kind::Gre),
            (nh_flag::TUNNEL_UDP, Kind::Udp),
            (nh_flag::TUNNEL_UDP_MPLS, Kind::MplsOverUdp),
            (nh_flag::TUNNEL_VXLAN, Kind::Vxlan),
            (nh_flag::TUNNEL_PBB, Kind::Pbb),
        ]
        .into_iter()
        .find(|(bit, _)| flags & bit != 0)
        .map_or(Kind::Unknown, |(_, kind)| kind)
    }
}

/// Sets a tunnel up. Where vRouter loses interface references on an error path (it neither
/// stores nor gives them back), the references are dropped unreleased here too.
pub(super) fn add(dp: &mut Datapath, work: &mut Work, req: &VrNexthopReq) -> Result<(), i32> {
    let fam = req.nhr_family as u8;
    if fam == family::INET6 && (req.nhr_tun_sip6.is_empty() || req.nhr_tun_dip6.is_empty()) {
        return Err(-EINVAL);
    }
    if fam == family::INET && (req.nhr_tun_sip == 0 || req.nhr_tun_dip == 0) {
        return Err(-EINVAL);
    }
    let flags = work.nh().flags;
    let underlay = flags & nh_flag::TUNNEL_UNDERLAY_ECMP != 0;
    let vifs = underlay_vifs(dp, work, req, underlay);
    // The crypt interface is looked up every time (index 0 when the field is left at 0).
    let crypt = dp.interfaces.acquire(req.nhr_encap_crypt_oif_id as u32);
    if let Some(old) = std::mem::replace(&mut work.nh().crypt_dev, crypt) {
        work.dropped_vifs.push(old);
    }
    let any_vif = vifs.iter().any(Option::is_some);
    let kind = Kind::of(flags);

    if matches!(kind, Kind::Gre | Kind::MplsOverUdp | Kind::Vxlan) {
        // These go out on an interface: none ⇒ −ENODEV.
        if !any_vif {
            return Err(-ENODEV);
        }
        let nh = work.nh();
        nh.tunnel.sip = req.nhr_tun_sip;
        nh.tunnel.dip = req.nhr_tun_dip;
        if kind != Kind::Vxlan && flags & nh_flag::TUNNEL_MPLS_O_MPLS != 0 {
            nh.tunnel.transport_label = req.nhr_transport_label;
        }
        let old = std::mem::replace(&mut nh.devs, vifs);
        if kind == Kind::Vxlan && flags & nh_flag::L3_VXLAN != 0 {
            let mac = &req.nhr_rw_dst_mac;
            if mac.len() != 6 || mac.iter().all(|&b| b == 0) {
                // The new interfaces stay; the old ones are never given back.
                return Err(-EINVAL);
            }
            nh.tunnel.l3_mac.copy_from_slice(mac);
        }
        finish(work, req, old);
        return Ok(());
    }
    if kind == Kind::Udp {
        let nh = work.nh();
        match fam {
            family::INET => {
                nh.tunnel.sip = req.nhr_tun_sip;
                nh.tunnel.dip = req.nhr_tun_dip;
            }
            family::INET6 => {
                nh.tunnel.sip6 = addr6(&req.nhr_tun_sip6);
                nh.tunnel.dip6 = addr6(&req.nhr_tun_dip6);
            }
            _ => return Err(-EINVAL),
        }
        nh.tunnel.sport = req.nhr_tun_sport;
        nh.tunnel.dport = req.nhr_tun_dport;
        nh.tunnel.encap_len = req.nhr_encap.len() as u16;
        // Plain UDP tunnels keep no interface.
        work.dropped_vifs.extend(vifs.into_iter().flatten());
        let old = std::mem::take(&mut work.nh().devs);
        finish(work, req, old);
        return Ok(());
    }
    if kind == Kind::Pbb {
        if flags & nh_flag::INDIRECT == 0 {
            return Err(-EINVAL);
        }
        let mac = &req.nhr_pbb_mac;
        if mac.len() != 6 || mac.iter().all(|&b| b == 0) {
            return Err(-EINVAL);
        }
        let nh = work.nh();
        nh.tunnel.pbb_label = req.nhr_label_list.first().copied().unwrap_or(-1);
        nh.tunnel.pbb_mac.copy_from_slice(mac);
        work.dropped_vifs.extend(vifs.into_iter().flatten());
        let old = std::mem::take(&mut work.nh().devs);
        finish(work, req, old);
        return Ok(());
    }
    // No tunnel kind: everything looked up goes back, the crypt interface included.
    work.dropped_vifs.extend(vifs.into_iter().flatten());
    let crypt = work.nh().crypt_dev.take();
    work.dropped_vifs.extend(crypt);
    Err(-EINVAL)
}

/// The interfaces named by the request: all three of an ECMP underlay (where marked valid), or
/// the first one.
fn underlay_vifs(dp: &mut Datapath, work: &mut Work, req: &VrNexthopReq, underlay: bool) -> [Option<VifRef>; MAX_PHY] {
    let mut vifs: [Option<VifRef>; MAX_PHY] = Default::default();
    if underlay {
        for (i, vif) in vifs.iter_mut().enumerate() {
            let valid = req.nhr_encap_valid.get(i).copied().unwrap_or(0);
            work.nh().encap_valid[i] = valid;
            if valid != 0 {
                *vif = oif(req, i).and_then(|x| dp.interfaces.acquire(x));
            }
        }
    } else {
        vifs[0] = oif(req, 0).and_then(|x| dp.interfaces.acquire(x));
    }
    vifs
}

/// The common end of a successful setup: the encap is copied and the old interfaces go back.
fn finish(work: &mut Work, req: &VrNexthopReq, old: [Option<VifRef>; MAX_PHY]) {
    copy_encap(work.nh(), &req.nhr_encap);
    work.dropped_vifs.extend(old.into_iter().flatten());
}

/// 16 address bytes, zero-padded.
fn addr6(bytes: &[u8]) -> [u8; 16] {
    let mut a = [0; 16];
    let n = bytes.len().min(16);
    a[..n].copy_from_slice(&bytes[..n]);
    a
}

/// What vRouter reports as a tunnel's `nhr_encap_family`: the field shares its memory with
/// the tunnel's first word, so it reads the upper half of the IPv4 source (or of the PBB
/// label); for an IPv6 UDP tunnel that word is a pointer, reported here as 0.
pub(super) fn encap_family_alias(nh: &Nexthop) -> u16 {
    match Kind::of(nh.flags) {
        Kind::Pbb => (nh.tunnel.pbb_label as u32 >> 16) as u16,
        Kind::Udp if nh.family == family::INET6 => 0,
        _ => (nh.tunnel.sip >> 16) as u16,
    }
}
