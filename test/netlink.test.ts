// Frame helpers against the worked frames of PROTOCOL.md §3.7 and real utility captures.

import test from 'ava'

import { decode, encode, frameReplies, frameRequest, parseFrames, ProtocolError, SandeshOp } from '../lib/index'
import { hex, unhex, vectors } from './helpers/vectors'

const mplsDump = () => encode('vr_mpls_req', { h_op: SandeshOp.DUMP, mr_marker: -1 })

test('a request frame has exact lengths and no padding (§3.7, 73 bytes)', (t) => {
  const f = frameRequest(mplsDump(), { familyId: 0x1a, seq: 7, pid: 0x1234 })
  t.is(
    hex(f),
    '490000001a00010007000000341200000100000035000100' +
      '0000000b76725f6d706c735f7265710800010000000308000200000000060003000008000400000000080005ffffffff00',
  )
  t.is(f.length, 73)
})

test('replies are framed per dialect: kernel pads, DPDK does not (§3.7)', (t) => {
  const ok = [encode('vr_response', { h_op: SandeshOp.RESPONSE })]
  const kernel = frameReplies(ok, { dialect: 'kernel', familyId: 0x1a, seq: 7, pid: 0x1234 })
  t.is(kernel.length, 56)
  t.is(hex(kernel.subarray(0, 24)), '380000001a000000070000003412000001000000' + '1e000100')
  t.is(hex(kernel.subarray(54)), '0000') // pad bytes
  const dpdk = frameReplies(ok, { dialect: 'dpdk', familyId: 0x1a, seq: 7, pid: 0x1234 })
  t.is(hex(dpdk.subarray(0, 24)), '360000001a000000070000000000000001000000' + '1e000100')
  t.is(dpdk.length, 54)
})

test('a multi-part reply: kernel and Windows end with DONE, DPDK clears MULTI on the last message', (t) => {
  const parts = [encode('vr_response', { resp_code: 1 }), encode('vr_mpls_req', { mr_label: 100, mr_nhid: 10 })]
  for (const dialect of ['kernel', 'windows'] as const) {
    const frames = parseFrames(frameReplies(parts, { dialect, familyId: 1, seq: 9 }))
    t.deepEqual(
      frames.map((f) => [f.kind, f.multi, f.seq]),
      [
        ['sandesh', true, 9],
        ['sandesh', true, 9],
        ['done', false, 9],
      ],
    )
  }
  const dpdk = parseFrames(frameReplies(parts, { dialect: 'dpdk', familyId: 24, seq: 9 }))
  t.deepEqual(
    dpdk.map((f) => [f.kind, f.multi]),
    [
      ['sandesh', true],
      ['sandesh', false],
    ],
  )
  t.deepEqual(decode(dpdk[1].payload!)[0], { name: 'vr_mpls_req', fields: { h_op: 0, mr_label: 100, mr_rid: 0, mr_nhid: 10, mr_marker: 0 } })
})

for (const v of vectors('netlink-capture')) {
  test(`capture ${v.name}: the utility's frames parse, re-frame to their bytes, and the replies decode`, (t) => {
    for (const ex of v.exchange) {
      const bytes = unhex(ex.hex)
      const [frame, ...more] = parseFrames(bytes, ex.dir === 'request' ? 'request' : 'reply')
      t.is(more.length, 0)
      t.is(hex(frame.payload!), ex.sandesh_hex)
      t.deepEqual([frame.length, frame.type, frame.flags, frame.seq, frame.pid], [ex.nlmsghdr.len, ex.nlmsghdr.type, ex.nlmsghdr.flags, ex.nlmsghdr.seq, ex.nlmsghdr.pid])
      if (ex.dir === 'request') {
        t.is(hex(frameRequest(frame.payload!, { familyId: frame.type, seq: frame.seq, pid: frame.pid })), ex.hex)
      }
      t.is(decode(frame.payload!).length, ex.decoded.length)
    }
  })
}

test('malformed frames are ProtocolErrors', (t) => {
  t.throws(() => parseFrames(unhex('0500000000')), { instanceOf: ProtocolError, code: 'ERR_NETLINK_FRAME', message: /truncated/ })
  const big = Buffer.alloc(5000)
  big.writeUInt32LE(5000, 0)
  t.throws(() => parseFrames(big), { instanceOf: ProtocolError, message: /4096/ })
  t.throws(() => frameReplies([], { dialect: 'bsd' as never, familyId: 1, seq: 0 }), { instanceOf: ProtocolError, message: /dialect/ })
})
