//! Dumps, paged as vRouter pages them: objects are encoded into one buffer of 3968 bytes
//! (4096 − 128); the first that does not fit ends the page and sets DUMP_INCOMPLETE. The
//! answer is `vr_response{count | INCOMPLETE}`, then (when count > 0) the objects' buffer.

use sandesh::Sandesh;

use super::Responses;

/// Bytes of Sandesh one dump reply may carry (vRouter's VR_MESSAGE_PAGE_SIZE).
pub const DUMP_BUFFER_SIZE: usize = 4096 - 128;

/// Set in the dump reply's count when more objects remain (resume from the last one's key).
pub const DUMP_INCOMPLETE: i32 = 1 << 30;

/// One page of a dump being filled.
#[derive(Debug)]
pub struct Dumper {
    buffer: Vec<u8>,
    count: i32,
    incomplete: bool,
}

impl Default for Dumper {
    fn default() -> Self {
        Dumper { buffer: Vec::with_capacity(DUMP_BUFFER_SIZE), count: 0, incomplete: false }
    }
}

impl Dumper {
    /// An empty page.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds an object if it fits in the page; returns false (and marks the page incomplete)
    /// when it does not, and the caller stops.
    pub fn push<M: Sandesh>(&mut self, object: &M) -> bool {
        let before = self.buffer.len();
        object.encode(&mut self.buffer);
        if self.buffer.len() > DUMP_BUFFER_SIZE {
            self.buffer.truncate(before);
            self.incomplete = true;
            return false;
        }
        self.count += 1;
        true
    }

    /// Queues the page: the count (with DUMP_INCOMPLETE when cut short), then the objects.
    pub fn finish(self, out: &mut Responses) {
        out.code(if self.incomplete { self.count | DUMP_INCOMPLETE } else { self.count });
        if !self.buffer.is_empty() {
            out.push_buffer(self.buffer);
        }
    }
}

/// Where an index-table dump resumes: after `marker`, unless marker + 1 (read unsigned, as
/// vRouter reads it) is already past the table, which makes an empty page. −1 starts at 0.
pub(crate) fn resume_after(marker: i32, limit: u32) -> Option<i64> {
    ((marker as u32).wrapping_add(1) < limit).then_some(marker as i64)
}
