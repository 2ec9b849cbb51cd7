//! The simulator's flow and bridge tables on Windows: named sections (pagefile-backed file
//! mappings) instead of files, which agents open read-only by name (`OpenFileMappingW`,
//! vrouter-io's `SectionReader`), initialised and written as [`SimTables`](crate::tables) writes
//! its files on Unix.
//!
//! Sections are named `<prefix>-flow` and `<prefix>-bridge` (e.g. `Local\vrouter-sim-1234-flow`);
//! they go when the last handle closes, so dropping [`SectionTables`] removes them once every
//! reader has closed its view.
//!
//! A datapath given them ([`Datapath::attach_tables`](crate::Datapath::attach_tables)) names the
//! sections in its table queries' `ftable_file_path` / `btable_file_path`: the Windows driver
//! leaves those empty (its tables are the devices `\\.\vrouterFlow` / `\\.\vrouterBridge`, which
//! vRouter's Windows utilities open whatever the path says), so a non-empty path on Windows can
//! only be the simulator's, and a kernel object name (`Local\…`) is never a file path.

#![cfg(windows)]

use std::io;
use std::sync::atomic::AtomicU8;

use vrouter_io::windows::section::SectionWriter;
use vrouter_io::TableMapping;
use vrouter_proto::tables::{
    shared_bytes, BridgeTableWriter, FlowLayout, FlowTableWriter, TableError, TableGeometry, TableSink,
};

/// A writable section as a table sink: every byte stored with a relaxed atomic store, so that
/// readers (here or in other processes) may read at any time.
pub struct SectionSink {
    section: SectionWriter,
}

impl SectionSink {
    fn view(&self) -> &[AtomicU8] {
        // SAFETY: the view is mapped read-write for `len` bytes while the section lives, and
        // nothing in this process makes a `&[u8]` over it.
        unsafe { shared_bytes(self.section.as_mut_ptr(), self.section.len()) }
    }
}

impl std::fmt::Debug for SectionSink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SectionSink").field("len", &self.section.len()).finish()
    }
}

impl TableSink for SectionSink {
    type Bytes = [AtomicU8];

    fn bytes(&self) -> &[AtomicU8] {
        self.view()
    }

    fn write(&mut self, offset: usize, src: &[u8]) {
        let mut view = self.view();
        TableSink::write(&mut view, offset, src);
    }

    fn release_fence(&self) {
        std::sync::atomic::fence(std::sync::atomic::Ordering::Release);
    }
}

/// The two tables, each a named section with the datapath's writer over it.
#[derive(Debug)]
pub struct SectionTables {
    flow: FlowTableWriter<SectionSink>,
    bridge: BridgeTableWriter<SectionSink>,
    flow_name: String,
    bridge_name: String,
}

impl SectionTables {
    /// Creates sections `<prefix>-flow` and `<prefix>-bridge` of exactly the geometries' sizes,
    /// initialises both tables and takes their writers. A name already taken is an error
    /// (`AlreadyExists`): another simulator's tables are never shared.
    pub fn create(prefix: &str, flow: TableGeometry, bridge: TableGeometry, layout: FlowLayout) -> io::Result<Self> {
        let (flow_name, bridge_name) = (format!("{prefix}-flow"), format!("{prefix}-bridge"));
        let sink = |name: &str, g: &TableGeometry| -> io::Result<SectionSink> {
            let len = usize::try_from(g.byte_len()).map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "table larger than this address space"))?;
            Ok(SectionSink { section: SectionWriter::create(name, len).map_err(io::Error::from)? })
        };
        let flow_writer = FlowTableWriter::create(sink(&flow_name, &flow)?, &flow, layout).map_err(table_error)?;
        let bridge_writer = BridgeTableWriter::create(sink(&bridge_name, &bridge)?, &bridge).map_err(table_error)?;
        Ok(Self { flow: flow_writer, bridge: bridge_writer, flow_name, bridge_name })
    }

    /// The flow table's section name.
    pub fn flow_name(&self) -> &str {
        &self.flow_name
    }

    /// The bridge table's section name.
    pub fn bridge_name(&self) -> &str {
        &self.bridge_name
    }

    /// Bytes of the flow table.
    pub fn flow_size(&self) -> u64 {
        self.flow.geometry().byte_len()
    }

    /// Bytes of the bridge table.
    pub fn bridge_size(&self) -> u64 {
        self.bridge.geometry().byte_len()
    }

    /// The flow table's geometry.
    pub fn flow_geometry(&self) -> &TableGeometry {
        self.flow.geometry()
    }

    /// The bridge table's geometry.
    pub fn bridge_geometry(&self) -> &TableGeometry {
        self.bridge.geometry()
    }

    /// Read access to the flow table (lookups, entry views, used counts).
    pub fn flow(&self) -> &FlowTableWriter<SectionSink> {
        &self.flow
    }

    /// Read access to the bridge table.
    pub fn bridge(&self) -> &BridgeTableWriter<SectionSink> {
        &self.bridge
    }

    /// The flow table's writer.
    pub fn flow_writer(&mut self) -> &mut FlowTableWriter<SectionSink> {
        &mut self.flow
    }

    /// The bridge table's writer.
    pub fn bridge_writer(&mut self) -> &mut BridgeTableWriter<SectionSink> {
        &mut self.bridge
    }
}

fn table_error(e: TableError) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidInput, e)
}
