//! Interface nexthops: ENCAP (rewrite and send on a vif) and RCV (receive on a vif)
//! (dp-core/vr_nexthop.c `nh_encap_add`, `nh_rcv_add`).

use vrouter_proto::messages::VrNexthopReq;

use super::add::{copy_encap, oif, Work};
use super::object::{family, nh_flag};
use crate::ksync::errno::*;
use crate::ksync::Datapath;

/// ENCAP: AF_INET or AF_BRIDGE, a unicast AF_INET one needs at least a MAC's worth of encap,
/// and the interface must exist (−EINVAL, not −ENODEV, for this type).
pub(super) fn add_encap(dp: &mut Datapath, work: &mut Work, req: &VrNexthopReq) -> Result<(), i32> {
    let fam = req.nhr_family as u8;
    let mcast = req.nhr_flags & nh_flag::MCAST != 0;
    if fam != family::INET && fam != family::BRIDGE {
        return Err(-EINVAL);
    }
    if fam == family::BRIDGE && mcast {
        return Err(-EINVAL);
    }
    if fam == family::INET && !mcast && req.nhr_encap.len() < 6 {
        return Err(-EINVAL);
    }
    let vif = oif(req, 0).and_then(|i| dp.interfaces.acquire(i)).ok_or(-EINVAL)?;
    let nh = work.nh();
    nh.encap_family = req.nhr_encap_family as u16;
    nh.encap_len = req.nhr_encap.len() as u16;
    copy_encap(nh, &req.nhr_encap);
    if let Some(old) = nh.devs[0].replace(vif) {
        work.dropped_vifs.push(old);
    }
    Ok(())
}

/// RCV: the receiving interface must exist (−ENODEV).
pub(super) fn add_rcv(dp: &mut Datapath, work: &mut Work, req: &VrNexthopReq) -> Result<(), i32> {
    let vif = oif(req, 0).and_then(|i| dp.interfaces.acquire(i)).ok_or(-ENODEV)?;
    if let Some(old) = work.nh().devs[0].replace(vif) {
        work.dropped_vifs.push(old);
    }
    Ok(())
}
