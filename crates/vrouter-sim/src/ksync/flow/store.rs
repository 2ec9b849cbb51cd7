//! Where the datapath's flow and bridge tables live.
//!
//! On Unix they are [`SimTables`](crate::tables::SimTables): files that agents map. Elsewhere the
//! simulator has no shared tables (vrouter-io maps files on Unix only), so [`Tables`] is a type
//! with no values and every table request is answered as a datapath without tables answers it.
//! Either way the flow code is written once, against [`FlowWriter`].

use vrouter_proto::tables::FlowTableWriter;

#[cfg(unix)]
pub use crate::tables::SimTables as Tables;

/// The sink under the flow table's writer.
#[cfg(unix)]
pub type Sink = vrouter_io::SharedTable;

#[cfg(not(unix))]
pub use stub::{NoSink as Sink, Tables};

/// The flow table's writer, as the datapath holds it.
pub type FlowWriter = FlowTableWriter<Sink>;

#[cfg(not(unix))]
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
