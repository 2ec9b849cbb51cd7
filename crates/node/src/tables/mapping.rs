//! Opening a table read-only from what a table query answered (PROTOCOL.md §7.1), and checking
//! its size against the geometry it must have.

use std::sync::atomic::AtomicU8;

use napi_derive::napi;
use vrouter_io::{ErrorKind, TableMapping};
use vrouter_proto::tables::{shared_bytes, TableGeometry};

/// Where a table is and how big it must be.
#[napi(object)]
pub struct NativeTableSource {
    /// A table file (`ftable_file_path`: DPDK, the simulator, kernel hugepages); on Windows a section name (the
    /// simulator names its section there).
    pub path: Option<String>,
    /// A Windows section name (the simulator on Windows); with neither this nor `path`, Windows maps the driver's
    /// device.
    pub section: Option<String>,
    /// The kernel module's char-device major (`ftable_dev`), used when there is no path.
    pub device_major: Option<u32>,
    /// Where the device node is (or is created): `/dev` by default.
    pub dev_dir: Option<String>,
    /// Bytes of the table (`ftable_size`).
    pub size: f64,
    /// Main entries (`vo_flow_entries`); absent: derived from `size` by vRouter's overflow rule.
    pub main_entries: Option<u32>,
    /// Overflow entries (`vo_oflow_entries`), with `main_entries`.
    pub overflow_entries: Option<u32>,
}

/// Why a table could not be opened: a stable code and a message.
#[napi(object)]
pub struct NativeTableFailure {
    /// `ERR_TABLE_SIZE`, `ERR_TABLE_NOT_FOUND`, `ERR_PERMISSION_DENIED`, `ERR_TABLE_INVALID`,
    /// `ERR_TABLE_UNSUPPORTED` or `ERR_TABLE_IO`.
    pub code: String,
    pub message: String,
}

impl NativeTableFailure {
    pub fn new(code: &str, message: impl Into<String>) -> Self {
        Self { code: code.to_owned(), message: message.into() }
    }

    fn io(e: vrouter_io::Error) -> Self {
        let code = match e.kind() {
            ErrorKind::TableSize => "ERR_TABLE_SIZE",
            ErrorKind::NotFound => "ERR_TABLE_NOT_FOUND",
            ErrorKind::PermissionDenied => "ERR_PERMISSION_DENIED",
            ErrorKind::InvalidInput | ErrorKind::AlreadyExists => "ERR_TABLE_INVALID",
            _ => "ERR_TABLE_IO",
        };
        Self::new(code, e.to_string())
    }
}

/// A read-only mapping and the geometry it was checked against.
pub struct MappedTable {
    map: Box<dyn TableMapping>,
    pub geometry: TableGeometry,
}

impl MappedTable {
    /// The table's bytes, as the readers take live memory.
    pub fn bytes(&self) -> &[AtomicU8] {
        // SAFETY: the mapping is readable for `len` bytes while `self.map` lives (TableMapping's
        // contract), and nothing in this process makes a `&[u8]` over it.
        unsafe { shared_bytes(self.map.as_ptr(), self.geometry.byte_len() as usize) }
    }
}

/// The geometry `source` describes, for entries of `entry_size` bytes.
fn geometry(source: &NativeTableSource, entry_size: u32) -> Result<TableGeometry, NativeTableFailure> {
    let size = source.size;
    if !(size.is_finite() && size > 0.0 && size.fract() == 0.0 && size <= u64::MAX as f64) {
        return Err(NativeTableFailure::new("ERR_TABLE_SIZE", format!("table size {size} is not a positive whole number of bytes")));
    }
    let size = size as u64;
    let fail = |e: vrouter_proto::tables::GeometryError| NativeTableFailure::new("ERR_TABLE_SIZE", format!("a table of {size} bytes: {e}"));
    match source.main_entries {
        Some(main) => {
            let g = TableGeometry::new(main, source.overflow_entries, entry_size).map_err(fail)?;
            if g.byte_len() != size {
                return Err(NativeTableFailure::new(
                    "ERR_TABLE_SIZE",
                    format!(
                        "the table is {size} bytes, but {} main and {} overflow entries of {entry_size} bytes make {}",
                        g.main_entries(),
                        g.overflow_entries(),
                        g.byte_len()
                    ),
                ));
            }
            Ok(g)
        }
        None => TableGeometry::from_size(size, entry_size).map_err(fail),
    }
}

