// The ksync client: promises per request, async iterators per dump, bulk submission. The
// connection, framing, session and I/O are native (crates/vrouter-io/src/ksync, bound in
// crates/node/src/ksync.rs); this file keeps the promises and turns outcomes into typed errors.

import { existsSync } from 'node:fs'

import { decode, encodeRequests, type FieldsInput } from './codec'
import { AbortError, KsyncError, ProtocolError, TransportError } from './errors'
import type { DecodedMessage, MessageName, Messages } from './generated/vr'
import native, { type NativeEventBatch, type NativeKsync } from './native'

/** The operation of a request (the value of its first field, `h_op`, or `fr_op` for flows). */
export type KsyncOp = 'add' | 'get' | 'del' | 'dump' | 'reset'

const OP_VALUES: Record<KsyncOp, number> = { add: 0, get: 1, del: 2, dump: 3, reset: 5 }

/** Options every call takes. */
export interface CallOptions {
  /** Aborting rejects the call with an {@link AbortError} (its answer, if it comes, is dropped). */
  signal?: AbortSignal
  /** Rejects with a {@link TransportError} `ERR_TIMEOUT` when no answer came in time. */
  timeoutMs?: number
}

/** Options of a single request. */
export interface RequestOptions extends CallOptions {
  /** Take EEXIST as success, as vRouter's agent does for ADDs of objects that already exist. */
  eexistOk?: boolean
}

/** Options of {@link Ksync.connect}. */
export interface KsyncOptions {
  /** The generic-netlink family id to send (default: 24 on DPDK sockets as the agent, 1 on Windows, looked up on `netlink:`). */
  familyId?: number
  /** `nlmsg_pid` to send (default: this process's id, as the agent). */
  pid?: number
  /**
   * Who does the socket I/O on `unix:` and `tcp:`: `loop` (default), Node's own event loop — requests are written from
   * the JavaScript thread and answers read there, the lowest round-trip time; or `threads`, a native reader and
   * writer, which keep the socket moving while JavaScript is busy elsewhere. Other endpoints always use threads.
   */
  io?: 'loop' | 'threads'
}

/** The answer to one request: vRouter's response code and the objects that followed it. */
export interface KsyncReply {
  /** `vr_response.resp_code` (≥ 0; a dump count with bit 30 set when more remain). */
  code: number
  /** The objects after the `vr_response` (a GET's object, possibly followed by a `vr_drop_stats_req`). */
  objects: DecodedMessage[]
}

/** One request of a {@link Ksync.bulk} call. */
export type BulkRequest = { [K in MessageName]: { name: K; op: KsyncOp | number; fields?: FieldsInput<Messages[K]> } }[MessageName]

/** The outcome of one request of a bulk call. */
export type BulkResult = { ok: true; reply: KsyncReply } | { ok: false; error: Error }

/** A native event batch (crates/node/src/ksync/mod.rs): header bytes, bytes per event record, event kinds. */
const BATCH_HEADER = 8
const EVENT_RECORD = 24
const EV_REPLY = 0
const EV_FAILED = 1
const EV_DUMP_PAGE = 2
const EV_DUMP_FAILED = 3
const EV_CLOSED = 4

/**
 * The requests of one call (one for `request`, many for `bulk`) and how the call settles:
 * one promise per call, not per request, so a bulk of 100,000 makes no 100,000 promises.
 */
class Batch {
  readonly results: BulkResult[]
  remaining: number
  cleanup?: () => void

  constructor(
    count: number,
    readonly single: boolean,
    readonly resolve: (v: never) => void,
    readonly reject: (e: Error) => void,
  ) {
    this.results = new Array(count)
    this.remaining = count
  }

  /** Records one request's outcome; settles the call after the last. */
  settle(index: number, result: BulkResult): void {
    this.results[index] = result
    if (--this.remaining > 0) return
    this.cleanup?.()
    if (!this.single) return this.resolve(this.results as never)
    return result.ok ? this.resolve(result.reply as never) : this.reject(result.error)
  }
}

/** One request in flight. */
interface Waiter {
  batch: Batch
  index: number
  messageName: string
  op: string
  eexistOk: boolean
}

/** A dump being read: pages queue here until the iterator takes them. */
interface DumpState {
  queue: DecodedMessage[]
  done: boolean
  error?: Error
  wake?: () => void
}

