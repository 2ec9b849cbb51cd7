//! Table mappings on Unix: a writer's shared file seen live through a read-only mapping, size
//! checks before mapping, read-only pages that really are, and the char-device path.
#![cfg(unix)]

use std::fs::File;
use std::io::Write;
use std::net::Ipv4Addr;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};

use vrouter_io::{ErrorKind, ReadOnlyTable, SharedTable, TableKind, TableMapping};
use vrouter_proto::tables::{lookup_flow, FlowKey, FlowLayout, FlowTableWriter, TableGeometry};

/// A fresh directory, removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new() -> Self {
        static N: AtomicU32 = AtomicU32::new(0);
        let path = std::env::temp_dir().join(format!(
            "vrio-mmap-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&path).unwrap();
        TempDir(path)
    }

    fn file(&self, name: &str, len: usize) -> PathBuf {
        let path = self.0.join(name);
        File::create(&path)
            .unwrap()
            .write_all(&vec![0u8; len])
            .unwrap();
        path
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The `/proc/self/maps` permission field ("r--s", "rw-s") of the mapping of `path`, if any.
#[cfg(target_os = "linux")]
fn maps_perms(path: &Path) -> Option<String> {
    let maps = std::fs::read_to_string("/proc/self/maps").unwrap();
    let name = path.to_str().unwrap();
    maps.lines()
        .find(|l| l.ends_with(name))
        .map(|l| l.split_whitespace().nth(1).unwrap().to_owned())
}

#[test]
fn a_reader_sees_the_writers_flows_live() {
    let dir = TempDir::new();
    let path = dir.0.join("flow.shmem");
    let g = TableGeometry::new(256, None, 256).unwrap();
    let len = g.byte_len() as usize;
    let mut writer = FlowTableWriter::create(
        SharedTable::create(&path, len).unwrap(),
        &g,
        FlowLayout::default(),
    )
    .unwrap();
    let reader = ReadOnlyTable::open_as(&path, TableKind::Flow, Some(len)).unwrap();
    assert_eq!(reader.len(), len);
    let key = FlowKey::inet(
        17,
        Ipv4Addr::new(192, 0, 2, 1),
        Ipv4Addr::new(192, 0, 2, 9),
        53,
        5353,
        1,
    );
    assert_eq!(
        lookup_flow(&reader, &g, FlowLayout::default(), &key),
        None
    );
    let slot = writer.insert(&key).unwrap();
    assert_eq!(
        lookup_flow(&reader, &g, FlowLayout::default(), &key),
        Some(slot.index)
    );
    writer.release(slot.index).unwrap();
    assert_eq!(lookup_flow(&reader, &g, FlowLayout::default(), &key), None);
}

#[test]
fn shared_table_files_are_exact_sparse_and_world_readable() {
    use std::os::unix::fs::{MetadataExt, PermissionsExt};
    let dir = TempDir::new();
    let path = dir.0.join("t");
    let len = 64 << 20;
    let table = SharedTable::create(&path, len).unwrap();
    let meta = std::fs::metadata(&path).unwrap();
    assert_eq!(meta.len(), len as u64);
    assert_eq!(meta.permissions().mode() & 0o777, 0o644);
    assert!(
        meta.blocks() * 512 < len as u64 / 2,
        "expected a sparse file, {} blocks",
        meta.blocks()
    );
    assert_eq!(table.len(), len);
    assert!(table
        .bytes()
        .iter()
        .step_by(4096)
        .all(|b| b.load(Ordering::Relaxed) == 0));
}

#[test]
fn size_errors_are_typed_before_mapping() {
    let dir = TempDir::new();
    let cases: [(&str, usize, Option<usize>); 6] = [
        ("empty", 0, None),
        ("empty-expected", 0, Some(256)),
        ("short", 512, Some(1024)),
        ("ragged", 300, None),
        ("expected-ragged", 1024, Some(1000)),
        ("expected-zero", 1024, Some(0)),
    ];
    for (name, file_len, expected) in cases {
        let path = dir.file(name, file_len);
        let err = ReadOnlyTable::open(&path, expected).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::TableSize, "{name}: {err}");
        assert!(
            err.to_string().contains(name),
            "the message names the file: {err}"
        );
    }
    // A 192-byte file is three bridge entries, not whole flow entries.
    let path = dir.file("three-bridge-entries", 192);
    assert!(ReadOnlyTable::open_as(&path, TableKind::Bridge, None).is_ok());
    let err = ReadOnlyTable::open_as(&path, TableKind::Flow, None).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::TableSize, "{err}");
    assert!(err.to_string().contains("192 bytes"), "{err}");
    let err = ReadOnlyTable::open_as(&path, TableKind::Flow, Some(64)).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::TableSize, "{err}");
    // Longer than expected is fine (hugepage files are rounded up): exactly `expected` is mapped.
    let path = dir.file("long", 8192);
    assert_eq!(ReadOnlyTable::open(&path, Some(1024)).unwrap().len(), 1024);
    assert_eq!(
        SharedTable::create(dir.0.join("zero"), 0)
            .unwrap_err()
            .kind(),
        ErrorKind::TableSize
    );
}

