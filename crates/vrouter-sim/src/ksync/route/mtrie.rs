//! One VRF's IPv4 or IPv6 route table, built as vRouter's mtrie (dp-core/vr_ip_mtrie.c).
//!
//! A trie of 256-slot buckets, one level per address byte (IPv4 4 levels, IPv6 16). A route
//! writes its data (nexthop, label, flags, prefix length) into every slot it covers at the level
//! where its length falls: a /20 fills 16 slots of the third-level bucket. A slot is either a
//! leaf holding that data or a bucket of 256 more specific slots; a bucket starts as 256 copies
//! of the leaf it replaces. Deleting writes the covering route's data (sent with the DEL) back
//! into the slots the route held, and a bucket whose 256 slots have become identical folds back
//! into one leaf. There is no list of configured routes: what the table reports (GET, DUMP) are
//! slots. The slot-by-slot behaviour below follows vRouter's, odd cases included, because
//! clients see it: DUMP lists slots, GET answers from a slot.

use super::nh::NhCtx;
use crate::ksync::nexthop::NhRef;

/// Bits per level (vRouter's IPBUCKET_LEVEL_BITS).
pub const LEVEL_BITS: u32 = 8;
/// Slots per bucket.
pub const BUCKET_SIZE: usize = 1 << LEVEL_BITS;
/// `rtr_index` / slot bridge index meaning "no bridge entry" (VR_BE_INVALID_INDEX).
pub const NO_BRIDGE_INDEX: u32 = u32::MAX;
/// The label of a route without VR_RT_LABEL_VALID, and of a new table's root.
pub const NO_LABEL: u32 = 0x00ff_ffff;

/// The two trie shapes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IpFamily {
    /// AF_INET: 4 levels.
    V4,
    /// AF_INET6: 16 levels.
    V6,
}

impl IpFamily {
    /// Address bytes, which is also the number of levels.
    pub fn addr_len(self) -> usize {
        match self {
            IpFamily::V4 => 4,
            IpFamily::V6 => 16,
        }
    }

    /// Address bits: the longest prefix.
    pub fn bits(self) -> u32 {
        self.addr_len() as u32 * 8
    }
}

/// Prefix length covered once `level`'s byte is taken (vRouter's `bi_pfx_len`).
pub(crate) fn covered(level: usize) -> u32 {
    (level as u32 + 1) * LEVEL_BITS
}

/// One slot. The four data fields are kept on buckets too (vRouter's slot struct has them
/// whatever it points at): a bucket's prefix length decides whether a shorter route added later
/// still reaches into it.
#[derive(Debug)]
pub struct Entry {
    plen: u8,
    /// 5 bits in vRouter: higher label flags are lost.
    flags: u8,
    /// 24 bits in vRouter.
    label: u32,
    bridge_index: u32,
    node: Node,
}

#[derive(Debug)]
enum Node {
    /// Data; the nexthop is none only when the discard nexthop was deleted under the table.
    Leaf(Option<NhRef>),
    /// 256 more specific slots.
    Bucket(Box<[Entry]>),
}

impl Entry {
    /// Prefix length of the route owning the slot (`rtr_replace_plen` in dumps).
    pub fn plen(&self) -> u8 {
        self.plen
    }

    /// Label flags (VR_RT_*, low 5 bits).
    pub fn flags(&self) -> u8 {
        self.flags
    }

    /// Label (0xffffff without VR_RT_LABEL_VALID).
    pub fn label(&self) -> u32 {
        self.label
    }

    /// Bridge-table index of the route's MAC, [`NO_BRIDGE_INDEX`] for none.
    pub fn bridge_index(&self) -> u32 {
        self.bridge_index
    }

    /// The nexthop id of a leaf (kept even after the nexthop is deleted), none for a bucket.
    pub fn nh_id(&self) -> Option<u32> {
        self.nh().map(NhRef::index)
    }

