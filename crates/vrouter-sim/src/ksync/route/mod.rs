//! Routes (`vr_route_req`): per-VRF IPv4 and IPv6 tables built as vRouter's mtrie, and bridge
//! (MAC) routes in the bridge table (dp-core/vr_route.c, vr_ip_mtrie.c, vr_bridge.c).
//!
//! - inet and inet6 (`inet.rs`): a [`Mtrie`] per VRF and family, created by the VRF's first ADD.
//!   GET answers from the slot a longest-match search finds; DUMP lists slots, not configured
//!   routes (`walk.rs`).
//! - bridge (`bridge.rs`): entries of the bridge table (the shared-memory layout of PROTOCOL.md
//!   §7.6), reached through [`BridgeStore`]: the datapath's mapped table once it has its tables
//!   (`Datapath::attach_tables`), else a table in process memory sized from
//!   [`Limits`](crate::ksync::Limits), created by the first bridge route.
//!
//! Every trie slot and every bridge entry that points at a nexthop holds a reference on it, as in
//! vRouter (so a nexthop's `nhr_ref_cnt` counts slots, and a DEL of a nexthop still routed to
//! answers 0 and leaves it lingering until the routes let go).

mod bridge;
mod inet;
mod mtrie;
mod nh;
mod store;
mod walk;

use std::collections::{BTreeMap, HashMap};

use vrouter_proto::messages::{SandeshOp, VrRouteReq};

pub use mtrie::{Entry, IpFamily, Mtrie, BUCKET_SIZE, LEVEL_BITS, NO_BRIDGE_INDEX, NO_LABEL};
pub use store::{memory_bridge_table, BridgeSlot, BridgeStore, MemoryTable, BE_VALID};

use super::errno::*;
use super::nexthop::NhRef;
use super::{Datapath, Responses};
use nh::NhCtx;

/// `rtr_family` of IPv4 routes.
pub const AF_INET: i32 = 2;
/// `rtr_family` of bridge routes, as vRouter defines it.
pub const AF_BRIDGE: i32 = 7;
/// `rtr_family` of IPv6 routes.
pub const AF_INET6: i32 = 10;

/// The route tables of a datapath.
#[derive(Debug, Default)]
pub struct RouteTables {
    inet: BTreeMap<u32, Mtrie>,
    inet6: BTreeMap<u32, Mtrie>,
    /// The in-memory bridge table of a datapath without shared tables, once a bridge route
    /// needed it.
    bridge: Option<Box<dyn BridgeStore>>,
    /// The nexthop each bridge entry holds, by entry index: the table itself keeps only the id.
    bridge_nh: HashMap<u32, NhRef>,
}

impl RouteTables {
    /// VRF `vrf`'s table of `family`, if a route ADD has created it.
    pub fn table(&self, family: IpFamily, vrf: u32) -> Option<&Mtrie> {
        self.tables(family).get(&vrf)
    }

    /// The VRFs that have a table of `family`.
    pub fn vrfs(&self, family: IpFamily) -> impl Iterator<Item = u32> + '_ {
        self.tables(family).keys().copied()
    }

    /// The slot the forwarding path's lookup finds for `addr` in VRF `vrf`: a longest match of
    /// the full address (what a packet to it would use); none when the VRF has no table.
    pub fn lookup(&self, family: IpFamily, vrf: u32, addr: &[u8]) -> Option<&Entry> {
        self.table(family, vrf)?.lookup(&address(addr, family), family.bits() as i32)
    }

    /// The nexthop id bridge entry `index` holds, if a bridge route set one.
    pub fn bridge_nexthop(&self, index: u32) -> Option<u32> {
        self.bridge_nh.get(&index).map(NhRef::index)
    }

    fn tables(&self, family: IpFamily) -> &BTreeMap<u32, Mtrie> {
        match family {
            IpFamily::V4 => &self.inet,
            IpFamily::V6 => &self.inet6,
        }
    }

    fn tables_mut(&mut self, family: IpFamily) -> &mut BTreeMap<u32, Mtrie> {
        match family {
            IpFamily::V4 => &mut self.inet,
            IpFamily::V6 => &mut self.inet6,
        }
    }
}

/// Handles one `vr_route_req`. Ops other than ADD, DEL, GET and DUMP get no answer, as in
/// vRouter.
pub fn handle(dp: &mut Datapath, req: VrRouteReq, out: &mut Responses) {
    match req.h_op {
        SandeshOp::ADD => out.code(add(dp, &req)),
        SandeshOp::DEL => out.code(del(dp, &req)),
        SandeshOp::GET => get(dp, req, out),
        SandeshOp::DUMP => dump(dp, &req, out),
        _ => {}
    }
}

/// An unknown family is −ENOENT for ADD and DEL (vRouter finds no family handler) …
fn add(dp: &mut Datapath, req: &VrRouteReq) -> i32 {
    match req.rtr_family {
        AF_INET => inet::add(dp, req, IpFamily::V4),
        AF_INET6 => inet::add(dp, req, IpFamily::V6),
        AF_BRIDGE => bridge::add(dp, req),
        _ => -ENOENT,
    }
}

