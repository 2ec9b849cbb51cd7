// exchange(): the native one-shot ksync exchange, against forwarding-engine stand-ins written with
// node:net in this process (so every test also shows that the call leaves the event loop free: the
// server answers on it while the exchange waits).

import { mkdtempSync, rmSync } from 'node:fs'
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import test, { type ExecutionContext } from 'ava'

import {
  decode,
  encode,
  exchange,
  frameReplies,
  frameRequest,
  parseFrames,
  ProtocolError,
  SandeshOp,
  TransportError,
  type Dialect,
  type Frame,
} from '../lib/index'

const dir = mkdtempSync(join(tmpdir(), 'vrio-exchange-'))
test.after.always(() => rmSync(dir, { recursive: true, force: true }))
let nextSocket = 0

/** What a stand-in does with the request frames of one connection. */
type Answer = (requests: Frame[], socket: Socket) => void

/**
 * A stand-in on a Unix socket or on TCP 127.0.0.1:0 that calls `answer` once a whole request batch
 * is in; closed when the test ends, passed or failed.
 */
async function serve(t: ExecutionContext, kind: 'unix' | 'tcp', answer: Answer, frames = 1): Promise<{ endpoint: string; server: Server }> {
  const sockets = new Set<Socket>()
  const server = createServer((socket) => {
    sockets.add(socket)
    let pending = Buffer.alloc(0)
    socket.on('data', (chunk: Buffer) => {
      pending = Buffer.concat([pending, chunk])
      const requests = complete(pending)
      if (requests && requests.length === frames) answer(requests, socket)
    })
    socket.on('error', () => {}) // a client that went away is not the test's failure
  })
  t.teardown(() => {
    server.close()
    for (const s of sockets) s.destroy()
  })
  const path = join(dir, `ksync-${nextSocket++}.sock`)
  await new Promise<void>((resolve) => (kind === 'unix' ? server.listen(path, resolve) : server.listen(0, '127.0.0.1', resolve)))
  const endpoint = kind === 'unix' ? `unix:${path}` : `tcp:127.0.0.1:${(server.address() as AddressInfo).port}`
  return { endpoint, server }
}

/** The request frames in `bytes`, or undefined while the last one is incomplete. */
function complete(bytes: Buffer): Frame[] | undefined {
  let end = 0
  const len = () => Math.max(16, bytes.readUInt32LE(end))
  while (end + 16 <= bytes.length && end + len() <= bytes.length) end += len()
  return end === bytes.length ? parseFrames(bytes, 'request') : undefined
}

const mplsGet = (label: number, seq: number) => frameRequest(encode('vr_mpls_req', { h_op: SandeshOp.GET, mr_label: label }), { familyId: 24, seq })

/** The answer vRouter gives a GET: a vr_response, then the object, framed as `dialect` frames them. */
const answerGet = (dialect: Dialect) => (requests: Frame[], socket: Socket) => {
  for (const r of requests) {
    const label = (decode(r.payload!)[0].fields as { mr_label: number }).mr_label
    const parts = [encode('vr_response', { h_op: SandeshOp.RESPONSE, resp_code: 0 }), encode('vr_mpls_req', { mr_label: label, mr_nhid: label + 100 })]
    socket.write(frameReplies(parts, { dialect, familyId: r.type, seq: r.seq }))
  }
}

for (const [kind, dialect] of [
  ['unix', 'dpdk'],
  ['tcp', 'kernel'],
  ['unix', 'windows'],
] as const) {
  test(`a multi-part reply over ${kind}, framed as ${dialect}, resolves whole`, async (t) => {
    const { endpoint } = await serve(t, kind, answerGet(dialect))
    const replies = await exchange(endpoint, mplsGet(3, 41), { timeoutMs: 10_000 })
    const frames = parseFrames(replies)
    t.deepEqual(
      frames.map((f) => [f.kind, f.seq, f.multi]),
      dialect === 'dpdk'
        ? [
            ['sandesh', 41, true],
            ['sandesh', 41, false],
          ]
        : [
            ['sandesh', 41, true],
            ['sandesh', 41, true],
            ['done', 41, false],
          ],
    )
    t.deepEqual(decode(frames[1].payload!)[0], { name: 'vr_mpls_req', fields: { h_op: 0, mr_label: 3, mr_rid: 0, mr_nhid: 103, mr_marker: 0 } })
  })
}

test('several request frames: replies are read until the last request is answered, whatever the chunking', async (t) => {
  const { endpoint } = await serve(
    t,
    'tcp',
    (requests, socket) => {
      const bytes = Buffer.concat(requests.map((r) => frameReplies([encode('vr_response', { resp_code: r.seq })], { dialect: 'dpdk', familyId: r.type, seq: r.seq })))
      // Byte by byte: the reassembler must cut frames out of arbitrary reads.
      for (const b of bytes) socket.write(Buffer.of(b))
    },
    3,
  )
  const request = Buffer.concat([mplsGet(1, 1), mplsGet(2, 2), mplsGet(3, 3)])
  const frames = parseFrames(await exchange(endpoint, request, { timeoutMs: 10_000 }))
  t.deepEqual(
    frames.map((f) => [f.seq, (decode(f.payload!)[0].fields as { resp_code: number }).resp_code]),
    [
      [1, 1],
      [2, 2],
      [3, 3],
    ],
  )
})