    fn nh(&self) -> Option<&NhRef> {
        match &self.node {
            Node::Leaf(nh) => nh.as_ref(),
            Node::Bucket(_) => None,
        }
    }

    /// The more specific slots, when this is a bucket.
    pub(crate) fn bucket(&self) -> Option<&[Entry]> {
        match &self.node {
            Node::Bucket(b) => Some(b),
            Node::Leaf(_) => None,
        }
    }

    /// Whether this is a leaf with a nexthop (what a dump lists).
    pub(crate) fn has_nexthop(&self) -> bool {
        self.nh().is_some()
    }

    /// vRouter compares whole slots byte for byte: two buckets never match (their pointers
    /// differ), two leaves match when data and nexthop (the same object) do.
    fn same_as(&self, other: &Entry) -> bool {
        match (&self.node, &other.node) {
            (Node::Leaf(a), Node::Leaf(b)) => {
                a == b
                    && (self.plen, self.flags, self.label, self.bridge_index)
                        == (other.plen, other.flags, other.label, other.bridge_index)
            }
            _ => false,
        }
    }

    /// Makes a leaf slot a leaf with `nh`, giving the old reference back.
    fn set_nh(&mut self, nh: Option<NhRef>, ctx: &mut NhCtx) {
        if let Node::Leaf(Some(old)) = std::mem::replace(&mut self.node, Node::Leaf(nh)) {
            ctx.release(old);
        }
    }
}

/// What a route ADD or DEL writes into slots.
#[derive(Debug)]
pub struct SlotWrite<'r> {
    /// The route's nexthop (looked up for the request; each slot takes its own reference).
    pub nh: &'r NhRef,
    /// `rtr_label_flags`, already cut to 5 bits.
    pub flags: u8,
    /// Label, already 0xffffff without VR_RT_LABEL_VALID or masked to 24 bits.
    pub label: u32,
    /// Bridge index of the route's MAC.
    pub bridge_index: u32,
}

/// One VRF's table of one family.
#[derive(Debug)]
pub struct Mtrie {
    family: IpFamily,
    root: Entry,
}

impl Mtrie {
    /// A new table as vRouter makes one at a VRF's first route ADD: the root is a single leaf
    /// (prefix length 0) on the discard nexthop, label 0xffffff, no flags, no bridge entry.
    pub(crate) fn new(family: IpFamily, ctx: &mut NhCtx) -> Self {
        let root = Entry {
            plen: 0,
            flags: 0,
            label: NO_LABEL,
            bridge_index: NO_BRIDGE_INDEX,
            node: Node::Leaf(ctx.acquire(crate::ksync::nexthop::DISCARD_NH)),
        };
        Mtrie { family, root }
    }

    /// The family.
    pub fn family(&self) -> IpFamily {
        self.family
    }

    /// The root slot (a leaf until the first route splits it).
    pub fn root(&self) -> &Entry {
        &self.root
    }

    /// Adds (or replaces) the route `prefix/plen` (prefix already masked to `plen`): down the
    /// levels its length passes, splitting leaves into buckets, then into the slots it covers at
    /// its level, and below them into every slot not held by a more specific route.
    pub(crate) fn add(&mut self, prefix: &[u8; 16], plen: u8, write: &SlotWrite, ctx: &mut NhCtx) {
        let levels = self.family.addr_len();
        let mut ent = &mut self.root;
        for (level, &byte) in prefix.iter().enumerate().take(levels) {
            split(ent, ctx);
            let Node::Bucket(bkt) = &mut ent.node else { unreachable!("split makes a bucket") };
            let index = usize::from(byte);
            if u32::from(plen) > covered(level) {
                ent = &mut bkt[index];
                continue;
            }
            let end = (index + span(plen, level)).min(BUCKET_SIZE);
            for slot in &mut bkt[index..end] {
                add_to_tree(slot, level, plen, write, levels, ctx);
            }
            return;
        }
    }