#[test]
fn other_open_errors() {
    let dir = TempDir::new();
    let err = ReadOnlyTable::open(dir.0.join("missing"), None).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound, "{err}");
    let err = ReadOnlyTable::open(&dir.0, Some(256)).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidInput, "a directory: {err}");
    let err = ReadOnlyTable::open("/dev/null", Some(256)).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidInput, "a char device: {err}");
}

#[cfg(target_os = "linux")]
#[test]
fn mappings_have_the_expected_protection_and_go_on_drop() {
    let dir = TempDir::new();
    let path = dir.0.join("flow.shmem");
    let writer = SharedTable::create(&path, 1 << 20).unwrap();
    let reader = ReadOnlyTable::open(&path, None).unwrap();
    let perms: Vec<String> = std::fs::read_to_string("/proc/self/maps")
        .unwrap()
        .lines()
        .filter(|l| l.ends_with(path.to_str().unwrap()))
        .map(|l| l.split_whitespace().nth(1).unwrap().to_owned())
        .collect();
    assert!(
        perms.contains(&"rw-s".to_owned()) && perms.contains(&"r--s".to_owned()),
        "{perms:?}"
    );

    // A read-only shared mapping of a read-only descriptor can never become writable.
    // SAFETY: mprotect on our own mapping; it fails (EACCES) and changes nothing.
    let rc = unsafe {
        libc::mprotect(
            reader.as_ptr() as *mut _,
            reader.len(),
            libc::PROT_READ | libc::PROT_WRITE,
        )
    };
    assert_eq!(rc, -1);
    assert_eq!(
        std::io::Error::last_os_error().raw_os_error(),
        Some(libc::EACCES)
    );

    drop(reader);
    assert_eq!(maps_perms(&path).as_deref(), Some("rw-s"));
    drop(writer);
    assert_eq!(maps_perms(&path), None, "dropping SharedTable unmaps it");
    assert!(path.exists(), "the file stays for readers");
}

/// Set in the child run of [`a_store_through_a_read_only_mapping_faults`].
const CHILD_ENV: &str = "VRIO_MMAP_STORE_CHILD";

