// pkt0, the packet channel between the agent and the forwarding engine (PROTOCOL.md §5, §6). A native reader thread
// pulls frames in batches into a bounded queue (crates/vrouter-io/src/pkt0, bound in crates/node/src/pkt0.rs); this
// file takes a whole batch per native call and hands out packets, builds outgoing frames, and manages lifetime.

import { existsSync } from 'node:fs'

import { AbortError, TransportError } from './errors'
import { AgentCmd } from './generated/vr'
import native from './native'
import type { NativePkt0, NativePkt0Batch, NativePkt0Stats } from '../index'

export { AgentCmd }

/** Bytes of the outer Ethernet header in front of the agent header. */
export const OUTER_ETH_LEN = 14
/** Bytes of `struct agent_hdr`. */
export const AGENT_HDR_LEN = 30
/** Bytes in front of the packet: outer Ethernet + agent header. */
export const PKT0_HEADERS_LEN = OUTER_ETH_LEN + AGENT_HDR_LEN

/**
 * `struct agent_hdr`, decoded: where a trapped packet came from and why (vRouter → agent), or what to do with a packet
 * (agent → vRouter). Parameters mean different things per command (PROTOCOL.md §6.2); for `TRAP_FLOW_MISS` `cmdParam`
 * is the flow index, `cmdParam1` the nexthop, `cmdParam5` the flow's gen id.
 */
export interface AgentHeader {
  ifindex: number
  vrf: number
  /** Compare with {@link AgentCmd}: `header.cmd === AgentCmd.TRAP_ARP`. */
  cmd: number
  cmdParam: number
  cmdParam1: number
  cmdParam2: number
  cmdParam3: number
  cmdParam4: number
  cmdParam5: number
}

/** A header to send: `ifindex`, `vrf` and `cmd` (SWITCH when absent); parameters default to 0. */
export type AgentHeaderInput = Pick<AgentHeader, 'ifindex' | 'vrf'> & Partial<AgentHeader>

/** One frame off pkt0. `frame` and `raw` are views of its batch's buffer (each batch has its own, never reused: views stay valid). */
export interface Pkt0Packet {
  readonly header: AgentHeader
  /** The packet, from its Ethernet header on. */
  readonly frame: Buffer
  /** The whole datagram: outer Ethernet, agent header, packet. */
  readonly raw: Buffer
}

/** What to drop when the consumer falls behind and the queue is full. */
export type DropPolicy = 'drop-newest' | 'drop-oldest' | 'pause'

/** Options of {@link Pkt0.open}. */
export interface Pkt0Options {
  /** Aborting closes the channel (and rejects a pending open or read with an {@link AbortError}). */
  signal?: AbortSignal
  /** Frames the queue holds at most (default 65536). */
  maxQueuePackets?: number
  /** Bytes the queue holds at most (default 16 MiB). */
  maxQueueBytes?: number
  /**
   * `drop-newest` (default: arriving frames are dropped while the queue is full), `drop-oldest` (the oldest queued
   * frames make room), or `pause` (stop reading; frames wait in the socket and the forwarding engine drops what does not fit).
   */
  dropPolicy?: DropPolicy
  /** Give up connecting to the forwarding engine's socket after this long (default: keep retrying, as the agent does). */
  connectTimeoutMs?: number
  /** Frames handed over per native call at most (default 4096). */
  batchPackets?: number
}

/** The channel's counters. */
export interface Pkt0Stats {
  /** Frames read from the transport, valid or not. */
  received: number
  receivedBytes: number
  /** Reads that returned frames. */
  batches: number
  /** Frames of 44 bytes or fewer (no packet after the headers): counted, not delivered. */
  invalidShort: number
  /** Frames longer than the read buffer: counted, not delivered. */
  oversize: number
  /** Frames with a command vRouter does not define: delivered, and counted. */
  unknownCommand: number
  /** Frames handed to JavaScript. */
  delivered: number
  /** Frames lost to the drop policy. */
  dropped: number
  droppedBytes: number
  /** Frames and bytes waiting in the queue now, and the most bytes that ever waited. */
  queued: number
  queuedBytes: number
  peakQueuedBytes: number
  /** Frames sent, and not sent because the peer was full or for another reason. */
  sent: number
  sendFull: number
  sendFailed: number
  /** Frames written to a capture file. */
  captured: number
}