/// Maps the table `source` names, checked to hold `entry_size`-byte entries.
pub fn open(source: &NativeTableSource, kind: TableKindArg) -> Result<MappedTable, NativeTableFailure> {
    let geometry = geometry(source, kind.entry_size())?;
    let len = geometry.byte_len() as usize;
    let map = map(source, kind, len)?;
    if map.len() < len {
        return Err(NativeTableFailure::new("ERR_TABLE_SIZE", format!("the mapping holds {} bytes, the table needs {len}", map.len())));
    }
    Ok(MappedTable { map, geometry })
}

/// Which table: decides the entry size and the device node.
#[derive(Clone, Copy)]
pub enum TableKindArg {
    Flow,
    Bridge,
}

impl TableKindArg {
    fn entry_size(self) -> u32 {
        match self {
            Self::Flow => vrouter_proto::tables::FLOW_ENTRY_SIZE,
            Self::Bridge => vrouter_proto::tables::BRIDGE_ENTRY_SIZE,
        }
    }
}

#[cfg(unix)]
fn map(source: &NativeTableSource, kind: TableKindArg, len: usize) -> Result<Box<dyn TableMapping>, NativeTableFailure> {
    use vrouter_io::{ReadOnlyTable, TableKind};
    let io_kind = match kind {
        TableKindArg::Flow => TableKind::Flow,
        TableKindArg::Bridge => TableKind::Bridge,
    };
    if let Some(path) = source.path.as_deref().filter(|p| !p.is_empty()) {
        return ReadOnlyTable::open_as(path, io_kind, Some(len)).map(|t| Box::new(t) as Box<dyn TableMapping>).map_err(NativeTableFailure::io);
    }
    #[cfg(target_os = "linux")]
    if let Some(major) = source.device_major {
        let dir = std::path::PathBuf::from(source.dev_dir.as_deref().unwrap_or("/dev"));
        return ReadOnlyTable::open_device(io_kind, major, &dir, len).map(|t| Box::new(t) as Box<dyn TableMapping>).map_err(NativeTableFailure::io);
    }
    Err(NativeTableFailure::new("ERR_TABLE_UNSUPPORTED", "the table query named no file and no device this platform can map"))
}

/// On Windows a table is a named section or the driver's device. The simulator names its section in the table
/// query's path field (the driver leaves it empty, see vrouter-sim's `section_tables`), so `section`, else `path`,
/// is a section name; with neither, the driver's `\\.\vrouterFlow` / `\\.\vrouterBridge` maps the table into
/// this process and IOCTL_SHMEM_GET_ADDRESS says where (PROTOCOL.md §5.3).
#[cfg(windows)]
fn map(source: &NativeTableSource, kind: TableKindArg, len: usize) -> Result<Box<dyn TableMapping>, NativeTableFailure> {
    use vrouter_io::windows::section::{DriverTable, SectionReader, BRIDGE_DEVICE_PATH, FLOW_DEVICE_PATH};
    let named = |s: &Option<String>| s.as_deref().filter(|s| !s.is_empty()).map(str::to_owned);
    if let Some(name) = named(&source.section).or_else(|| named(&source.path)) {
        // A vRouter on another machine (DPDK over TCP) names a file there, which cannot be mapped here.
        if name.starts_with('/') {
            return Err(NativeTableFailure::new(
                "ERR_TABLE_UNSUPPORTED",
                format!("the table is the file {name} on the machine vRouter runs on: tables are mapped only where vRouter runs"),
            ));
        }
        return SectionReader::open(&name, len).map(|t| Box::new(t) as Box<dyn TableMapping>).map_err(NativeTableFailure::io);
    }
    let device = match kind {
        TableKindArg::Flow => FLOW_DEVICE_PATH,
        TableKindArg::Bridge => BRIDGE_DEVICE_PATH,
    };
    DriverTable::open(device, len)
        .map(|t| Box::new(t) as Box<dyn TableMapping>)
        .map_err(|e| {
            let failure = NativeTableFailure::io(e);
            NativeTableFailure { message: format!("the driver's table {device}: {}", failure.message), ..failure }
        })
}