    /// Deletes the route `prefix/plen`: the slots it holds (those whose prefix length is
    /// `plen`) take `write` and `replace_plen` — the covering route's data as the client sends
    /// it — and buckets that became uniform on the way fold back into leaves. Nothing tells
    /// whether the route was there: vRouter answers 0 either way.
    pub(crate) fn delete(&mut self, prefix: &[u8; 16], plen: u8, replace_plen: u8, write: &SlotWrite, ctx: &mut NhCtx) {
        let del = Delete { prefix, plen, replace_plen, write };
        del.entry(&mut self.root, 0, ctx);
    }

    /// vRouter's GET lookup (`mtrie_lookup`) of `prefix/plen`: the slot whose data answers, or
    /// none when the search finds nothing (vRouter then answers with its default nexthop).
    ///
    /// Not a plain walk down the address: from the slot the prefix indexes, the search goes
    /// round the whole bucket, descending into buckets, and takes the first leaf whose route is
    /// no longer than `plen` (strictly shorter outside the slots `plen` covers). So a GET of a
    /// /16 under which only a /24 exists answers from a sibling slot: the covering route.
    pub fn lookup(&self, prefix: &[u8; 16], plen: i32) -> Option<&Entry> {
        match &self.root.node {
            Node::Leaf(Some(_)) => Some(&self.root),
            Node::Leaf(None) => None,
            Node::Bucket(bkt) => lookup_bucket(bkt, 0, prefix, plen, self.family.addr_len()),
        }
    }

    /// Gives back every reference the table holds (the table goes away).
    pub(crate) fn release(self, ctx: &mut NhCtx) {
        release_entry(self.root, ctx);
    }
}

/// Slots a route of `plen` covers at `level`, where its length falls (all 256 for a /0 at the
/// first level).
fn span(plen: u8, level: usize) -> usize {
    let plen = u32::from(plen);
    if plen > covered(level) - LEVEL_BITS {
        1 << (covered(level) - plen)
    } else {
        BUCKET_SIZE
    }
}

/// Turns a leaf into a bucket of 256 copies of it (data, and a reference on its nexthop if that
/// is still current, else on the discard nexthop); the leaf's own reference is given back. The
/// slot keeps its four data fields.
fn split(ent: &mut Entry, ctx: &mut NhCtx) {
    let Node::Leaf(nh) = &ent.node else { return };
    let slots: Vec<Entry> = (0..BUCKET_SIZE)
        .map(|_| Entry {
            plen: ent.plen,
            flags: ent.flags,
            label: ent.label,
            bridge_index: ent.bridge_index,
            node: Node::Leaf(ctx.copy_of(nh.as_ref())),
        })
        .collect();
    if let Node::Leaf(Some(old)) = std::mem::replace(&mut ent.node, Node::Bucket(slots.into_boxed_slice())) {
        ctx.release(old);
    }
}

/// Writes a route into a slot unless a more specific route holds it; through buckets into all
/// their slots (not below the last level).
fn add_to_tree(ent: &mut Entry, level: usize, plen: u8, write: &SlotWrite, levels: usize, ctx: &mut NhCtx) {
    if ent.plen > plen {
        return;
    }
    ent.plen = plen;
    match &mut ent.node {
        Node::Leaf(_) => {
            let nh = ctx.copy_of(Some(write.nh));
            ent.set_nh(nh, ctx);
            ent.flags = write.flags;
            ent.label = write.label;
            ent.bridge_index = write.bridge_index;
        }
        Node::Bucket(bkt) => {
            if level + 1 >= levels {
                return;
            }
            for slot in bkt.iter_mut() {
                add_to_tree(slot, level + 1, plen, write, levels, ctx);
            }
        }
    }
}

/// One DEL's walk (vRouter's `__mtrie_delete`).
struct Delete<'a> {
    prefix: &'a [u8; 16],
    plen: u8,
    replace_plen: u8,
    write: &'a SlotWrite<'a>,
}

