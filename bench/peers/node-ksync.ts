// The peer for bench/ksync: a ksync client a user could assemble from npm — node:net, the
// `thrift` codec over the same structs (./thrift-structs.ts) and netlink framing in JavaScript.
// It pipelines like ours: requests packed up to 16 per frame under 4 KiB, frames sent without
// waiting, replies matched by sequence number and, within a frame, by position.

import { connect, type Socket } from 'node:net'

import type { MessageName } from 'vrouter-io'

import { thriftCodec, type ThriftCodec } from './thrift-structs'

const NLM_F_REQUEST = 1
const NLM_F_MULTI = 2
const NLMSG_DONE = 3
const MAX_PER_FRAME = 16
const MAX_FRAME = 4096

interface Waiting {
  resolve(code: number): void
  reject(e: Error): void
}

/** Answers expected for one frame: one per request, each started by a vr_response. */
interface FrameWaiters {
  waiters: Waiting[]
  answered: number
}

export class NodeKsyncClient {
  #socket: Socket
  #codec: ThriftCodec
  #seq = 1
  #frames = new Map<number, FrameWaiters>()
  #buffer: Buffer = Buffer.alloc(0)

  private constructor(socket: Socket, codec: ThriftCodec) {
    this.#socket = socket
    this.#codec = codec
    socket.on('data', (chunk: Buffer) => this.#onData(chunk))
  }

  static async connect(path: string, names: MessageName[]): Promise<NodeKsyncClient> {
    const socket = connect(path)
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve)
      socket.once('error', reject)
    })
    socket.setNoDelay?.(true)
    return new NodeKsyncClient(socket, thriftCodec(['vr_response', ...names]))
  }

  /** One request in one frame; resolves with its response code. */
  request(name: MessageName, fields: Record<string, unknown>): Promise<number> {
    return this.bulk([{ name, fields }])[0]
  }

  /** Requests packed into frames as the agent packs them; a promise per request. */
  bulk(requests: { name: MessageName; fields: Record<string, unknown> }[]): Promise<number>[] {
    const promises: Promise<number>[] = []
    let payloads: Buffer[] = []
    let size = 0
    let waiters: Waiting[] = []
    const flush = () => {
      if (payloads.length === 0) return
      const seq = this.#seq++
      this.#frames.set(seq, { waiters, answered: 0 })
      this.#socket.write(frame(Buffer.concat(payloads), seq))
      payloads = []
      waiters = []
      size = 0
    }
    for (const r of requests) {
      const p = this.#codec.encode(r.name, r.fields)
      if (payloads.length === MAX_PER_FRAME || (payloads.length > 0 && 24 + size + p.length >= MAX_FRAME)) flush()
      payloads.push(Buffer.from(p))
      size += p.length
      promises.push(new Promise<number>((resolve, reject) => waiters.push({ resolve, reject })))
    }
    flush()
    return promises
  }

  close(): void {
    this.#socket.destroy()
  }

  #onData(chunk: Buffer): void {
    this.#buffer = this.#buffer.length === 0 ? chunk : Buffer.concat([this.#buffer, chunk])
    while (this.#buffer.length >= 16) {
      const len = this.#buffer.readUInt32LE(0)
      if (this.#buffer.length < len) return
      const type = this.#buffer.readUInt16LE(4)
      const flags = this.#buffer.readUInt16LE(6)
      const seq = this.#buffer.readUInt32LE(8)
      const f = this.#frames.get(seq)
      if (f && type !== NLMSG_DONE) {
        for (const m of this.#codec.decode(this.#buffer.subarray(24, len))) {
          if (m.name === 'vr_response') f.waiters[f.answered++]?.resolve(m.fields.resp_code as number)
        }
      }
      if (f && (type === NLMSG_DONE || (flags & NLM_F_MULTI) === 0)) this.#frames.delete(seq)
      this.#buffer = this.#buffer.subarray(len)
    }
  }
}

/** A ksync request frame: nlmsghdr, genlmsghdr, one attribute, the payload (PROTOCOL.md §3.1). */
function frame(payload: Buffer, seq: number): Buffer {
  const b = Buffer.alloc(24 + payload.length)
  b.writeUInt32LE(24 + payload.length, 0)
  b.writeUInt16LE(24, 4)
  b.writeUInt16LE(NLM_F_REQUEST, 6)
  b.writeUInt32LE(seq, 8)
  b.writeUInt32LE(process.pid, 12)
  b.writeUInt8(1, 16)
  b.writeUInt16LE(4 + payload.length, 20)
  b.writeUInt16LE(1, 22)
  payload.copy(b, 24)
  return b
}
