//! Nexthops (`vr_nexthop_req`): every type with vRouter's validation, reference counts and
//! dumps (dp-core/vr_nexthop.c).
//!
//! References: the table counts each nexthop once; MPLS labels, composites, mirrors, VXLAN ids
//! and INDIRECT nexthops count it once more each. Routes are to do the same: take a reference
//! with [`Datapath::nexthop_ref`] when a route points at a nexthop and give it back with
//! [`Datapath::put_nexthop`] when it stops. A DEL answers 0 even while references remain:
//! the nexthop leaves the table (GET says −ENOENT) and lives on for its holders, which keep
//! reporting its id (PROTOCOL.md §11).

mod add;
mod composite;
mod encap;
mod object;
mod report;
mod tunnel;

use vrouter_proto::messages::{SandeshOp, VrNexthopReq};

pub use object::{Nexthop, NhRef, DISCARD_NH};

use super::errno::*;
use super::refs::Removal;
use super::{Datapath, Responses};

/// Handles one `vr_nexthop_req`.
pub fn handle(dp: &mut Datapath, req: VrNexthopReq, out: &mut Responses) {
    match req.h_op {
        SandeshOp::ADD => out.code(add::add(dp, &req)),
        SandeshOp::GET => report::get(dp, &req, out),
        SandeshOp::DEL => out.code(del(dp, &req)),
        SandeshOp::DUMP => report::dump(dp, &req, out),
        _ => out.code(-EOPNOTSUPP),
    }
}

/// DEL: −EINVAL when there is no such nexthop (the discard nexthop 0 can be deleted too).
fn del(dp: &mut Datapath, req: &VrNexthopReq) -> i32 {
    match dp.nexthops.remove(req.nhr_id as u32) {
        Removal::Absent => -EINVAL,
        Removal::Lingering => 0,
        Removal::Freed(nh) => {
            dp.free_nexthop(nh);
            0
        }
    }
}

/// Nexthop references, for the tables that point at nexthops.
impl Datapath {
    /// Takes a counted reference on nexthop `id` (None when there is no such nexthop): what a
    /// route, label or other holder does when it starts pointing at it.
    pub fn nexthop_ref(&mut self, id: u32) -> Option<NhRef> {
        self.nexthops.acquire(id)
    }

    /// Gives a nexthop reference back; a deleted nexthop whose last reference this was is
    /// freed, giving back the references it held in turn.
    pub fn put_nexthop(&mut self, r: NhRef) {
        if let Some(nh) = self.nexthops.release(r) {
            self.free_nexthop(nh);
        }
    }

    /// Frees a nexthop no one references any more.
    pub(crate) fn free_nexthop(&mut self, nh: Nexthop) {
        let (vifs, nhs) = nh.into_refs();
        vifs.into_iter().for_each(|r| self.put_vif(r));
        nhs.into_iter().for_each(|r| self.put_nexthop(r));
    }

    /// Runs a nexthop ADD as a client would send it; returns vRouter's code. A convenience for
    /// setting a datapath up in code.
    pub fn add_nexthop(&mut self, req: &VrNexthopReq) -> i32 {
        add::add(self, req)
    }
}
