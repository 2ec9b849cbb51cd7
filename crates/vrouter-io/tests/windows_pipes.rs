//! Named-pipe transports, server and client in one process: ksync byte pipes, pkt0 message pipes, cancellation,
//! peer loss, exclusivity, security.
#![cfg(windows)]

mod common;

use std::thread;
use std::time::{Duration, Instant};

use common::{frame, frame_seq, pipe_path, process_watchdog, Reassembler};
use vrouter_io::windows::pipe_client::{self, ClientOptions};
use vrouter_io::windows::pipe_server::PipeServer;
use vrouter_io::windows::section::{DriverTable, BRIDGE_DEVICE_PATH, FLOW_DEVICE_PATH};
use vrouter_io::windows::{ksync_device, pkt0, OverlappedFile};
use vrouter_io::{ErrorKind, Framing, Transport, TransportRead, TransportWrite};

/// A connected ksync pair: (server side, client side).
fn ksync_pair() -> (PipeServer, OverlappedFile, OverlappedFile) {
    let path = pipe_path("ksync");
    let mut server = PipeServer::ksync(&path).unwrap();
    let client = thread::spawn(move || pipe_client::open(&path, &ClientOptions::ksync()).unwrap());
    let conn = server.accept().unwrap();
    (server, conn, client.join().unwrap())
}

fn pkt0_pair() -> (PipeServer, OverlappedFile, OverlappedFile) {
    let path = pipe_path("pkt0");
    let mut server = PipeServer::pkt0(&path).unwrap();
    let client = thread::spawn(move || pkt0::open(&path).unwrap());
    let conn = server.accept().unwrap();
    (server, conn, client.join().unwrap())
}

#[test]
fn ksync_frames_both_ways() {
    process_watchdog();
    let (_server, mut conn, mut client) = ksync_pair();
    assert_eq!(client.framing(), Framing::Stream);
    let (mut from_client, mut from_server) = (Reassembler::default(), Reassembler::default());
    for seq in 0..20u32 {
        let request = frame(seq * 2 + 1, (seq as usize * 97) % 700);
        client.write_all(&request).unwrap();
        assert_eq!(from_client.next(&mut conn).unwrap(), request);
        let reply = frame(seq * 2 + 1, 40 + seq as usize);
        conn.write_all(&reply).unwrap();
        assert_eq!(from_server.next(&mut client).unwrap(), reply);
    }
}

#[test]
fn ksync_frame_written_in_pieces_is_reassembled() {
    process_watchdog();
    let (_server, mut conn, mut client) = ksync_pair();
    let f = frame(7, 300);
    let writer = thread::spawn(move || {
        for piece in [&f[..3], &f[3..17], &f[17..200], &f[200..]] {
            client.write_all(piece).unwrap();
            thread::sleep(Duration::from_millis(20));
        }
        (client, f)
    });
    let got = Reassembler::default().next(&mut conn).unwrap();
    let (_client, f) = writer.join().unwrap();
    assert_eq!(got, f);
}

#[test]
fn ksync_several_frames_in_one_write() {
    process_watchdog();
    let (_server, mut conn, mut client) = ksync_pair();
    let frames: Vec<Vec<u8>> = (1..=5).map(|s| frame(s, s as usize * 50)).collect();
    client.write_all(&frames.concat()).unwrap();
    let mut r = Reassembler::default();
    for f in &frames {
        assert_eq!(&r.next(&mut conn).unwrap(), f);
    }
    assert_eq!(r.partial(), 0);
}

#[test]
fn ksync_server_serves_several_clients_apart() {
    process_watchdog();
    let path = pipe_path("ksync-multi");
    let mut server = PipeServer::ksync(&path).unwrap();
    let mut clients = Vec::new();
    let mut conns = Vec::new();
    for _ in 0..3 {
        let p = path.clone();
        let c = thread::spawn(move || pipe_client::open(&p, &ClientOptions::ksync()).unwrap());
        conns.push(server.accept().unwrap());
        clients.push(c.join().unwrap());
    }
    for (i, c) in clients.iter_mut().enumerate() {
        c.write_all(&frame(i as u32, 10)).unwrap();
    }
    for (i, conn) in conns.iter_mut().enumerate() {
        assert_eq!(
            frame_seq(&Reassembler::default().next(conn).unwrap()),
            i as u32
        );
    }
}

