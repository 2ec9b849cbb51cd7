//! Nexthop ADD: a new nexthop or a change to one (dp-core/vr_nexthop.c `vr_nexthop_add`).

use vrouter_proto::messages::VrNexthopReq;

use super::object::{nh_flag, nh_type, Nexthop, NhRef};
use super::{composite, encap, tunnel};
use crate::ksync::errno::*;
use crate::ksync::interface::VifRef;
use crate::ksync::refs::Taken;
use crate::ksync::Datapath;

/// The nexthop being set up: a new one (in the table only once it succeeds), or an existing
/// one taken out of its table for the change. References it drops on the way are given back
/// once it is settled.
pub(super) struct Work {
    slot: Slot,
    pub(super) dropped_vifs: Vec<VifRef>,
    pub(super) dropped_nhs: Vec<NhRef>,
}

enum Slot {
    New(Box<Nexthop>),
    Existing(Taken<Nexthop>),
}

impl Work {
    /// The nexthop.
    pub(super) fn nh(&mut self) -> &mut Nexthop {
        match &mut self.slot {
            Slot::New(nh) => nh,
            Slot::Existing(t) => t.value_mut(),
        }
    }

    /// A reference on nexthop `id`, as vRouter's lookup gives it: the nexthop being changed is
    /// still in vRouter's table, so it can be found (and counted) by its own id.
    pub(super) fn acquire_nh(&mut self, dp: &mut Datapath, id: u32) -> Option<NhRef> {
        match &mut self.slot {
            Slot::Existing(t) if t.index() == id => Some(t.acquire_self()),
            _ => dp.nexthops.acquire(id),
        }
    }

    /// Nexthop `id` as it stands (the one being changed included).
    pub(super) fn peek<'a>(&'a mut self, dp: &'a Datapath, id: u32) -> Option<&'a Nexthop> {
        match &mut self.slot {
            Slot::Existing(t) if t.index() == id => Some(t.value_mut()),
            _ => dp.nexthops.get(id),
        }
    }
}

/// Handles an ADD; returns the response code.
pub(super) fn add(dp: &mut Datapath, req: &VrNexthopReq) -> i32 {
    let id = req.nhr_id as u32;
    // The type byte is read unsigned, so a negative one is out of range too.
    if !dp.nexthops.in_range(id as i64) || req.nhr_type < 0 || req.nhr_type as u8 >= nh_type::MAX {
        return -EINVAL;
    }
    let slot = match dp.nexthops.take(id) {
        Some(mut t) => {
            if !valid_change(req, t.value_mut()) {
                dp.nexthops.put_back(t);
                return -EINVAL;
            }
            Slot::Existing(t)
        }
        None => Slot::New(Box::new(Nexthop::new(id, data_size(req)))),
    };
    let mut work = Work { slot, dropped_vifs: Vec::new(), dropped_nhs: Vec::new() };
    let result = configure(dp, &mut work, req);
    let code = result.err().unwrap_or(0);
    match work.slot {
        Slot::New(nh) if code == 0 => dp.nexthops.insert(id, *nh),
        // A new nexthop that failed is destroyed, giving back what it took.
        Slot::New(nh) => dp.free_nexthop(*nh),
        // A failed change leaves the nexthop as far as it got (vRouter points it at discard).
        Slot::Existing(t) => dp.nexthops.put_back(t),
    }
    work.dropped_vifs.into_iter().for_each(|r| dp.put_vif(r));
    work.dropped_nhs.into_iter().for_each(|r| dp.put_nexthop(r));
    code
}

/// The common fields, then the type's own setup when the request is VALID.
fn configure(dp: &mut Datapath, work: &mut Work, req: &VrNexthopReq) -> Result<(), i32> {
    let requested = req.nhr_flags;
    let nh = work.nh();
    let was_valid = nh.flags & nh_flag::VALID != 0;
    let is_change = !matches!(work.slot, Slot::New(_));
    // An invalid → valid change becomes VALID only once the whole nexthop is set up.
    let invalid_to_valid = is_change && requested & nh_flag::VALID != 0 && !was_valid;
    let nh = work.nh();
    nh.nh_type = req.nhr_type as u8;
    nh.family = req.nhr_family as u8;
    nh.vrf = req.nhr_vrf;
    // vRouter forgets the direct nexthop of an indirect one here without giving its
    // reference back; the count stays taken.
    nh.direct = None;
    nh.flags = if invalid_to_valid { requested & !nh_flag::VALID } else { requested };
    if requested & nh_flag::VALID == 0 {
        // Not VALID: stored as given, nothing looked up or checked.
        return Ok(());
    }
    if nh.flags & nh_flag::INDIRECT != 0 {
        composite::add_indirect(dp, work, req)?;
    }
    match req.nhr_type as u8 {
        nh_type::ENCAP => encap::add_encap(dp, work, req)?,
        nh_type::TUNNEL => tunnel::add(dp, work, req)?,
        nh_type::RCV => encap::add_rcv(dp, work, req)?,
        nh_type::L2_RCV | nh_type::RESOLVE | nh_type::VRF_TRANSLATE | nh_type::DISCARD => {}
        nh_type::COMPOSITE => composite::add(dp, work, req)?,
        // DEAD cannot be ADDed as VALID.
        _ => return Err(-EINVAL),
    }
    if invalid_to_valid {
        work.nh().flags |= nh_flag::VALID;
    }
    Ok(())
}

/// A VALID change must keep the type, the encap size (or bring none) and INDIRECT-ness.
fn valid_change(req: &VrNexthopReq, nh: &Nexthop) -> bool {
    if req.nhr_flags & nh_flag::VALID == 0 {
        return true;
    }
    req.nhr_type as u8 == nh.nh_type
        && (req.nhr_encap.is_empty() || req.nhr_encap.len() == nh.data.len())
        && (req.nhr_flags ^ nh.flags) & nh_flag::INDIRECT == 0
}

/// A new ENCAP or TUNNEL nexthop gets a buffer the size of the request's encap, for good.
fn data_size(req: &VrNexthopReq) -> usize {
    match req.nhr_type as u8 {
        nh_type::ENCAP | nh_type::TUNNEL => req.nhr_encap.len(),
        _ => 0,
    }
}

/// The first interface index of `nhr_encap_oif_id`, if the list has one.
pub(super) fn oif(req: &VrNexthopReq, i: usize) -> Option<u32> {
    req.nhr_encap_oif_id.get(i).map(|&x| x as u32)
}

/// Copies an encap into the nexthop's buffer, as far as the buffer goes.
pub(super) fn copy_encap(nh: &mut Nexthop, encap: &[u8]) {
    let n = encap.len().min(nh.data.len());
    nh.data[..n].copy_from_slice(&encap[..n]);
}
