//! The simulator's flow and bridge tables, in files that agents map (PROTOCOL.md §7).
//!
//! Laid out as DPDK vRouter started with `--no-huge` lays them out: `flow.shmem` and
//! `bridge.shmem` in one directory, each exactly its table's size, initialised as vRouter
//! initialises a fresh table, and written in place while readers map them read-only. A table
//! query answers these paths in `ftable_file_path` / `btable_file_path` and the byte sizes in
//! `ftable_size` / `btable_size`.

#![cfg(unix)]

use std::io;
use std::path::{Path, PathBuf};

use vrouter_io::SharedTable;
use vrouter_proto::tables::{
    BridgeTableWriter, FlowLayout, FlowTableWriter, TableError, TableGeometry,
};

/// File name of the flow table (DPDK's `--no-huge` name).
pub const FLOW_FILE: &str = "flow.shmem";
/// File name of the bridge table (DPDK's `--no-huge` name).
pub const BRIDGE_FILE: &str = "bridge.shmem";

/// The two tables, each a file mapped for writing with the datapath's writer over it.
///
/// Dropping it unmaps both tables and removes both files. Readers that still map them keep
/// working on the unlinked files' pages (unlinking, unlike truncating, cannot make them fault).
#[derive(Debug)]
pub struct SimTables {
    flow: FlowTableWriter<SharedTable>,
    bridge: BridgeTableWriter<SharedTable>,
    flow_path: PathBuf,
    bridge_path: PathBuf,
}

impl SimTables {
    /// Creates `dir/flow.shmem` and `dir/bridge.shmem` (and `dir` if needed) of exactly the
    /// geometries' byte sizes, initialises both tables, and takes their writers. `flow` must
    /// have 256-byte entries and `bridge` 64-byte ones; vRouter's defaults are
    /// [`TableGeometry::FLOW_DEFAULT`] (161 218 560 bytes) and [`TableGeometry::BRIDGE_DEFAULT`]
    /// (20 185 088 bytes), see [`create_default`](Self::create_default).
    ///
    /// Files already there are replaced (unlinked first, never truncated under a reader).
    pub fn create(
        dir: &Path,
        flow: TableGeometry,
        bridge: TableGeometry,
        layout: FlowLayout,
    ) -> io::Result<SimTables> {
        std::fs::create_dir_all(dir)?;
        let flow_path = dir.join(FLOW_FILE);
        let bridge_path = dir.join(BRIDGE_FILE);
        // Removes what was created so far if a later step fails.
        let cleanup = |e: io::Error| {
            let _ = std::fs::remove_file(&flow_path);
            let _ = std::fs::remove_file(&bridge_path);
            e
        };
        let flow_writer = SharedTable::create(&flow_path, byte_len(&flow)?)
            .map_err(io::Error::from)
            .and_then(|t| FlowTableWriter::create(t, &flow, layout).map_err(table_error))
            .map_err(cleanup)?;
        let bridge_writer = SharedTable::create(&bridge_path, byte_len(&bridge)?)
            .map_err(io::Error::from)
            .and_then(|t| BridgeTableWriter::create(t, &bridge).map_err(table_error))
            .map_err(cleanup)?;
        Ok(SimTables {
            flow: flow_writer,
            bridge: bridge_writer,
            flow_path,
            bridge_path,
        })
    }

    /// [`create`](Self::create) with vRouter's default sizes and the current flow layout.
    pub fn create_default(dir: &Path) -> io::Result<SimTables> {
        Self::create(
            dir,
            TableGeometry::FLOW_DEFAULT,
            TableGeometry::BRIDGE_DEFAULT,
            FlowLayout::default(),
        )
    }

    /// The flow table file (`ftable_file_path`).
    pub fn flow_path(&self) -> &Path {
        &self.flow_path
    }

    /// The bridge table file (`btable_file_path`).
    pub fn bridge_path(&self) -> &Path {
        &self.bridge_path
    }

    /// Bytes of the flow table (`ftable_size`).
    pub fn flow_size(&self) -> u64 {
        self.flow.geometry().byte_len()
    }

    /// Bytes of the bridge table (`btable_size`).
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

    /// The flow table's writer, for inserting, releasing and counting flows.
    pub fn flow_writer(&mut self) -> &mut FlowTableWriter<SharedTable> {
        &mut self.flow
    }

    /// The bridge table's writer.
    pub fn bridge_writer(&mut self) -> &mut BridgeTableWriter<SharedTable> {
        &mut self.bridge
    }

    /// Read access to the flow table (lookups, entry views, used counts).
    pub fn flow(&self) -> &FlowTableWriter<SharedTable> {
        &self.flow
    }

    /// Read access to the bridge table.
    pub fn bridge(&self) -> &BridgeTableWriter<SharedTable> {
        &self.bridge
    }
}

impl Drop for SimTables {
    fn drop(&mut self) {
        // The mappings go when the writers drop, after this; unlinking first is fine either way.
        let _ = std::fs::remove_file(&self.flow_path);
        let _ = std::fs::remove_file(&self.bridge_path);
    }
}

fn byte_len(geometry: &TableGeometry) -> io::Result<usize> {
    // TableGeometry guarantees the table is addressable, so this only fails on a 32-bit host
    // given a geometry built elsewhere.
    usize::try_from(geometry.byte_len()).map_err(|_| {
        io::Error::new(
            io::ErrorKind::InvalidInput,
            "table larger than this address space",
        )
    })
}

fn table_error(e: TableError) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidInput, e)
}