#[test]
fn pending_read_is_cancelled_from_another_thread() {
    process_watchdog();
    let (_server, mut conn, client) = ksync_pair();
    let (mut reader, _writer) = client.into_split();
    let canceller = reader.canceller();
    let t = thread::spawn(move || {
        let start = Instant::now();
        let mut buf = [0u8; 64];
        let err = reader.read(&mut buf).unwrap_err();
        (reader, err, start.elapsed())
    });
    thread::sleep(Duration::from_millis(200));
    canceller.cancel();
    let (mut reader, err, waited) = t.join().unwrap();
    assert_eq!(err.kind(), ErrorKind::Cancelled, "{err}");
    assert!(
        waited >= Duration::from_millis(150),
        "read returned before the cancel: {waited:?}"
    );

    // Sticky until reset; then the same handle works again and nothing was lost.
    let mut buf = [0u8; 64];
    assert_eq!(
        reader.read(&mut buf).unwrap_err().kind(),
        ErrorKind::Cancelled
    );
    canceller.reset();
    conn.write_all(b"after cancel").unwrap();
    let n = reader.read(&mut buf).unwrap();
    assert_eq!(&buf[..n], b"after cancel");
}

#[test]
fn peer_closing_mid_frame_is_a_typed_error() {
    process_watchdog();
    let (_server, mut conn, mut client) = ksync_pair();
    let f = frame(9, 200);
    conn.write_all(&f[..100]).unwrap();
    drop(conn);
    let mut r = Reassembler::default();
    let err = r.next(&mut client).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::PeerClosed, "{err}");
    assert_eq!(
        r.partial(),
        100,
        "the half frame was delivered before the error"
    );
    // Writing to a closed peer is the same kind of error.
    assert_eq!(
        client.write_all(b"x").unwrap_err().kind(),
        ErrorKind::PeerClosed
    );
}

#[test]
fn server_sees_client_leave_as_peer_closed() {
    process_watchdog();
    let (_server, mut conn, client) = ksync_pair();
    drop(client);
    let err = conn.read(&mut [0u8; 16]).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::PeerClosed, "{err}");
}

#[test]
fn pkt0_keeps_message_boundaries() {
    process_watchdog();
    let (_server, mut conn, mut client) = pkt0_pair();
    assert_eq!(client.framing(), Framing::Message);
    let frames: Vec<Vec<u8>> = [30usize, 64, 1514, 9000, 31]
        .iter()
        .enumerate()
        .map(|(i, &n)| frame(i as u32, n - 16 + 16))
        .collect();
    for f in &frames {
        conn.write_all(f).unwrap();
    }
    let mut buf = vec![0u8; pkt0::READ_BUFFER_SIZE];
    for f in &frames {
        let n = client.read(&mut buf).unwrap();
        assert_eq!(&buf[..n], &f[..]);
    }
    // And the other way.
    for f in &frames {
        client.write_all(f).unwrap();
        let n = conn.read(&mut buf).unwrap();
        assert_eq!(&buf[..n], &f[..]);
    }
}

#[test]
fn pkt0_message_too_large_is_discarded_and_reported() {
    process_watchdog();
    let (_server, mut conn, mut client) = pkt0_pair();
    conn.write_all(&frame(1, 3000)).unwrap();
    conn.write_all(&frame(2, 10)).unwrap();
    let mut small = [0u8; 1000];
    let err = client.read(&mut small).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::MessageTooLarge, "{err}");
    let n = client.read(&mut small).unwrap();
    assert_eq!(frame_seq(&small[..n]), 2, "the next message is intact");
}

#[test]
fn pkt0_read_pends_until_a_frame_arrives_while_the_other_half_writes() {
    process_watchdog();
    let (_server, conn, client) = pkt0_pair();
    let (mut reader, mut writer) = Box::new(client).split();
    let (mut conn_reader, mut conn_writer) = conn.into_split();
    let t = thread::spawn(move || {
        let mut buf = vec![0u8; pkt0::READ_BUFFER_SIZE];
        let start = Instant::now();
        let n = reader.read(&mut buf).unwrap();
        (buf[..n].to_vec(), start.elapsed())
    });
    // While the client's read pends, its write half still works (re-injection during a trap wait).
    thread::sleep(Duration::from_millis(150));
    writer.write_all(&frame(5, 60)).unwrap();
    let mut buf = vec![0u8; pkt0::READ_BUFFER_SIZE];
    let n = conn_reader.read(&mut buf).unwrap();
    assert_eq!(frame_seq(&buf[..n]), 5);
    conn_writer.write_all(&frame(6, 60)).unwrap();
    let (got, waited) = t.join().unwrap();
    assert_eq!(frame_seq(&got), 6);
    assert!(
        waited >= Duration::from_millis(100),
        "read did not wait for the frame: {waited:?}"
    );
}

