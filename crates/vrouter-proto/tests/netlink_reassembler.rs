//! Stream reassembly: partial frames, many frames per read, every split point, refused lengths.

use proptest::prelude::*;
use vrouter_proto::netlink::{
    write_request, Dialect, FrameError, NetlinkHeader, ReplyWriter, RequestHeader,
    StreamReassembler, MAX_FRAME_LEN,
};

fn request(seq: u32, payload: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    write_request(
        &mut out,
        &RequestHeader {
            family_id: 24,
            seq,
            pid: 0,
        },
        payload,
    )
    .unwrap();
    out
}

/// A stream of frames of varied lengths (unaligned ones included), and the frames themselves.
fn sample_stream() -> (Vec<u8>, Vec<Vec<u8>>) {
    let frames: Vec<Vec<u8>> = (0..7u32)
        .map(|i| request(i, &vec![i as u8; (i as usize * 37) % 101]))
        .collect();
    (frames.concat(), frames)
}

fn drain(reasm: &mut StreamReassembler, into: &mut Vec<Vec<u8>>) {
    while let Some(frame) = reasm.pop().unwrap() {
        into.push(frame.to_vec());
    }
}

#[test]
fn byte_at_a_time() {
    let (stream, frames) = sample_stream();
    let mut reasm = StreamReassembler::new();
    let mut got = Vec::new();
    for b in &stream {
        let spare = reasm.spare(1);
        spare[0] = *b;
        reasm.commit(1);
        drain(&mut reasm, &mut got);
    }
    assert_eq!(got, frames);
    assert_eq!(reasm.buffered(), 0);
}

#[test]
fn many_frames_in_one_chunk() {
    let (stream, frames) = sample_stream();
    let mut reasm = StreamReassembler::new();
    reasm.push(&stream);
    let mut got = Vec::new();
    drain(&mut reasm, &mut got);
    assert_eq!(got, frames);
}

#[test]
fn split_at_every_offset() {
    let (stream, frames) = sample_stream();
    for cut in 0..=stream.len() {
        let mut reasm = StreamReassembler::new();
        let mut got = Vec::new();
        reasm.push(&stream[..cut]);
        drain(&mut reasm, &mut got);
        reasm.push(&stream[cut..]);
        drain(&mut reasm, &mut got);
        assert_eq!(got, frames, "cut at {cut}");
    }
}

#[test]
fn reading_into_spare_space_like_a_transport() {
    let (stream, frames) = sample_stream();
    let mut reasm = StreamReassembler::new();
    let mut got = Vec::new();
    let mut src = &stream[..];
    while !src.is_empty() {
        let spare = reasm.spare(50);
        assert!(spare.len() >= 50);
        let n = spare.len().min(src.len()).min(61);
        spare[..n].copy_from_slice(&src[..n]);
        reasm.commit(n);
        src = &src[n..];
        drain(&mut reasm, &mut got);
        // Bounded: at most one partial frame plus one read.
        assert!(reasm.buffered() < MAX_FRAME_LEN + 61);
    }
    assert_eq!(got, frames);
}

#[test]
fn needed_tells_how_much_to_read_for_one_message() {
    let frame = request(1, &[7; 40]);
    let mut reasm = StreamReassembler::new();
    assert_eq!(reasm.needed(), 16);
    reasm.push(&frame[..10]);
    assert_eq!(reasm.needed(), 6);
    reasm.push(&frame[10..16]);
    assert_eq!(reasm.needed(), frame.len() - 16);
    reasm.push(&frame[16..]);
    assert_eq!(reasm.needed(), 0);
    assert_eq!(reasm.pop().unwrap(), Some(&frame[..]));
    assert_eq!(reasm.needed(), 16);
}

#[test]
fn dpdk_replies_back_to_back() {
    let req = NetlinkHeader {
        len: 0,
        msg_type: 24,
        flags: 1,
        seq: 9,
        pid: 0,
    };
    let payloads = [vec![1u8; 30], vec![2u8; 3900], vec![3u8; 31]];
    let mut stream = Vec::new();
    ReplyWriter::new(Dialect::Dpdk, &req)
        .write_response(&mut stream, &payloads)
        .unwrap();
    let mut reasm = StreamReassembler::new();
    let mut got = Vec::new();
    for chunk in stream.chunks(1000) {
        reasm.push(chunk);
        drain(&mut reasm, &mut got);
    }
    let lens: Vec<usize> = got.iter().map(Vec::len).collect();
    assert_eq!(lens, [54, 3924, 55]);
}

