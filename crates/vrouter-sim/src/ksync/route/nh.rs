//! Nexthop references as the route tables take and drop them.
//!
//! vRouter counts one nexthop user per trie slot (and per bridge entry) that points at it, so a
//! /0 route spread over 256 slots holds 256 counts. The trie code runs with the nexthop table
//! borrowed and the route tables borrowed at the same time, so references it gives back are
//! collected here and released by the caller afterwards with [`Datapath::put_nexthop`], which
//! may free a deleted nexthop and cascade into other tables.
//!
//! [`Datapath::put_nexthop`]: crate::ksync::Datapath::put_nexthop

use crate::ksync::nexthop::{Nexthop, NhRef, DISCARD_NH};
use crate::ksync::RefTable;

/// Takes references from the nexthop table and keeps the ones given back.
pub(crate) struct NhCtx<'a> {
    table: &'a mut RefTable<Nexthop>,
    released: Vec<NhRef>,
}

impl<'a> NhCtx<'a> {
    /// Works on `table`.
    pub(crate) fn new(table: &'a mut RefTable<Nexthop>) -> Self {
        NhCtx { table, released: Vec::new() }
    }

    /// A reference on the nexthop now at `id`, if any.
    pub(crate) fn acquire(&mut self, id: u32) -> Option<NhRef> {
        self.table.acquire(id)
    }

    /// What vRouter's `set_entry_to_nh` stores when it copies a slot's nexthop: a new reference
    /// on the same nexthop if it is still the one in the table at its id, otherwise (it was
    /// deleted, or replaced by a new nexthop at that id) a reference on the discard nexthop 0
    /// — or none when that is gone too. A slot without a nexthop copies as none.
    pub(crate) fn copy_of(&mut self, from: Option<&NhRef>) -> Option<NhRef> {
        let from = from?;
        let current = self.table.acquire(from.index());
        if current.as_ref() == Some(from) {
            return current;
        }
        if let Some(other) = current {
            self.release(other);
        }
        self.table.acquire(DISCARD_NH)
    }

    /// Gives a reference back (when the caller finishes).
    pub(crate) fn release(&mut self, r: NhRef) {
        self.released.push(r);
    }

    /// Keeps a reference's count forever, where vRouter takes a reference and never puts it.
    pub(crate) fn leak(&mut self, r: NhRef) {
        let _counted_forever = r;
    }

    /// The references given back, for [`Datapath::put_nexthop`](crate::ksync::Datapath::put_nexthop).
    pub(crate) fn finish(self) -> Vec<NhRef> {
        self.released
    }
}
