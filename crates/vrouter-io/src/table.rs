//! Read access to the forwarding engine's shared tables (flow table, bridge table).

/// A mapping of one table into this process: a live view that the forwarding engine keeps writing.
///
/// Readers see concurrent updates (vRouter has no seqlock on these tables, PROTOCOL.md §7.5), so the memory must
/// be read with volatile or atomic loads, never through a `&[u8]`; this trait therefore hands out a pointer, not
/// a slice. The pointer stays valid for as long as the mapping object lives.
pub trait TableMapping: Send + Sync {
    /// First byte of the table.
    fn as_ptr(&self) -> *const u8;

    /// Length of the table in bytes (at least the size asked for when the mapping was opened).
    fn len(&self) -> usize;

    /// Whether the mapping is empty (never, for a table that was opened with a non-zero size).
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
}