/** Where vRouter's ksync channel is on this machine when no endpoint is named. */
export function defaultKsyncEndpoint(): string {
  if (process.platform === 'win32') return '\\\\.\\vrouterKsync'
  return existsSync('/var/run/vrouter/dpdk_netlink') ? 'unix:/var/run/vrouter/dpdk_netlink' : 'netlink:'
}

/**
 * A connection to vRouter's ksync channel. Requests are promises, answered in order; many may
 * be in flight. Close it (or `await using` it) when done; an idle connection does not keep Node
 * running.
 */
export class Ksync implements AsyncDisposable {
  /** The endpoint connected to. */
  readonly endpoint: string
  #native: NativeKsync | undefined
  #pending = new Map<number, Waiter>()
  #dumps = new Map<number, DumpState>()
  #closed?: Error

  private constructor(endpoint: string) {
    this.endpoint = endpoint
  }

  /**
   * Connects to `endpoint`: `unix:PATH` (DPDK vRouter, or the simulator), `tcp:HOST:PORT`,
   * `netlink:` (the Linux kernel module), `\\.\vrouterKsync` or `\\.\pipe\NAME` (Windows). Without
   * one, the platform's default ({@link defaultKsyncEndpoint}), named in any error.
   */
  static async connect(endpoint: string = defaultKsyncEndpoint(), options: KsyncOptions = {}): Promise<Ksync> {
    const k = new Ksync(endpoint)
    const connected = native.connectKsync(endpoint, { familyId: options.familyId, pid: options.pid, threads: options.io === 'threads' }, (batch) => k.#onEvents(batch))
    if ('code' in connected) {
      throw new TransportError(`cannot connect to ${endpoint}: ${connected.message}`, { code: connected.code, endpoint })
    }
    k.#native = connected
    return k
  }

  /** Sends one request; resolves with vRouter's answer, rejects with a {@link KsyncError} for a negative code. */
  request<K extends MessageName>(name: K, op: KsyncOp | number, fields: FieldsInput<Messages[K]> = {}, options: RequestOptions = {}): Promise<KsyncReply> {
    return this.#submit([{ name, op, fields } as BulkRequest], options, true) as Promise<KsyncReply>
  }

  /** ADD: resolves with the response code (0, or a positive value some handlers return). */
  async add<K extends MessageName>(name: K, fields: FieldsInput<Messages[K]>, options?: RequestOptions): Promise<number> {
    return (await this.request(name, 'add', fields, options)).code
  }

  /** GET: resolves with the object; an absent one rejects with a {@link KsyncError} `ENOENT`. */
  async get<K extends MessageName>(name: K, fields: FieldsInput<Messages[K]>, options?: RequestOptions): Promise<Messages[K]> {
    const reply = await this.request(name, 'get', fields, options)
    const found = reply.objects.find((o) => o.name === name)
    if (!found) throw new KsyncError(`${name} get: no object in the answer`, { code: 'ENOENT', errno: 2, messageName: name, op: 'get' })
    return found.fields as Messages[K]
  }

  /** DEL: resolves with the response code. */
  async del<K extends MessageName>(name: K, fields: FieldsInput<Messages[K]>, options?: RequestOptions): Promise<number> {
    return (await this.request(name, 'del', fields, options)).code
  }

  /** RESET (clear statistics; for `vrouter_ops`, a soft reset of vRouter): resolves with the response code. */
  async reset<K extends MessageName>(name: K, fields: FieldsInput<Messages[K]> = {}, options?: RequestOptions): Promise<number> {
    return (await this.request(name, 'reset', fields, options)).code
  }

  /**
   * Sends many requests, packed as the agent packs them (up to 16 per frame, frames under
   * 4 KiB), and resolves with each one's own outcome, in order; one failing does not fail the
   * others.
   */
  async bulk(requests: readonly BulkRequest[], options: RequestOptions = {}): Promise<BulkResult[]> {
    if (requests.length === 0) return []
    return this.#submit(requests, options, false) as Promise<BulkResult[]>
  }

  /**
   * Lists a table: yields its objects page by page, asking vRouter for the next page (by the
   * message's marker) while it says more remain. Leaving the loop stops the paging. Inet route
   * dumps yield the trie's leaves as vRouter does, and pages may repeat entries.
   */
  async *dump<K extends MessageName>(name: K, filter: FieldsInput<Messages[K]> = {}, options: CallOptions = {}): AsyncGenerator<Messages[K], void, undefined> {
    const n = this.#open()
    const payload = encodeRequests([{ name, fields: filter, op: OP_VALUES.dump }])
    const id = n.dump(payload)
    const state: DumpState = { queue: [], done: false }
    this.#dumps.set(id, state)
    this.#activity()
    const { signal, timeoutMs } = options
    const stop = (e: Error) => {
      state.error ??= e
      state.done = true
      n.cancelDump(id)
      state.wake?.()
    }
    const onAbort = () => stop(new AbortError(`${name} dump aborted`, { cause: signal?.reason }))
    signal?.addEventListener('abort', onAbort, { once: true })
    const timer = timeoutMs === undefined ? undefined : setTimeout(() => stop(timeout(this.endpoint, `${name} dump`, timeoutMs)), timeoutMs)
    try {
      if (signal?.aborted) onAbort()
      for (;;) {
        while (state.queue.length > 0) {
          const o = state.queue.shift()!
          if (o.name === name) yield o.fields as Messages[K]
        }
        if (state.error) throw state.error
        if (state.done) return
        await new Promise<void>((resolve) => (state.wake = resolve))
        state.wake = undefined
      }
    } finally {
      signal?.removeEventListener('abort', onAbort)
      clearTimeout(timer)
      if (!state.done) n.cancelDump(id)
      this.#dumps.delete(id)
      this.#activity()
    }
  }

  /** Closes the connection; pending calls reject with a {@link TransportError} `ERR_CLOSED`. Idempotent. */
  async close(): Promise<void> {
    const n = this.#native
    if (!n) return
    this.#native = undefined
    n.close()
    this.#failAll(new TransportError(`connection to ${this.endpoint} closed`, { code: 'ERR_CLOSED', endpoint: this.endpoint }))
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close()
  }

  #open(): NativeKsync {
    if (this.#native) return this.#native
    throw this.#closed ?? new TransportError(`connection to ${this.endpoint} closed`, { code: 'ERR_CLOSED', endpoint: this.endpoint })
  }

  #submit(requests: readonly BulkRequest[], options: RequestOptions, single: boolean): Promise<KsyncReply | BulkResult[]> {
    const n = this.#open()
    const inputs = requests.map((r) => {
      const op = typeof r.op === 'number' ? r.op : OP_VALUES[r.op]
      if (op === undefined) throw new TypeError(`unknown op ${JSON.stringify(r.op)}: expected add, get, del, dump, reset or a number`)
      return { name: r.name, fields: r.fields, op }
    })
    // One buffer and one native call for the whole call; the native side cuts it into requests
    // at message boundaries, and their ids are consecutive.
    const first = n.submit(encodeRequests(inputs))
    const { signal, timeoutMs, eexistOk = false } = options
    return new Promise((resolve, reject) => {
      const batch = new Batch(requests.length, single, resolve, reject)
      for (let i = 0; i < requests.length; i++) {
        this.#pending.set(first + i, { batch, index: i, messageName: requests[i].name, op: opName(requests[i].op), eexistOk })
      }
      this.#activity()
      if (!signal && timeoutMs === undefined) return
      // Abort and timeout end the whole call: its requests still waiting are dropped.
      const what = single ? `${requests[0].name} ${opName(requests[0].op)}` : `bulk of ${requests.length}`
      const stop = (e: Error) => {
        for (let i = 0; i < requests.length; i++) {
          if (this.#pending.delete(first + i)) this.#native?.cancel(first + i)
        }
        batch.cleanup?.()
        this.#activity()
        reject(e)
      }
      const onAbort = () => stop(new AbortError(`${what} aborted`, { cause: signal?.reason }))
      const timer = timeoutMs === undefined ? undefined : setTimeout(() => stop(timeout(this.endpoint, what, timeoutMs)), timeoutMs)
      batch.cleanup = () => {
        clearTimeout(timer)
        signal?.removeEventListener('abort', onAbort)
      }
      if (signal?.aborted) return onAbort()
      signal?.addEventListener('abort', onAbort, { once: true })
    })
  }

  /** Keeps Node running while calls are pending, and only then. */
  #activity(): void {
    this.#native?.setActive(this.#pending.size > 0 || this.#dumps.size > 0)
  }

