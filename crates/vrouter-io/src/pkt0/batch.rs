//! Frames back to back in one buffer: how received frames are queued and handed over (one
//! allocation per batch, never one per frame).

/// Frames in one buffer, with where each ends.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FrameBatch {
    bytes: Vec<u8>,
    lens: Vec<u32>,
}

impl FrameBatch {
    /// An empty batch with room for `bytes` bytes and `frames` frames.
    pub fn with_capacity(bytes: usize, frames: usize) -> Self {
        FrameBatch { bytes: Vec::with_capacity(bytes), lens: Vec::with_capacity(frames) }
    }

    /// Appends one frame.
    pub fn push(&mut self, frame: &[u8]) {
        self.bytes.extend_from_slice(frame);
        self.lens.push(frame.len() as u32);
    }

    /// Appends every frame of `other`.
    pub fn extend(&mut self, other: &FrameBatch) {
        self.bytes.extend_from_slice(&other.bytes);
        self.lens.extend_from_slice(&other.lens);
    }

    /// Frames in the batch.
    pub fn len(&self) -> usize {
        self.lens.len()
    }

    /// Whether the batch holds no frame.
    pub fn is_empty(&self) -> bool {
        self.lens.is_empty()
    }

    /// Bytes of all frames.
    pub fn byte_len(&self) -> usize {
        self.bytes.len()
    }

    /// The frames' bytes, back to back.
    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// Each frame's length, in order.
    pub fn lens(&self) -> &[u32] {
        &self.lens
    }

    /// The frames, in order.
    pub fn iter(&self) -> impl Iterator<Item = &[u8]> + '_ {
        let mut at = 0usize;
        self.lens.iter().map(move |&l| {
            let f = &self.bytes[at..at + l as usize];
            at += l as usize;
            f
        })
    }

    /// Removes the first `n` frames (at most all), returning their bytes.
    pub fn drop_front(&mut self, n: usize) -> usize {
        let n = n.min(self.lens.len());
        let bytes: usize = self.lens[..n].iter().map(|&l| l as usize).sum();
        self.bytes.drain(..bytes);
        self.lens.drain(..n);
        bytes
    }

    /// Takes the buffers apart: the bytes and the lengths.
    pub fn into_parts(self) -> (Vec<u8>, Vec<u32>) {
        (self.bytes, self.lens)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_come_back_in_order() {
        let mut b = FrameBatch::default();
        b.push(&[1, 2, 3]);
        b.push(&[4]);
        b.push(&[5, 6]);
        assert_eq!(b.iter().collect::<Vec<_>>(), [&[1, 2, 3][..], &[4], &[5, 6]]);
        assert_eq!(b.drop_front(2), 4);
        assert_eq!(b.iter().collect::<Vec<_>>(), [&[5, 6][..]]);
        assert_eq!(b.byte_len(), 2);
    }
}