/** A running capture; `close()` finishes the file and resolves with the records written. */
export interface Pkt0Capture extends AsyncDisposable {
  readonly path: string
  close(): Promise<number>
}

/** Where vRouter's pkt0 channel is on this machine when no endpoint is named. */
export function defaultPkt0Endpoint(): string {
  if (process.platform === 'win32') return '\\\\.\\vrouterPkt0'
  return existsSync('/var/run/vrouter/dpdk_pkt0') ? 'unix:/var/run/vrouter/agent_pkt0' : 'tap:pkt0'
}

/** A SWITCH header: transmit the packet out of vif `ifindex`. */
export function switchHeader(ifindex: number, vrf: number): AgentHeaderInput {
  return { ifindex, vrf, cmd: AgentCmd.CMD_SWITCH }
}

/** A ROUTE header: route the packet in `vrf` as if received on vif `ifindex`. */
export function routeHeader(ifindex: number, vrf: number): AgentHeaderInput {
  return { ifindex, vrf, cmd: AgentCmd.CMD_ROUTE }
}

/** Decodes the agent header of the frame at `start` of `data` (network byte order). */
function decodeHeader(data: Buffer, start: number): AgentHeader {
  const h = start + OUTER_ETH_LEN
  return {
    ifindex: data.readUInt16BE(h),
    vrf: data.readUInt16BE(h + 2),
    cmd: data.readUInt16BE(h + 4),
    cmdParam: data.readUInt32BE(h + 6),
    cmdParam1: data.readUInt32BE(h + 10),
    cmdParam2: data.readUInt32BE(h + 14),
    cmdParam3: data.readUInt32BE(h + 18),
    cmdParam4: data.readUInt32BE(h + 22),
    cmdParam5: data[h + 26],
  }
}

/** A frame of a batch; the header and views are made when first asked for. */
class Packet implements Pkt0Packet {
  #header?: AgentHeader
  constructor(
    private readonly data: Buffer,
    private readonly start: number,
    private readonly len: number,
  ) {}

  get header(): AgentHeader {
    return (this.#header ??= decodeHeader(this.data, this.start))
  }

  get frame(): Buffer {
    return this.data.subarray(this.start + PKT0_HEADERS_LEN, this.start + this.len)
  }

  get raw(): Buffer {
    return this.data.subarray(this.start, this.start + this.len)
  }
}

/** Frames taken in one native call: one buffer, frames back to back. */
export class Pkt0Batch implements Iterable<Pkt0Packet> {
  /** The frames' bytes. */
  readonly data: Buffer
  /** Each frame's length. */
  readonly lengths: Uint32Array
  /** Each frame's offset in {@link data}. */
  readonly offsets: Uint32Array

  constructor(b: NativePkt0Batch) {
    this.data = b.data
    this.lengths = b.lens
    this.offsets = new Uint32Array(b.lens.length)
    let at = 0
    for (let i = 0; i < b.lens.length; i++) {
      this.offsets[i] = at
      at += b.lens[i]
    }
  }

  /** Packets in the batch. */
  get length(): number {
    return this.lengths.length
  }

  /** Frame `i`. */
  packet(i: number): Pkt0Packet {
    return new Packet(this.data, this.offsets[i], this.lengths[i])
  }

  /** The command of frame `i`, read without decoding the rest of its header. */
  cmd(i: number): number {
    return this.data.readUInt16BE(this.offsets[i] + OUTER_ETH_LEN + 4)
  }

  *[Symbol.iterator](): Iterator<Pkt0Packet> {
    for (let i = 0; i < this.lengths.length; i++) yield this.packet(i)
  }
}

const OUTER_AGENT_TO_VROUTER = Buffer.from([0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 1, 0x08, 0x00])
const MAX_FRAME = 65535

/** Frames waiting to be sent, built in one growing buffer. */
class Outbox {
  buf = Buffer.allocUnsafe(1 << 16)
  lens = new Uint32Array(1024)
  used = 0
  count = 0