  #onEvents(batch: NativeEventBatch): void {
    // The layout of crates/node/src/ksync/mod.rs: a count, then 24-byte records, then the objects.
    const data = batch.data
    const view = new DataView(data.buffer, data.byteOffset, data.byteLength)
    const n = view.getUint32(0, true)
    const objectsAt = BATCH_HEADER + n * EVENT_RECORD
    const objects = data.byteLength > objectsAt ? decode(data.subarray(objectsAt)) : []
    let at = 0
    for (let i = 0; i < n; i++) {
      const record = BATCH_HEADER + i * EVENT_RECORD
      const kind = view.getUint32(record, true)
      const code = view.getInt32(record + 4, true)
      const count = view.getUint32(record + 8, true)
      const id = view.getFloat64(record + 16, true)
      const message = batch.messages?.[i] ?? undefined
      const objs = count > 0 ? objects.slice(at, at + count) : []
      at += count
      switch (kind) {
        case EV_REPLY:
          this.#settle(id, code, objs)
          break
        case EV_FAILED:
          this.#fail(
            id,
            code
              ? new ProtocolError(`${this.endpoint}: ${message ?? 'bad reply'}`, { code: 'ERR_KSYNC_PROTOCOL', offset: 0 })
              : new TransportError(message ?? 'no answer', { code: 'ERR_NO_RESPONSE', endpoint: this.endpoint }),
          )
          break
        case EV_DUMP_PAGE:
        case EV_DUMP_FAILED:
          this.#dumpEvent(id, kind === EV_DUMP_FAILED, code, objs, message)
          break
        case EV_CLOSED:
          this.#closedByPeer(message ?? 'connection lost', code)
          break
      }
    }
    this.#activity()
  }

  #settle(id: number, code: number, objects: DecodedMessage[]): void {
    const w = this.#pending.get(id)
    if (!w) return
    this.#pending.delete(id)
    if (code >= 0 || (code === -17 && w.eexistOk)) return w.batch.settle(w.index, { ok: true, reply: { code, objects } })
    w.batch.settle(w.index, { ok: false, error: ksyncError(code, w.messageName, w.op) })
  }

  #fail(id: number, e: Error): void {
    const w = this.#pending.get(id)
    if (!w) return
    this.#pending.delete(id)
    w.batch.settle(w.index, { ok: false, error: e })
  }

  #dumpEvent(id: number, failed: boolean, code: number, objects: DecodedMessage[], message: string | null | undefined): void {
    const d = this.#dumps.get(id)
    if (!d) return
    d.queue.push(...objects)
    if (failed) {
      d.error = code < 0 ? ksyncError(code, 'dump', 'dump') : new TransportError(message ?? 'dump failed', { code: 'ERR_DUMP_FAILED', endpoint: this.endpoint })
      d.done = true
    } else if (code === 0) {
      d.done = true
    }
    d.wake?.()
  }

  #closedByPeer(message: string, protocol: number): void {
    const e = protocol
      ? new ProtocolError(`${this.endpoint}: ${message}`, { code: 'ERR_KSYNC_PROTOCOL', offset: 0 })
      : new TransportError(`${this.endpoint}: ${message}`, { code: 'ERR_PEER_CLOSED', endpoint: this.endpoint })
    this.#closed = e
    this.#native?.close()
    this.#native = undefined
    this.#failAll(e)
  }

  #failAll(e: Error): void {
    const pending = [...this.#pending.values()]
    this.#pending.clear()
    for (const w of pending) w.batch.settle(w.index, { ok: false, error: e })
    for (const [, d] of this.#dumps) {
      d.error ??= e
      d.done = true
      d.wake?.()
    }
  }
}

function opName(op: KsyncOp | number): string {
  return typeof op === 'number' ? String(op) : op
}

function ksyncError(code: number, messageName: string, op: string): KsyncError {
  const name = native.errnoName(code) ?? `E${-code}`
  return new KsyncError(`${messageName} ${op}: ${name} (${native.errnoDescription(code) ?? `resp_code ${code}`})`, {
    code: name,
    errno: -code,
    messageName,
    op,
  })
}

function timeout(endpoint: string, what: string, ms: number): TransportError {
  return new TransportError(`${what}: no answer from ${endpoint} within ${ms} ms`, { code: 'ERR_TIMEOUT', endpoint })
}
