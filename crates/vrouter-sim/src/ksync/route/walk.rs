//! The order and restart rule of an inet route DUMP (vRouter's `mtrie_dump_entry`).
//!
//! A dump lists leaves in address order, each as the slot it is: prefix = the slot's address
//! bytes, length = the level's (0 for a root leaf, /8 for a first-level slot, /16, …). A page
//! that fills up ends the walk; the client asks again with the last prefix as `rtr_marker`, and
//! the walk goes straight down the marker's bytes to the leaf they reach before going on. That
//! leaf is skipped — except at the first level (a /8 slot) or the root, which vRouter lists
//! again, so a page that ended on a /8 slot starts the next page with it once more (PROTOCOL.md
//! §11: "paged dumps may repeat entries"). An empty `rtr_marker` lists from the very first leaf.
//! `rtr_marker_plen` plays no part.

use super::mtrie::{covered, Entry, Mtrie};

/// The page is full: the walk stops here.
#[derive(Debug)]
pub(crate) struct PageFull;

/// Walks `trie` from `marker` (none: from the start), handing each listed leaf to `emit` with
/// its slot prefix (bytes past the length zero) and length; `emit` returns false when the page
/// is full, which stops the walk.
pub(crate) fn walk(trie: &Mtrie, marker: Option<&[u8; 16]>, emit: impl FnMut(&Entry, &[u8; 16], u8) -> bool) {
    let mut walker = Walker {
        marker: marker.copied().unwrap_or_default(),
        been_to_marker: marker.is_none(),
        levels: trie.family().addr_len(),
        emit,
    };
    let mut prefix = [0u8; 16];
    // A full page is the normal end of a page.
    let _ = walker.entry(trie.root(), &mut prefix, 0);
}

struct Walker<F> {
    marker: [u8; 16],
    been_to_marker: bool,
    levels: usize,
    emit: F,
}

impl<F: FnMut(&Entry, &[u8; 16], u8) -> bool> Walker<F> {
    fn entry(&mut self, ent: &Entry, prefix: &mut [u8; 16], level: usize) -> Result<(), PageFull> {
        if level > self.levels {
            return Ok(());
        }
        if let Some(bkt) = ent.bucket() {
            let mut from = 0;
            if !self.been_to_marker {
                // Straight down the marker's byte at this level, then on from the next slot.
                from = usize::from(self.marker[level]);
                prefix[level] = from as u8;
                self.entry(&bkt[from], prefix, level + 1)?;
                from += 1;
            }
            for (i, slot) in bkt.iter().enumerate().skip(from) {
                prefix[level] = i as u8;
                self.entry(slot, prefix, level + 1)?;
            }
            return Ok(());
        }
        // A leaf without a nexthop (the discard nexthop deleted under the table) is not listed.
        if !ent.has_nexthop() {
            return Ok(());
        }
        if !self.been_to_marker {
            self.been_to_marker = true;
            // vRouter re-lists the marker's leaf when it sits at the root or the first level
            // (its test names a local index that is always 0 here, leaving only the level).
            if level > 1 {
                return Ok(());
            }
        }
        let plen = if level == 0 { 0 } else { covered(level - 1) };
        let bytes = plen as usize / 8;
        let mut slot_prefix = [0u8; 16];
        slot_prefix[..bytes].copy_from_slice(&prefix[..bytes]);
        if (self.emit)(ent, &slot_prefix, plen as u8) {
            Ok(())
        } else {
            Err(PageFull)
        }
    }
}