  /** Appends one frame: outer Ethernet (§6.3: dst 00:..:02, src 00:..:01, type 0x0800), agent header, packet. */
  push(header: AgentHeaderInput, packet: Uint8Array): void {
    if (!(packet instanceof Uint8Array)) throw new TypeError('pkt0 send: the packet must be a Buffer or Uint8Array')
    if (packet.length === 0) throw new RangeError('pkt0 send: an empty packet makes a 44-byte frame, which vRouter counts as invalid')
    const len = PKT0_HEADERS_LEN + packet.length
    if (len > MAX_FRAME) throw new RangeError(`pkt0 send: a frame of ${len} bytes is longer than ${MAX_FRAME}`)
    this.#reserve(len)
    const b = this.buf
    const at = this.used
    OUTER_AGENT_TO_VROUTER.copy(b, at)
    const h = at + OUTER_ETH_LEN
    b.writeUInt16BE(u(header.ifindex, 0xffff, 'ifindex'), h)
    b.writeUInt16BE(u(header.vrf, 0xffff, 'vrf'), h + 2)
    b.writeUInt16BE(u(header.cmd ?? AgentCmd.CMD_SWITCH, 0xffff, 'cmd'), h + 4)
    b.writeUInt32BE(u(header.cmdParam ?? 0, 0xffffffff, 'cmdParam'), h + 6)
    b.writeUInt32BE(u(header.cmdParam1 ?? 0, 0xffffffff, 'cmdParam1'), h + 10)
    b.writeUInt32BE(u(header.cmdParam2 ?? 0, 0xffffffff, 'cmdParam2'), h + 14)
    b.writeUInt32BE(u(header.cmdParam3 ?? 0, 0xffffffff, 'cmdParam3'), h + 18)
    b.writeUInt32BE(u(header.cmdParam4 ?? 0, 0xffffffff, 'cmdParam4'), h + 22)
    b[h + 26] = u(header.cmdParam5 ?? 0, 0xff, 'cmdParam5')
    b[h + 27] = b[h + 28] = b[h + 29] = 0
    b.set(packet, at + PKT0_HEADERS_LEN)
    this.lens[this.count++] = len
    this.used += len
  }

  #reserve(len: number): void {
    if (this.used + len > this.buf.length) {
      const bigger = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.used + len))
      this.buf.copy(bigger, 0, 0, this.used)
      this.buf = bigger
    }
    if (this.count === this.lens.length) {
      const more = new Uint32Array(this.lens.length * 2)
      more.set(this.lens)
      this.lens = more
    }
  }

  clear(): void {
    this.used = 0
    this.count = 0
  }
}

function u(v: number, max: number, name: string): number {
  if (!Number.isInteger(v) || v < 0 || v > max) throw new RangeError(`pkt0 send: ${name} must be an integer in 0..${max}, got ${v}`)
  return v
}

const DEFAULT_BATCH = 4096
const CONNECT_RETRY_MS = 100

/**
 * An open pkt0 channel. Read with `for await (const { header, frame } of pkt0)` (or {@link batches}); send with
 * {@link send} / {@link sendBatch}. Close it (or `await using` it); an idle channel does not keep Node running.
 */
export class Pkt0 implements AsyncIterable<Pkt0Packet>, AsyncDisposable {
  /** The endpoint opened. */
  readonly endpoint: string
  #native: NativePkt0 | undefined
  /** Kept after close for {@link stats}. */
  #last: NativePkt0 | undefined
  #batchPackets: number
  #wake?: () => void
  #reading = false
  #outbox = new Outbox()
  #flushQueued = false
  #closed?: Error
  #onAbort?: () => void
  #signal?: AbortSignal
  #capture?: Pkt0Capture
  #finishCapture?: () => number

  private constructor(endpoint: string, batchPackets: number) {
    this.endpoint = endpoint
    this.#batchPackets = batchPackets
  }

