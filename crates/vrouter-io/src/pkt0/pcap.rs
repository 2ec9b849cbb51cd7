//! Classic pcap files (libpcap 2.4, microsecond stamps, linktype Ethernet): each record one
//! pkt0 frame as it crossed the channel, outer Ethernet and agent header included, so that
//! Wireshark shows the agent header bytes (and vRouter's agent_hdr dissector plugin applies).

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::Path;
use std::time::{SystemTime, UNIX_EPOCH};

/// Classic pcap magic, microsecond timestamps, written in the machine's byte order.
const MAGIC: u32 = 0xa1b2_c3d4;
/// LINKTYPE_ETHERNET.
const LINKTYPE_ETHERNET: u32 = 1;
/// Largest record kept whole.
pub const SNAPLEN: u32 = 65_535;

/// A pcap file being written.
#[derive(Debug)]
pub struct PcapWriter<W: Write = BufWriter<File>> {
    out: W,
    records: u64,
}

impl PcapWriter {
    /// Creates (truncates) `path` and writes the file header.
    pub fn create(path: &Path) -> io::Result<Self> {
        PcapWriter::new(BufWriter::with_capacity(1 << 16, File::create(path)?))
    }
}

impl<W: Write> PcapWriter<W> {
    /// Writes the file header to `out`.
    pub fn new(mut out: W) -> io::Result<Self> {
        let mut h = [0u8; 24];
        h[0..4].copy_from_slice(&MAGIC.to_ne_bytes());
        h[4..6].copy_from_slice(&2u16.to_ne_bytes());
        h[6..8].copy_from_slice(&4u16.to_ne_bytes());
        // thiszone and sigfigs: 0.
        h[16..20].copy_from_slice(&SNAPLEN.to_ne_bytes());
        h[20..24].copy_from_slice(&LINKTYPE_ETHERNET.to_ne_bytes());
        out.write_all(&h)?;
        Ok(PcapWriter { out, records: 0 })
    }

    /// Appends one frame stamped now.
    pub fn record(&mut self, frame: &[u8]) -> io::Result<()> {
        self.record_at(SystemTime::now(), frame)
    }

    /// Appends one frame stamped `at`.
    pub fn record_at(&mut self, at: SystemTime, frame: &[u8]) -> io::Result<()> {
        let since = at.duration_since(UNIX_EPOCH).unwrap_or_default();
        let kept = frame.len().min(SNAPLEN as usize);
        let mut h = [0u8; 16];
        h[0..4].copy_from_slice(&(since.as_secs() as u32).to_ne_bytes());
        h[4..8].copy_from_slice(&since.subsec_micros().to_ne_bytes());
        h[8..12].copy_from_slice(&(kept as u32).to_ne_bytes());
        h[12..16].copy_from_slice(&(frame.len() as u32).to_ne_bytes());
        self.out.write_all(&h)?;
        self.out.write_all(&frame[..kept])?;
        self.records += 1;
        Ok(())
    }

    /// Records written.
    pub fn records(&self) -> u64 {
        self.records
    }

    /// Writes out what is buffered.
    pub fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }

    /// Flushes and returns the writer.
    pub fn finish(mut self) -> io::Result<W> {
        self.out.flush()?;
        Ok(self.out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_and_records_have_pcap_layout() {
        let mut w = PcapWriter::new(Vec::new()).unwrap();
        w.record_at(UNIX_EPOCH + std::time::Duration::from_micros(1_500_002), &[1, 2, 3]).unwrap();
        let bytes = w.finish().unwrap();
        assert_eq!(bytes.len(), 24 + 16 + 3);
        assert_eq!(u32::from_ne_bytes(bytes[0..4].try_into().unwrap()), MAGIC);
        assert_eq!(u32::from_ne_bytes(bytes[20..24].try_into().unwrap()), 1);
        assert_eq!(u32::from_ne_bytes(bytes[24..28].try_into().unwrap()), 1);
        assert_eq!(u32::from_ne_bytes(bytes[28..32].try_into().unwrap()), 500_002);
        assert_eq!(&bytes[40..], &[1, 2, 3]);
    }
}