#[test]
fn oversize_frame_refused_as_soon_as_the_header_arrives() {
    let mut header = NetlinkHeader {
        len: 4097,
        msg_type: 24,
        flags: 0,
        seq: 0,
        pid: 0,
    }
    .to_bytes()
    .to_vec();
    let mut reasm = StreamReassembler::new();
    reasm.push(&header[..15]);
    assert_eq!(reasm.pop(), Ok(None));
    reasm.push(&header[15..]);
    let err = FrameError::FrameTooLong {
        nlmsg_len: 4097,
        max: 4096,
    };
    assert_eq!(reasm.pop(), Err(err));
    // Broken for good: the error repeats, later bytes are dropped, nothing is buffered.
    assert!(reasm.is_broken());
    assert_eq!(reasm.failure(), Some(err));
    reasm.push(&request(1, b"x"));
    assert_eq!(reasm.pop(), Err(err));
    assert_eq!(reasm.buffered(), 0);
    // After a reset the stream is usable again.
    reasm.reset();
    reasm.push(&request(1, b"x"));
    assert_eq!(reasm.pop().unwrap().map(<[u8]>::len), Some(25));

    header[0..4].copy_from_slice(&4096u32.to_le_bytes());
    let mut reasm = StreamReassembler::new();
    reasm.push(&header);
    assert_eq!(reasm.pop(), Ok(None), "4096 is within the limit");
}

#[test]
fn configurable_limit() {
    let frame = request(3, &[0; 100]);
    let mut reasm = StreamReassembler::with_max_frame_len(100);
    reasm.push(&frame);
    assert_eq!(
        reasm.pop(),
        Err(FrameError::FrameTooLong {
            nlmsg_len: 124,
            max: 100
        })
    );
    let mut reasm = StreamReassembler::with_max_frame_len(124);
    reasm.push(&frame);
    assert_eq!(reasm.pop().unwrap(), Some(&frame[..]));
}

#[test]
fn length_below_header_refused() {
    for len in [0u32, 1, 15] {
        let mut reasm = StreamReassembler::new();
        let mut bytes = NetlinkHeader {
            len,
            ..Default::default()
        }
        .to_bytes()
        .to_vec();
        bytes.extend([0; 32]);
        reasm.push(&bytes);
        assert_eq!(
            reasm.pop(),
            Err(FrameError::LengthBelowHeader { nlmsg_len: len })
        );
        assert!(reasm.is_broken());
    }
}

#[test]
fn header_only_frame_of_16_is_a_frame() {
    let done = NetlinkHeader {
        len: 16,
        msg_type: 3,
        flags: 0,
        seq: 1,
        pid: 0,
    }
    .to_bytes();
    let mut reasm = StreamReassembler::new();
    reasm.push(&done);
    assert_eq!(reasm.pop().unwrap(), Some(&done[..]));
}

#[test]
#[should_panic(expected = "beyond the spare space")]
fn commit_beyond_spare_is_a_caller_bug() {
    let mut reasm = StreamReassembler::new();
    let n = reasm.spare(8).len();
    reasm.commit(n + 1);
}

fn arb_frame() -> impl Strategy<Value = Vec<u8>> {
    (
        any::<u32>(),
        prop::collection::vec(any::<u8>(), 0..300),
        any::<bool>(),
    )
        .prop_map(|(seq, payload, as_reply)| {
            if as_reply {
                let mut out = Vec::new();
                let req = NetlinkHeader {
                    seq,
                    msg_type: 24,
                    ..Default::default()
                };
                ReplyWriter::new(Dialect::Kernel, &req)
                    .write_response(&mut out, &[payload])
                    .unwrap();
                out
            } else {
                request(seq, &payload)
            }
        })
}

proptest! {
    #[test]
    fn random_splits_yield_the_same_frames(
        frames in prop::collection::vec(arb_frame(), 0..12),
        cuts in prop::collection::vec(any::<prop::sample::Index>(), 0..20),
    ) {
        let stream = frames.concat();
        let mut points: Vec<usize> = cuts.iter().map(|c| c.index(stream.len() + 1)).collect();
        points.push(0);
        points.push(stream.len());
        points.sort_unstable();
        let mut reasm = StreamReassembler::new();
        let mut got = Vec::new();
        for w in points.windows(2) {
            let chunk = &stream[w[0]..w[1]];
            let spare = reasm.spare(chunk.len());
            spare[..chunk.len()].copy_from_slice(chunk);
            reasm.commit(chunk.len());
            drain(&mut reasm, &mut got);
        }
        prop_assert_eq!(got, frames);
        prop_assert_eq!(reasm.buffered(), 0);
    }

    #[test]
    fn arbitrary_chunks_never_panic_and_stay_bounded(
        chunks in prop::collection::vec(prop::collection::vec(any::<u8>(), 0..200), 0..30),
    ) {
        let mut reasm = StreamReassembler::with_max_frame_len(512);
        for chunk in &chunks {
            reasm.push(chunk);
            while let Ok(Some(frame)) = reasm.pop() {
                prop_assert!(frame.len() >= 16 && frame.len() <= 512);
            }
            prop_assert!(reasm.buffered() < 512 + 200);
        }
    }
}