#[test]
fn pkt0_second_opener_is_busy_until_the_first_leaves() {
    process_watchdog();
    let path = pipe_path("pkt0-excl");
    let mut server = PipeServer::pkt0(&path).unwrap();
    let p = path.clone();
    let first = thread::spawn(move || pkt0::open(&p).unwrap());
    let mut conn = server.accept().unwrap();
    let first = first.join().unwrap();

    let err = pkt0::open(&path)
        .err()
        .expect("second opener must be refused");
    assert_eq!(err.kind(), ErrorKind::Busy, "{err}");
    // The server cannot take a second client either while the first is connected.
    assert_eq!(server.accept().err().unwrap().kind(), ErrorKind::Busy);

    drop(first);
    assert_eq!(
        conn.read(&mut [0u8; 64]).unwrap_err().kind(),
        ErrorKind::PeerClosed
    );
    drop(conn);
    // Between the first client leaving and the server's next accept, the single instance is gone: a client
    // that is too quick sees NotFound (not Busy) and retries.
    let p = path.clone();
    let second = thread::spawn(move || {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            match pkt0::open(&p) {
                Err(e) if e.kind() == ErrorKind::NotFound && Instant::now() < deadline => {
                    thread::sleep(Duration::from_millis(5))
                }
                other => return other,
            }
        }
    });
    let mut conn = server.accept().unwrap();
    let mut second = second.join().unwrap().unwrap();
    second.write_all(b"hello").unwrap();
    let mut buf = [0u8; 64];
    let n = conn.read(&mut buf).unwrap();
    assert_eq!(&buf[..n], b"hello");
}

#[test]
fn binding_a_served_name_is_already_exists() {
    process_watchdog();
    let path = pipe_path("bind");
    let _server = PipeServer::ksync(&path).unwrap();
    let err = PipeServer::ksync(&path).err().unwrap();
    assert_eq!(err.kind(), ErrorKind::AlreadyExists, "{err}");
    let err = PipeServer::pkt0(&path).err().unwrap();
    assert_eq!(err.kind(), ErrorKind::AlreadyExists, "{err}");
    // Also while the only instance of a pkt0 pipe is connected.
    let (server, _conn, _client) = pkt0_pair();
    let err = PipeServer::pkt0(server.path()).err().unwrap();
    assert_eq!(err.kind(), ErrorKind::AlreadyExists, "{err}");
}

#[test]
fn accept_is_cancellable() {
    process_watchdog();
    let path = pipe_path("accept");
    let mut server = PipeServer::ksync(&path).unwrap();
    let canceller = server.canceller();
    let t = thread::spawn(move || {
        let r = server.accept().err().unwrap();
        (server, r)
    });
    thread::sleep(Duration::from_millis(150));
    canceller.cancel();
    let (mut server, err) = t.join().unwrap();
    assert_eq!(err.kind(), ErrorKind::Cancelled, "{err}");
    canceller.reset();
    let p = path.clone();
    let c = thread::spawn(move || pipe_client::open(&p, &ClientOptions::ksync()).unwrap());
    let _conn = server.accept().unwrap();
    c.join().unwrap();
}

#[test]
fn missing_endpoints_are_not_found() {
    process_watchdog();
    let err = pipe_client::open(&pipe_path("nobody"), &ClientOptions::ksync())
        .err()
        .unwrap();
    assert_eq!(err.kind(), ErrorKind::NotFound, "{err}");
    // Without the vRouter driver (always, under Wine) its devices do not exist.
    assert_eq!(
        ksync_device::open(ksync_device::DEVICE_PATH)
            .err()
            .unwrap()
            .kind(),
        ErrorKind::NotFound
    );
    assert_eq!(
        pkt0::open(pkt0::DEVICE_PATH).err().unwrap().kind(),
        ErrorKind::NotFound
    );
    assert_eq!(
        DriverTable::open(FLOW_DEVICE_PATH, 4096)
            .err()
            .unwrap()
            .kind(),
        ErrorKind::NotFound
    );
    assert_eq!(
        DriverTable::open(BRIDGE_DEVICE_PATH, 4096)
            .err()
            .unwrap()
            .kind(),
        ErrorKind::NotFound
    );
}

