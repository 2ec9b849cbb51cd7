//! Any byte stream, cut into any chunks, through the netlink stream reassembler and the frame
//! parsers: no panic, no frame longer than the limit, and a broken stream stays broken.
#![no_main]

use libfuzzer_sys::fuzz_target;
use vrouter_proto::netlink::{parse_reply, parse_request, StreamReassembler};

fuzz_target!(|data: &[u8]| {
    let Some((&cut, stream)) = data.split_first() else { return };
    let chunk = usize::from(cut % 64) + 1;
    let mut r = StreamReassembler::new();
    let limit = r.max_frame_len();
    for piece in stream.chunks(chunk) {
        r.push(piece);
        loop {
            match r.pop() {
                Ok(Some(frame)) => {
                    assert!(frame.len() <= limit);
                    let _ = parse_reply(frame);
                    let _ = parse_request(frame);
                }
                Ok(None) => break,
                Err(_) => {
                    assert!(r.is_broken());
                    return;
                }
            }
        }
    }
});