  /**
   * Opens `endpoint`: `unix:PATH` (DPDK vRouter or the simulator: bind the agent's socket PATH, `…/agent_pkt0`, and
   * connect to `dpdk_pkt0` beside it, retrying until it appears), `tap:NAME` (the Linux kernel module: create the tap
   * device). Without one, the platform's default ({@link defaultPkt0Endpoint}). Resolves once connected.
   */
  static async open(endpoint: string = defaultPkt0Endpoint(), options: Pkt0Options = {}): Promise<Pkt0> {
    const { signal } = options
    if (signal?.aborted) throw new AbortError(undefined, { cause: signal.reason })
    const p = new Pkt0(endpoint, options.batchPackets ?? DEFAULT_BATCH)
    // The native channel exists on Linux and Windows (the platforms vRouter runs on).
    if (typeof native.openPkt0 !== 'function') {
      throw new TransportError(`cannot open pkt0 at ${endpoint}: pkt0 is not available on ${process.platform}`, { code: 'ERR_ENDPOINT_INVALID', endpoint })
    }
    const opened = native.openPkt0(
      endpoint,
      { maxPackets: options.maxQueuePackets, maxBytes: options.maxQueueBytes, policy: options.dropPolicy },
      () => p.#wake?.(),
    )
    if ('code' in opened) throw new TransportError(`cannot open pkt0 at ${endpoint}: ${opened.message}`, { code: opened.code, endpoint })
    p.#native = p.#last = opened
    opened.setActive(false)
    if (signal) {
      p.#signal = signal
      p.#onAbort = () => p.#shut(new AbortError(undefined, { cause: signal.reason }))
      signal.addEventListener('abort', p.#onAbort, { once: true })
    }
    try {
      await p.#connect(options.connectTimeoutMs)
    } catch (e) {
      await p.close()
      throw e
    }
    return p
  }

  async #connect(timeoutMs?: number): Promise<void> {
    const started = Date.now()
    for (;;) {
      const n = this.#open()
      let connected: boolean
      try {
        connected = n.connect()
      } catch (e) {
        throw new TransportError(`cannot connect pkt0 at ${this.endpoint}: ${(e as Error).message}`, { code: 'ERR_TRANSPORT_IO', endpoint: this.endpoint })
      }
      if (connected) return
      if (timeoutMs !== undefined && Date.now() - started >= timeoutMs) {
        throw new TransportError(`pkt0 at ${this.endpoint}: the forwarding engine's socket did not appear within ${timeoutMs} ms`, {
          code: 'ERR_TIMEOUT',
          endpoint: this.endpoint,
        })
      }
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, CONNECT_RETRY_MS)
        this.#wake = () => {
          clearTimeout(t)
          resolve()
        }
      })
      this.#wake = undefined
    }
  }

  /** Packets as they arrive. Leaving the loop closes the channel. One reader at a time. */
  [Symbol.asyncIterator](): AsyncIterator<Pkt0Packet> {
    const batches = this.#batchIterator()
    let batch: Pkt0Batch | undefined
    let i = 0
    const done: IteratorReturnResult<undefined> = { done: true, value: undefined }
    const next = async (): Promise<IteratorResult<Pkt0Packet>> => {
      for (;;) {
        const b = await batches.next()
        if (b.done) return done
        batch = b.value
        i = 0
        if (batch.length > 0) return { done: false, value: batch.packet(i++) }
      }
    }
    return {
      next: (): Promise<IteratorResult<Pkt0Packet>> => {
        // The common case, a packet of the current batch, settles without an await chain.
        if (batch !== undefined && i < batch.length) return Promise.resolve({ done: false, value: batch.packet(i++) })
        return next()
      },
      return: async (): Promise<IteratorResult<Pkt0Packet>> => {
        await batches.return?.()
        return done
      },
    }
  }

  /** Batches as they arrive: each the frames of one native call. Leaving the loop closes the channel. */
  batches(): AsyncIterable<Pkt0Batch> {
    return { [Symbol.asyncIterator]: () => this.#batchIterator() }
  }

  #batchIterator(): AsyncIterator<Pkt0Batch> {
    if (this.#reading) throw new Error('pkt0: only one reader at a time')
    this.#reading = true
    const done: IteratorReturnResult<undefined> = { done: true, value: undefined }
    return {
      next: async (): Promise<IteratorResult<Pkt0Batch>> => {
        for (;;) {
          if (this.#closed) {
            if (this.#closed instanceof AbortError) throw this.#closed
            return done
          }
          const n = this.#open()
          const b = n.take(this.#batchPackets)
          if (b) return { done: false, value: new Pkt0Batch(b) }
          if (n.stopped) {
            const why = n.failure
            await this.close()
            if (why) throw new TransportError(`pkt0 at ${this.endpoint}: ${why}`, { code: 'ERR_TRANSPORT_IO', endpoint: this.endpoint })
            return done
          }
          // Nothing waits: sleep until the reader queues frames (the wake-up is armed by the empty take).
          n.setActive(true)
          await new Promise<void>((resolve) => (this.#wake = resolve))
          this.#wake = undefined
          this.#native?.setActive(false)
        }
      },
      return: async (): Promise<IteratorResult<Pkt0Batch>> => {
        this.#reading = false
        await this.close()
        return done
      },
    }
  }

  /**
   * Queues one frame to send: the outer Ethernet header and the agent header are built from `header` (SWITCH when no
   * `cmd`) as PROTOCOL.md §6.3 says, followed by `packet` (from its Ethernet header). Frames queued in one turn of the
   * event loop go out together, in one system call per batch. Throws for a bad header field or an empty packet.
   */
  send(header: AgentHeaderInput, packet: Uint8Array): void {
    this.#open()
    this.#outbox.push(header, packet)
    if (!this.#flushQueued) {
      this.#flushQueued = true
      queueMicrotask(() => this.flush())
    }
  }

  /** Sends `packet` out of vif `ifindex` (`CMD_SWITCH`). */
  sendSwitch(packet: Uint8Array, ifindex: number, vrf: number): void {
    this.send(switchHeader(ifindex, vrf), packet)
  }

  /** Has vRouter route `packet` in `vrf` as if received on vif `ifindex` (`CMD_ROUTE`). */
  sendRoute(packet: Uint8Array, ifindex: number, vrf: number): void {
    this.send(routeHeader(ifindex, vrf), packet)
  }

  /** Sends frames at once, with anything queued by {@link send}; returns how many went (the rest are in `sendFull` / `sendFailed`). */
  sendBatch(list: Iterable<{ header: AgentHeaderInput; frame: Uint8Array }>): number {
    this.#open()
    for (const { header, frame } of list) this.#outbox.push(header, frame)
    return this.flush()
  }

  /** Sends what {@link send} queued now; returns how many went. */
  flush(): number {
    this.#flushQueued = false
    const o = this.#outbox
    if (o.count === 0 || !this.#native) return 0
    try {
      return this.#native.send(o.buf.subarray(0, o.used), o.lens.subarray(0, o.count))
    } catch (e) {
      throw new TransportError(`pkt0 at ${this.endpoint}: ${(e as Error).message}`, { code: 'ERR_TRANSPORT_IO', endpoint: this.endpoint })
    } finally {
      o.clear()
    }
  }

  /**
   * Writes every frame from now on, both directions, to a classic pcap file (linktype Ethernet) at `path`: frames
   * received as they were read (before the queue, so frames the drop policy discards are in the file too) and frames
   * sent as they went. Closing the channel finishes the file.
   */
  capture(path: string): Pkt0Capture {
    const n = this.#open()
    try {
      n.capture(path)
    } catch (e) {
      throw new TransportError(`pkt0 at ${this.endpoint}: ${(e as Error).message}`, { code: 'ERR_TRANSPORT_IO', endpoint: this.endpoint })
    }
    let records: number | undefined
    const finish = (): number => (records ??= this.#native?.stopCapture() ?? 0)
    const c: Pkt0Capture = {
      path,
      close: async () => {
        if (this.#capture === c) this.#capture = undefined
        return finish()
      },
      [Symbol.asyncDispose]: async () => void (await c.close()),
    }
    this.#capture = c
    this.#finishCapture = finish
    return c
  }

  /** The counters (still readable after close). */
  stats(): Pkt0Stats {
    const s: NativePkt0Stats = (this.#native ?? this.#last ?? this.#open()).stats()
    const { discarded: _discarded, ...rest } = s
    return rest
  }

  /**
   * Benchmarks only: while on, the native reader counts and drops frames (`stats().received` keeps counting), so
   * that the transport's own rate can be measured on this channel.
   * @internal
   */
  setDiscard(on: boolean): void {
    this.#open().setDiscard(on)
  }

  /** Sends what is queued, stops the reader, finishes a capture, closes the transport; idempotent. */
  async close(): Promise<void> {
    if (this.#native && this.#outbox.count > 0) {
      try {
        this.flush()
      } catch {
        // Closing anyway; the frames are counted as not sent.
      }
    }
    this.#shut(new Error('closed'))
  }

  #shut(why: Error): void {
    if (this.#closed) return
    this.#closed = why
    if (this.#onAbort) this.#signal?.removeEventListener('abort', this.#onAbort)
    if (this.#capture) this.#finishCapture?.()
    this.#capture = undefined
    const n = this.#native
    this.#native = undefined
    if (n) {
      n.close()
      n.setActive(false)
    }
    this.#wake?.()
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close()
  }

  #open(): NativePkt0 {
    if (!this.#native) throw this.#closed instanceof AbortError ? this.#closed : new Error('pkt0: the channel is closed')
    return this.#native
  }
}
