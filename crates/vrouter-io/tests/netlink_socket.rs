//! The generic-netlink transport against the running kernel, without privileges: family lookups through the
//! controller ("nlctrl", always there; "vrouter", absent unless the module is loaded), an exchange through the
//! Transport traits, cancelling a read without losing what arrives, and the ksync client over `netlink:`.
#![cfg(target_os = "linux")]

use std::sync::mpsc;
use std::thread;
use std::time::Duration;

use vrouter_io::ksync::{ClientEvent, ClientOptions, KsyncClient};
use vrouter_io::netlink_socket::{self, resolve_family};
use vrouter_io::{
    open_ksync, open_ksync_with_family, ErrorKind, Framing, Transport, TransportRead,
    TransportWrite,
};
use vrouter_proto::ksync::Event;
use vrouter_proto::messages::{Message, SandeshOp, VrMplsReq};
use vrouter_proto::netlink::{parse_family_reply, write_get_family, GENL_ID_CTRL};

/// Whether the vrouter module happens to be loaded here (then the "not found" tests do not apply).
fn vrouter_loaded() -> bool {
    resolve_family("vrouter").is_ok()
}

#[test]
fn the_controller_resolves_itself() {
    assert_eq!(resolve_family("nlctrl").unwrap(), GENL_ID_CTRL);
}

#[test]
fn a_missing_vrouter_family_is_not_found_with_a_hint() {
    if vrouter_loaded() {
        return;
    }
    let err = resolve_family("vrouter").unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound);
    let text = err.to_string();
    assert!(
        text.contains("generic netlink family \"vrouter\" not found")
            && text.contains("is the vrouter kernel module loaded?"),
        "{text}"
    );
    let err = resolve_family("no-such-family").unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound);
}

#[test]
fn opening_netlink_without_the_module_fails_the_same_way() {
    if vrouter_loaded() {
        return;
    }
    for endpoint in ["netlink:", "netlink:vrouter"] {
        let err = open_ksync(endpoint).err().unwrap();
        assert_eq!(err.kind(), ErrorKind::NotFound, "{endpoint}");
        assert!(
            err.to_string().contains("kernel module loaded"),
            "{endpoint}: {err}"
        );
    }
    let err =
        KsyncClient::connect("netlink:", ClientOptions::default(), Box::new(|_| {})).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound);
}

/// Sends CTRL_CMD_GETFAMILY for `name` and reads the id from the answer.
fn get_family(transport: &mut dyn Transport, seq: u32, name: &str) -> u16 {
    let mut request = Vec::new();
    write_get_family(&mut request, seq, 0, name).unwrap();
    transport.write_all(&request).unwrap();
    let mut buf = vec![0u8; 64 * 1024];
    let n = transport.read(&mut buf).unwrap();
    parse_family_reply(&buf[..n]).unwrap().id
}

#[test]
fn a_getfamily_exchange_through_the_transport_traits() {
    let (mut transport, family) = open_ksync_with_family("netlink:nlctrl").unwrap();
    assert_eq!(family, GENL_ID_CTRL);
    assert_eq!(transport.framing(), Framing::Message);
    assert_eq!(get_family(&mut *transport, 1, "nlctrl"), GENL_ID_CTRL);

    // The same over split halves, the read on another thread.
    let (mut reader, mut writer) = transport.split();
    let mut request = Vec::new();
    write_get_family(&mut request, 2, 0, "nlctrl").unwrap();
    let read = thread::spawn(move || {
        let mut buf = vec![0u8; 64 * 1024];
        let n = reader.read(&mut buf).unwrap();
        parse_family_reply(&buf[..n]).unwrap().id
    });
    writer.write_all(&request).unwrap();
    assert_eq!(read.join().unwrap(), GENL_ID_CTRL);
}

#[test]
fn a_message_longer_than_the_buffer_is_reported() {
    let mut transport = netlink_socket::open().unwrap();
    let mut request = Vec::new();
    write_get_family(&mut request, 1, 0, "nlctrl").unwrap();
    transport.write_all(&request).unwrap();
    let mut small = [0u8; 16];
    let err = transport.read(&mut small).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::MessageTooLarge);
    assert!(
        transport.port_id().unwrap() != 0,
        "the kernel assigned a port id"
    );
}

#[test]
fn a_cancelled_read_returns_and_loses_nothing() {
    let transport = netlink_socket::open().unwrap();
    let (mut reader, mut writer) = transport.into_split();
    let canceller = TransportRead::canceller(&reader);

    // A read blocked with nothing to come is cancelled from another thread.
    let (done, finished) = mpsc::channel();
    let blocked = thread::spawn(move || {
        let mut buf = vec![0u8; 64 * 1024];
        let result = TransportRead::read(&mut reader, &mut buf).map(|_| ());
        done.send(()).unwrap();
        (reader, result)
    });
    thread::sleep(Duration::from_millis(50));
    assert!(finished.try_recv().is_err(), "the read did not block");
    canceller.cancel();
    let (mut reader, result) = blocked.join().unwrap();
    assert_eq!(result.unwrap_err().kind(), ErrorKind::Cancelled);

    // An answer arriving while cancelled stays queued for the read after the reset.
    let mut request = Vec::new();
    write_get_family(&mut request, 5, 0, "nlctrl").unwrap();
    TransportWrite::write_all(&mut writer, &request).unwrap();
    let mut buf = vec![0u8; 64 * 1024];
    let err = TransportRead::read(&mut reader, &mut buf).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Cancelled, "cancel is sticky");
    canceller.reset();
    let n = TransportRead::read(&mut reader, &mut buf).unwrap();
    assert_eq!(parse_family_reply(&buf[..n]).unwrap().id, GENL_ID_CTRL);
}

#[test]
fn the_ksync_client_runs_over_netlink() {
    // The controller family has no command 1 (SANDESH_REQUEST) to run: the kernel's netlink layer answers each
    // request frame with NLMSG_ERROR -EOPNOTSUPP, which the session reports as the requests' answer.
    let (tx, rx) = mpsc::channel();
    let client = KsyncClient::connect(
        "netlink:nlctrl",
        ClientOptions::default(),
        Box::new(move |batch| tx.send(batch).unwrap()),
    )
    .unwrap();
    assert_eq!(client.family_id(), GENL_ID_CTRL);
    let request = Message::from(VrMplsReq {
        h_op: SandeshOp::GET,
        mr_label: 1,
        ..Default::default()
    });
    let id = client.submit(request).unwrap();
    let batch = rx.recv_timeout(Duration::from_secs(20)).unwrap();
    assert_eq!(
        batch,
        [ClientEvent::Session(Event::Reply {
            id,
            response_code: -95,
            objects: Vec::new()
        })]
    );
    client.close();
    let batch = rx.recv_timeout(Duration::from_secs(20)).unwrap();
    assert!(matches!(batch[..], [ClientEvent::Closed(_)]), "{batch:?}");
    client.join();
}