test('a peer that closes mid-reply rejects with ERR_PEER_CLOSED', async (t) => {
  const { endpoint } = await serve(t, 'unix', (requests, socket) => {
    const parts = [encode('vr_response', {}), encode('vr_mpls_req', {}), encode('vr_mpls_req', {})]
    const all = frameReplies(parts, { dialect: 'kernel', familyId: 24, seq: requests[0].seq })
    socket.end(all.subarray(0, all.length - 20)) // the DONE never comes, and the last frame is cut short
  })
  const err = await t.throwsAsync(exchange(endpoint, mplsGet(1, 9)), { instanceOf: TransportError })
  t.is(err.code, 'ERR_PEER_CLOSED')
  t.is(err.endpoint, endpoint)
  t.regex(err.message, /after 2 complete reply frames/)
})

test('a silent peer times out, and the call returns on time', async (t) => {
  const { endpoint } = await serve(t, 'tcp', () => {})
  const started = Date.now()
  const err = await t.throwsAsync(exchange(endpoint, mplsGet(1, 1), { timeoutMs: 150 }), { instanceOf: TransportError })
  t.is(err.code, 'ERR_TIMEOUT')
  t.regex(err.message, /150 ms/)
  t.true(Date.now() - started < 5_000)
})

test('a missing socket, a refused port: ERR_ENDPOINT_NOT_FOUND', async (t) => {
  const missing = `unix:${join(dir, 'nothing-listens-here')}`
  const err = await t.throwsAsync(exchange(missing, mplsGet(1, 1)), { instanceOf: TransportError })
  t.is(err.code, 'ERR_ENDPOINT_NOT_FOUND')
  t.true(err.message.includes(missing))
  // A port that was free a moment ago.
  const { endpoint, server } = await serve(t, 'tcp', () => {})
  await new Promise((resolve) => server.close(resolve))
  const refused = await t.throwsAsync(exchange(endpoint, mplsGet(1, 1)), { instanceOf: TransportError })
  t.is(refused.code, 'ERR_ENDPOINT_NOT_FOUND')
})

test('a malformed reply frame rejects with a ProtocolError at its offset', async (t) => {
  const { endpoint } = await serve(t, 'unix', (requests, socket) => {
    const first = frameReplies([encode('vr_response', {}), encode('vr_response', {})], { dialect: 'dpdk', familyId: 24, seq: requests[0].seq }).subarray(0, 54)
    const bad = Buffer.alloc(16)
    bad.writeUInt32LE(8, 0) // nlmsg_len below the 16-byte header: nothing says where the next frame starts
    socket.write(Buffer.concat([first, bad]))
  })
  const err = await t.throwsAsync(exchange(endpoint, mplsGet(1, 1), { timeoutMs: 10_000 }), { instanceOf: ProtocolError })
  t.is(err.code, 'ERR_NETLINK_FRAME')
  t.is(err.offset, 54)
  t.regex(err.message, /nlmsg_len 8/)
})

test('a reply to another request is a ProtocolError', async (t) => {
  const { endpoint } = await serve(t, 'tcp', (_requests, socket) => {
    socket.write(frameReplies([encode('vr_response', {})], { dialect: 'dpdk', familyId: 24, seq: 999 }))
  })
  const err = await t.throwsAsync(exchange(endpoint, mplsGet(1, 5), { timeoutMs: 10_000 }), { instanceOf: ProtocolError })
  t.is(err.code, 'ERR_NETLINK_UNEXPECTED_REPLY')
  t.regex(err.message, /seq 999, expected 5/)
})

test('bad endpoints and bad requests are refused', async (t) => {
  const cases: [endpoint: string, code: string][] = [
    ['bogus:thing', 'ERR_ENDPOINT_INVALID'],
    ['tcp:127.0.0.1', 'ERR_ENDPOINT_INVALID'],
  ]
  // The kernel module's family is looked up: without the module, nothing serves it.
  if (process.platform === 'linux') cases.push(['netlink:', 'ERR_ENDPOINT_NOT_FOUND'])
  if (process.platform !== 'win32') cases.push([String.raw`\\.\pipe\vrouterKsync`, 'ERR_ENDPOINT_UNSUPPORTED'])
  for (const [endpoint, code] of cases) {
    const err = await t.throwsAsync(exchange(endpoint, mplsGet(1, 1)), { instanceOf: TransportError })
    t.is(err.code, code, endpoint)
  }
  const empty = await t.throwsAsync(exchange('unix:/nowhere', new Uint8Array(0)), { instanceOf: ProtocolError })
  t.is(empty.code, 'ERR_NETLINK_REQUEST')
  await t.throwsAsync(exchange('unix:/nowhere', mplsGet(1, 1), { timeoutMs: -1 }), { instanceOf: RangeError })
  await t.throwsAsync(exchange('unix:/nowhere', 'frames' as never), { instanceOf: TypeError })
})