#[test]
fn table_ioctl_on_a_pipe_fails_cleanly() {
    process_watchdog();
    // A pipe is not the table device: the IOCTL must fail with an error, not hand out a bogus pointer.
    let (_server, _conn, client) = ksync_pair();
    let err = DriverTable::from_device(client, 4096).err().unwrap();
    eprintln!("IOCTL_SHMEM_GET_ADDRESS on a pipe: {err}");
    assert!(err.raw_os_error().is_some(), "{err}");
}

#[test]
fn pipe_dacl_grants_system_administrators_and_the_user_only() {
    process_watchdog();
    use std::os::windows::io::AsRawHandle;
    use vrouter_io::windows::security::current_user_sid;
    use windows_sys::Win32::Foundation::{LocalFree, HLOCAL};
    use windows_sys::Win32::Security::Authorization::{
        ConvertSecurityDescriptorToStringSecurityDescriptorW, GetSecurityInfo, SDDL_REVISION_1,
        SE_KERNEL_OBJECT,
    };
    use windows_sys::Win32::Security::DACL_SECURITY_INFORMATION;

    let sid = current_user_sid().unwrap();
    assert!(sid.starts_with("S-1-"), "{sid}");
    let (server, conn, _client) = ksync_pair();
    assert_eq!(
        server.sddl(),
        format!("D:P(A;;GA;;;SY)(A;;GA;;;BA)(A;;GA;;;{sid})")
    );

    // What the OS actually holds for the pipe.
    let mut sd = std::ptr::null_mut();
    let rc = unsafe {
        GetSecurityInfo(
            conn.as_raw_handle(),
            SE_KERNEL_OBJECT,
            DACL_SECURITY_INFORMATION,
            std::ptr::null_mut(),
            std::ptr::null_mut(),
            std::ptr::null_mut(),
            std::ptr::null_mut(),
            &mut sd,
        )
    };
    assert_eq!(rc, 0, "GetSecurityInfo failed: {rc}");
    let mut text = std::ptr::null_mut();
    let ok = unsafe {
        ConvertSecurityDescriptorToStringSecurityDescriptorW(
            sd,
            SDDL_REVISION_1,
            DACL_SECURITY_INFORMATION,
            &mut text,
            std::ptr::null_mut(),
        )
    };
    assert_ne!(ok, 0);
    let held = unsafe {
        let len = (0..).take_while(|&i| *text.add(i) != 0).count();
        String::from_utf16_lossy(std::slice::from_raw_parts(text, len))
    };
    unsafe {
        LocalFree(text as HLOCAL);
        LocalFree(sd as HLOCAL);
    }
    eprintln!("pipe DACL as held by the OS: {held}");
    assert!(
        held.contains(";;;SY)") && held.contains(";;;BA)") && held.contains(&format!(";;;{sid})")),
        "{held}"
    );
    assert!(
        !held.contains(";;;WD)") && !held.contains(";;;AU)"),
        "no Everyone / Authenticated Users: {held}"
    );
}

#[test]
fn endpoint_strings_pick_the_transport() {
    process_watchdog();
    use vrouter_io::windows::{open_ksync, open_pkt0};
    let path = pipe_path("endpoint");
    let mut server = PipeServer::ksync(&path).unwrap();
    let p = path.clone();
    let client = thread::spawn(move || open_ksync(&p).map(|t| t.framing()));
    let _conn = server.accept().unwrap();
    assert_eq!(client.join().unwrap().unwrap(), Framing::Stream);

    let path = pipe_path("endpoint-pkt0");
    let mut server = PipeServer::pkt0(&path).unwrap();
    let p = path.clone();
    let client = thread::spawn(move || open_pkt0(&p).map(|t| t.framing()));
    let _conn = server.accept().unwrap();
    assert_eq!(client.join().unwrap().unwrap(), Framing::Message);

    assert_eq!(
        open_ksync(ksync_device::DEVICE_PATH).err().unwrap().kind(),
        ErrorKind::NotFound
    );
}