fn del(dp: &mut Datapath, req: &VrRouteReq) -> i32 {
    match req.rtr_family {
        AF_INET => inet::del(dp, req, IpFamily::V4),
        AF_INET6 => inet::del(dp, req, IpFamily::V6),
        AF_BRIDGE => bridge::del(dp, req),
        _ => -ENOENT,
    }
}

/// … −EINVAL for GET (checked up front) …
fn get(dp: &Datapath, req: VrRouteReq, out: &mut Responses) {
    match req.rtr_family {
        AF_INET => inet::get(dp, req, IpFamily::V4, out),
        AF_INET6 => inet::get(dp, req, IpFamily::V6, out),
        AF_BRIDGE => bridge::get(dp, req, out),
        _ => out.code(-EINVAL),
    }
}

/// … and for DUMP every family but bridge and inet6 reads the IPv4 tables, as vRouter's does.
fn dump(dp: &Datapath, req: &VrRouteReq, out: &mut Responses) {
    match req.rtr_family {
        AF_BRIDGE => bridge::dump(dp, req, out),
        AF_INET6 => inet::dump(dp, req, IpFamily::V6, out),
        _ => inet::dump(dp, req, IpFamily::V4, out),
    }
}

/// Runs `f` on the route tables with a nexthop context, then gives back the references it
/// dropped (which may free deleted nexthops).
fn with_refs<R>(dp: &mut Datapath, f: impl FnOnce(&mut RouteTables, &mut NhCtx) -> R) -> R {
    let mut ctx = NhCtx::new(&mut dp.nexthops);
    let result = f(&mut dp.routes, &mut ctx);
    for r in ctx.finish() {
        dp.put_nexthop(r);
    }
    result
}

/// The soft reset's share (`vrouter_ops` RESET): every VRF table goes, every bridge entry is
/// freed (whoever placed it, as vRouter's table reset does), and their nexthop references are
/// given back.
pub(crate) fn flush(dp: &mut Datapath) {
    if let Some(table) = dp.bridge_table_in_use() {
        for index in 0..table.total_entries() {
            if table.allocated(index) {
                // Only a table damaged under us could refuse; there is nothing else to do.
                let _ = table.release(index);
            }
        }
    }
    with_refs(dp, |routes, ctx| {
        let tables =
            std::mem::take(&mut routes.inet).into_values().chain(std::mem::take(&mut routes.inet6).into_values());
        tables.for_each(|t| t.release(ctx));
        routes.bridge_nh.drain().for_each(|(_, r)| ctx.release(r));
    });
}

/// The bridge table bridge routes live in: the datapath's shared table when it has one
/// (`Datapath::attach_tables`), else one in process memory, created by the first bridge route
/// and sized from the limits. Attach the tables before adding bridge routes: entries already in
/// the memory table are not carried over.
impl Datapath {
    /// The bridge table, if the datapath has one or a bridge route created one.
    pub fn bridge_table(&self) -> Option<&dyn BridgeStore> {
        #[cfg(any(unix, windows))]
        if let Some(tables) = self.flows.tables() {
            return Some(tables.bridge());
        }
        self.routes.bridge.as_deref()
    }

    /// The bridge table for writing, without creating one.
    fn bridge_table_in_use(&mut self) -> Option<&mut dyn BridgeStore> {
        #[cfg(any(unix, windows))]
        if self.flows.tables().is_some() {
            return self.flows.tables_mut().map(|t| t.bridge_writer() as &mut dyn BridgeStore);
        }
        // Mutable trait-object references do not shorten their object lifetime on their own.
        match &mut self.routes.bridge {
            Some(table) => Some(table.as_mut()),
            None => None,
        }
    }

    /// The bridge table for writing, created in memory on first use. None only when the limits
    /// describe a table that cannot exist.
    fn bridge_table_mut(&mut self) -> Option<&mut dyn BridgeStore> {
        #[cfg(any(unix, windows))]
        let shared = self.flows.tables().is_some();
        #[cfg(not(any(unix, windows)))]
        let shared = false;
        if !shared && self.routes.bridge.is_none() {
            let table = memory_bridge_table(self.limits.bridge_entries, self.limits.bridge_oflow_entries)?;
            self.routes.bridge = Some(Box::new(table));
        }
        self.bridge_table_in_use()
    }
}

/// The 16 address bytes of a request's prefix or marker: vRouter copies the family's address
/// size from the request whatever its length (missing bytes read here as zero).
fn address(bytes: &[u8], family: IpFamily) -> [u8; 16] {
    let mut out = [0u8; 16];
    let n = bytes.len().min(family.addr_len());
    out[..n].copy_from_slice(&bytes[..n]);
    out
}

/// A reply's `rtr_prefix`: vRouter sends as many bytes as the request's `rtr_prefix` had, from
/// a 16-byte buffer (zero past it).
fn sized_prefix(len: usize, prefix: &[u8; 16]) -> Vec<u8> {
    (0..len).map(|i| prefix.get(i).copied().unwrap_or(0)).collect()
}