/// A store through a read-only mapping kills the process with SIGSEGV. The store happens in a
/// child (this test binary, running only [`child_stores_through_a_read_only_mapping`]).
#[test]
fn a_store_through_a_read_only_mapping_faults() {
    use std::os::unix::process::ExitStatusExt;
    let dir = TempDir::new();
    let path = dir.file("table", 4096);
    let status = std::process::Command::new(std::env::current_exe().unwrap())
        .args([
            "child_stores_through_a_read_only_mapping",
            "--exact",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(CHILD_ENV, &path)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .unwrap();
    assert_eq!(
        status.signal(),
        Some(libc::SIGSEGV),
        "child ended with {status:?}"
    );
    let bytes = std::fs::read(&path).unwrap();
    assert!(bytes.iter().all(|&b| b == 0), "the file is unchanged");
}

/// The child half of [`a_store_through_a_read_only_mapping_faults`]; does nothing in a normal run.
#[test]
fn child_stores_through_a_read_only_mapping() {
    let Some(path) = std::env::var_os(CHILD_ENV) else {
        return;
    };
    // No core file for an intended crash.
    let no_core = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: plain call with a valid struct.
    unsafe { libc::setrlimit(libc::RLIMIT_CORE, &no_core) };
    let table = ReadOnlyTable::open(Path::new(&path), None).unwrap();
    // SAFETY: deliberately not: the page is PROT_READ and this store must fault.
    unsafe { std::ptr::write_volatile(table.as_ptr() as *mut u8, 1) };
    // Only reached if the store did not fault; the parent sees a normal exit and fails.
    std::process::exit(0);
}

/// The kernel-module path (mknod a char node, open O_RDONLY|O_SYNC, map read-only), exercised
/// against /dev/zero's device numbers (1:5), which every Linux box has. Needs root.
#[cfg(target_os = "linux")]
#[test]
fn char_device_nodes_are_created_and_mapped() {
    use std::os::unix::fs::{FileTypeExt, MetadataExt};
    // SAFETY: plain call.
    if unsafe { libc::geteuid() } != 0 {
        eprintln!(
            "SKIPPED char_device_nodes_are_created_and_mapped: creating device nodes needs root"
        );
        return;
    }
    let dir = TempDir::new();
    let node = dir.0.join("zero");
    let table = match ReadOnlyTable::open_char_device(&node, 1, 5, 2 * 4096) {
        Err(e) if e.kind() == ErrorKind::PermissionDenied => {
            eprintln!("SKIPPED char_device_nodes_are_created_and_mapped: mknod refused ({e}); no CAP_MKNOD here?");
            return;
        }
        r => r.unwrap(),
    };
    let meta = std::fs::metadata(&node).unwrap();
    assert!(meta.file_type().is_char_device());
    assert_eq!(meta.rdev(), libc::makedev(1, 5));
    assert_eq!(table.len(), 8192);
    let mut all = vec![1u8; 8192];
    table.copy_into(0, &mut all);
    assert!(all.iter().all(|&b| b == 0));
    assert_eq!(maps_perms(&node).as_deref(), Some("r--s"));
    // Again, with the node already there.
    assert!(ReadOnlyTable::open_char_device(&node, 1, 5, 4096).is_ok());
    // A node with other numbers (a stale /dev/flow from an earlier module load) is refused.
    let err = ReadOnlyTable::open_char_device(&node, 1, 3, 4096).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::AlreadyExists, "{err}");
    assert!(err.to_string().contains("char device 1:5"), "{err}");
    let file = dir.file("not-a-node", 4096);
    let err = ReadOnlyTable::open_char_device(&file, 1, 5, 4096).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::AlreadyExists, "{err}");

    // open_device names the node after the table and uses its minor. Char 1:0 has no driver, so
    // the open fails after the node was made.
    assert!(ReadOnlyTable::open_device(TableKind::Flow, 1, &dir.0, 4096).is_err());
    let flow = std::fs::metadata(dir.0.join("flow")).unwrap();
    assert_eq!(flow.rdev(), libc::makedev(1, 0));
    assert_eq!(
        flow.mode() & 0o077,
        0,
        "root-only, like vRouter's utilities' nodes"
    );
}

#[cfg(target_os = "linux")]
#[test]
fn device_arguments_are_checked() {
    let dir = TempDir::new();
    for major in [0, 65535] {
        let err = ReadOnlyTable::open_device(TableKind::Flow, major, &dir.0, 4096).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidInput, "{err}");
    }
    for len in [0, 100] {
        let err = ReadOnlyTable::open_device(TableKind::Bridge, 240, &dir.0, len).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::TableSize, "{err}");
    }
    assert!(
        std::fs::read_dir(&dir.0).unwrap().next().is_none(),
        "no node made for bad arguments"
    );
}
