//! Where the datapath's flow and bridge tables live.
//!
//! On Unix they are [`SimTables`](crate::tables::SimTables): files that agents map. On Windows
//! they are [`SectionTables`](crate::section_tables::SectionTables): named sections that agents
//! map by name, written exactly as the files are. Elsewhere the simulator has no shared tables,
//! so [`Tables`] is a type with no values and every table request is answered as a datapath
//! without tables answers it. Either way the flow code is written once, against [`FlowWriter`].

use vrouter_proto::tables::FlowTableWriter;

#[cfg(unix)]
pub use crate::tables::SimTables as Tables;

/// The sink under the flow table's writer.
#[cfg(unix)]
pub type Sink = vrouter_io::SharedTable;

#[cfg(windows)]
pub use crate::section_tables::SectionTables as Tables;

/// The sink under the flow table's writer.
#[cfg(windows)]
pub type Sink = crate::section_tables::SectionSink;

#[cfg(not(any(unix, windows)))]
pub use stub::{NoSink as Sink, Tables};

/// What a table query names in `ftable_file_path`: the file's absolute path (agents open it
/// from their own working directory).
#[cfg(unix)]
pub fn flow_location(t: &Tables) -> String {
    absolute(t.flow_path())
}

/// What a table query names in `btable_file_path`.
#[cfg(unix)]
pub fn bridge_location(t: &Tables) -> String {
    absolute(t.bridge_path())
}

#[cfg(unix)]
fn absolute(path: &std::path::Path) -> String {
    std::path::absolute(path).unwrap_or_else(|_| path.to_owned()).display().to_string()
}

/// What a table query names in `ftable_file_path`: the section's name (`Local\…-flow`). The
/// driver sends "" (its table is `\\.\vrouterFlow`); see [`crate::section_tables`] for why the
/// path field carries the name.
#[cfg(windows)]
pub fn flow_location(t: &Tables) -> String {
    t.flow_name().to_owned()
}

/// What a table query names in `btable_file_path`: the section's name (`Local\…-bridge`).
#[cfg(windows)]
pub fn bridge_location(t: &Tables) -> String {
    t.bridge_name().to_owned()
}

#[cfg(not(any(unix, windows)))]
pub fn flow_location(t: &Tables) -> String {
    match *t {}
}

#[cfg(not(any(unix, windows)))]
pub fn bridge_location(t: &Tables) -> String {
    match *t {}
}

/// The flow table's writer, as the datapath holds it.
pub type FlowWriter = FlowTableWriter<Sink>;

#[cfg(not(any(unix, windows)))]
mod stub {
    //! Uninhabited stand-ins: code that holds a `Tables` can never run here.

    use std::path::Path;

    use vrouter_proto::tables::{BridgeTableWriter, FlowTableWriter, TableSink};

    /// A table sink that cannot exist.
    #[derive(Debug)]
    pub enum NoSink {}

    impl TableSink for NoSink {
        type Bytes = [u8];

        fn bytes(&self) -> &[u8] {
            match *self {}
        }

        fn write(&mut self, _: usize, _: &[u8]) {
            match *self {}
        }
    }

    /// No tables on this platform.
    #[derive(Debug)]
    pub enum Tables {}

    #[allow(missing_docs)]
    impl Tables {
        pub fn flow_path(&self) -> &Path {
            match *self {}
        }
        pub fn bridge_path(&self) -> &Path {
            match *self {}
        }
        pub fn flow_size(&self) -> u64 {
            match *self {}
        }
        pub fn bridge_size(&self) -> u64 {
            match *self {}
        }
        pub fn flow(&self) -> &FlowTableWriter<NoSink> {
            match *self {}
        }
        pub fn flow_writer(&mut self) -> &mut FlowTableWriter<NoSink> {
            match *self {}
        }
        pub fn bridge(&self) -> &BridgeTableWriter<NoSink> {
            match *self {}
        }
        pub fn bridge_writer(&mut self) -> &mut BridgeTableWriter<NoSink> {
            match *self {}
        }
    }
}