impl Delete<'_> {
    fn entry(&self, ent: &mut Entry, level: usize, ctx: &mut NhCtx) {
        let uniform = match &mut ent.node {
            Node::Leaf(_) => {
                if ent.plen == self.plen {
                    self.restore(ent, ctx);
                }
                return;
            }
            Node::Bucket(bkt) => {
                let index = usize::from(self.prefix[level]);
                if u32::from(self.plen) > covered(level) {
                    self.entry(&mut bkt[index], level + 1, ctx);
                } else {
                    let span = span(self.plen, level);
                    // Unlike ADD, DEL does not mask the prefix: the start is aligned here.
                    let start = if span == BUCKET_SIZE { 0 } else { index & !(span - 1) };
                    for slot in &mut bkt[start..(start + span).min(BUCKET_SIZE)] {
                        if slot.plen != self.plen {
                            continue;
                        }
                        if slot.bucket().is_some() {
                            // The bucket slot takes the data, then its own slots are restored.
                            slot.flags = self.write.flags;
                            slot.label = self.write.label;
                            slot.plen = self.replace_plen;
                            self.entry(slot, level + 1, ctx);
                        } else {
                            self.restore(slot, ctx);
                        }
                    }
                }
                bkt[1..].iter().all(|s| s.same_as(&bkt[0]))
            }
        };
        if uniform {
            collapse(ent, ctx);
        }
    }

    /// A leaf the deleted route held takes the covering data.
    fn restore(&self, ent: &mut Entry, ctx: &mut NhCtx) {
        ent.flags = self.write.flags;
        ent.label = self.write.label;
        ent.plen = self.replace_plen;
        let nh = ctx.copy_of(Some(self.write.nh));
        ent.set_nh(nh, ctx);
        ent.bridge_index = self.write.bridge_index;
    }
}

/// Folds a uniform bucket back into one leaf with the data of its first slot.
fn collapse(ent: &mut Entry, ctx: &mut NhCtx) {
    let Node::Bucket(bkt) = std::mem::replace(&mut ent.node, Node::Leaf(None)) else { return };
    let first = &bkt[0];
    let nh = ctx.copy_of(first.nh());
    (ent.plen, ent.flags, ent.label, ent.bridge_index) = (first.plen, first.flags, first.label, first.bridge_index);
    ent.node = Node::Leaf(nh);
    for slot in bkt.into_vec() {
        release_entry(slot, ctx);
    }
}

fn release_entry(ent: Entry, ctx: &mut NhCtx) {
    match ent.node {
        Node::Leaf(Some(nh)) => ctx.release(nh),
        Node::Leaf(None) => {}
        Node::Bucket(bkt) => bkt.into_vec().into_iter().for_each(|s| release_entry(s, ctx)),
    }
}

/// `__mtrie_lookup` over one bucket. `limit` is the number of slots from the indexed one that
/// `plen` covers; vRouter computes it as a C `int` shift, which x86 takes modulo 32.
fn lookup_bucket<'t>(bkt: &'t [Entry], level: usize, prefix: &[u8; 16], plen: i32, levels: usize) -> Option<&'t Entry> {
    if level >= levels {
        return None;
    }
    let index = usize::from(prefix[level]);
    let covered = covered(level) as i32;
    let limit = if plen > covered { BUCKET_SIZE as u32 } else { 1u32.wrapping_shl((covered - plen) as u32) };
    for i in 0..BUCKET_SIZE as u32 {
        let ent = &bkt[(index + i as usize) % BUCKET_SIZE];
        match &ent.node {
            Node::Leaf(_) => {
                let route = i32::from(ent.plen);
                if (i >= limit && route >= plen) || route > plen {
                    continue;
                }
                return Some(ent);
            }
            Node::Bucket(inner) => {
                // vRouter returns whatever the request's nexthop pointer holds when a bucket
                // has no match (uninitialised in a GET); taken here as "no match, go on".
                if let Some(found) = lookup_bucket(inner, level + 1, prefix, plen, levels) {
                    return Some(found);
                }
            }
        }
    }
    None
}
