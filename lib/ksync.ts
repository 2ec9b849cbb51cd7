// The ksync client: promises per request, async iterators per dump, bulk submission. The
// connection, framing, session and I/O are native (crates/vrouter-io/src/ksync, bound in
// crates/node/src/ksync.rs); this file keeps the promises and turns outcomes into typed errors.

import { existsSync } from 'node:fs'

import { decode, encodeMany, type FieldsInput } from './codec'
import { AbortError, KsyncError, ProtocolError, TransportError } from './errors'
import { messageSchemas, type DecodedMessage, type MessageName, type Messages } from './generated/vr'
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

/** Event kinds of a native batch (crates/node/src/ksync.rs). */
const EV_REPLY = 0
const EV_FAILED = 1
const EV_DUMP_PAGE = 2
const EV_DUMP_FAILED = 3
const EV_CLOSED = 4

interface Pending {
  messageName: string
  op: string
  eexistOk: boolean
  resolve(r: KsyncReply): void
  reject(e: Error): void
  cleanup(): void
}

/** A dump being read: pages queue here until the iterator takes them. */
interface DumpState {
  queue: DecodedMessage[]
  done: boolean
  error?: Error
  wake?: () => void
}

/** The first field (id 1) of every message is its operation. */
const opField = new Map(messageSchemas.map((m) => [m.name, m.fields.find((f) => f.id === 1)!.name]))

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
  #pending = new Map<number, Pending>()
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
    const connected = native.connectKsync(endpoint, { familyId: options.familyId, pid: options.pid }, (batch) => k.#onEvents(batch))
    if ('code' in connected) {
      throw new TransportError(`cannot connect to ${endpoint}: ${connected.message}`, { code: connected.code, endpoint })
    }
    k.#native = connected
    return k
  }

  /** Sends one request; resolves with vRouter's answer, rejects with a {@link KsyncError} for a negative code. */
  request<K extends MessageName>(name: K, op: KsyncOp | number, fields: FieldsInput<Messages[K]> = {}, options: RequestOptions = {}): Promise<KsyncReply> {
    return this.#submit([{ name, op, fields } as BulkRequest], options)[0]
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
  async bulk(requests: readonly BulkRequest[], options: CallOptions & { eexistOk?: boolean } = {}): Promise<BulkResult[]> {
    return Promise.all(
      this.#submit(requests, options).map((p) =>
        p.then(
          (reply): BulkResult => ({ ok: true, reply }),
          (error: Error): BulkResult => ({ ok: false, error }),
        ),
      ),
    )
  }

  /**
   * Lists a table: yields its objects page by page, asking vRouter for the next page (by the
   * message's marker) while it says more remain. Leaving the loop stops the paging. Inet route
   * dumps yield the trie's leaves as vRouter does, and pages may repeat entries.
   */
  async *dump<K extends MessageName>(name: K, filter: FieldsInput<Messages[K]> = {}, options: CallOptions = {}): AsyncGenerator<Messages[K], void, undefined> {
    const n = this.#open()
    const payload = encodeMany([{ name, fields: { ...filter, [opField.get(name)!]: OP_VALUES.dump } } as never])
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

  #submit(requests: readonly BulkRequest[], options: RequestOptions): Promise<KsyncReply>[] {
    const n = this.#open()
    const inputs = requests.map((r) => {
      const op = typeof r.op === 'number' ? r.op : OP_VALUES[r.op]
      if (op === undefined) throw new TypeError(`unknown op ${JSON.stringify(r.op)}: expected add, get, del, dump, reset or a number`)
      return { name: r.name, fields: { ...r.fields, [opField.get(r.name)!]: op } }
    })
    // One buffer and one native call for the whole batch; the native side cuts it into
    // requests at message boundaries, and their ids are consecutive.
    const first = n.submit(encodeMany(inputs as never))
    const { signal, timeoutMs, eexistOk = false } = options
    const promises = requests.map(
      (r, i) =>
        new Promise<KsyncReply>((resolve, reject) => {
          const id = first + i
          const op = typeof r.op === 'number' ? String(r.op) : r.op
          const onAbort = () => settle(new AbortError(`${r.name} ${op} aborted`, { cause: signal?.reason }))
          const timer = timeoutMs === undefined ? undefined : setTimeout(() => settle(timeout(this.endpoint, `${r.name} ${op}`, timeoutMs)), timeoutMs)
          const settle = (e: Error) => {
            if (!this.#pending.has(id)) return
            this.#pending.get(id)!.cleanup()
            this.#pending.delete(id)
            this.#native?.cancel(id)
            this.#activity()
            reject(e)
          }
          this.#pending.set(id, {
            messageName: r.name,
            op,
            eexistOk,
            resolve,
            reject,
            cleanup: () => {
              clearTimeout(timer)
              signal?.removeEventListener('abort', onAbort)
            },
          })
          if (signal?.aborted) return onAbort()
          signal?.addEventListener('abort', onAbort, { once: true })
        }),
    )
    this.#activity()
    return promises
  }

  /** Keeps Node running while calls are pending, and only then. */
  #activity(): void {
    this.#native?.setActive(this.#pending.size > 0 || this.#dumps.size > 0)
  }

  #onEvents(batch: NativeEventBatch): void {
    const objects = batch.objects.length > 0 ? decode(batch.objects) : []
    let at = 0
    for (let i = 0; i < batch.kinds.length; i++) {
      const id = batch.ids[i]
      const count = batch.counts[i]
      const objs = count > 0 ? objects.slice(at, at + count) : []
      at += count
      switch (batch.kinds[i]) {
        case EV_REPLY:
          this.#settle(id, batch.codes[i], objs)
          break
        case EV_FAILED:
          this.#fail(id, new TransportError(batch.messages[i] ?? 'no answer', { code: 'ERR_NO_RESPONSE', endpoint: this.endpoint }))
          break
        case EV_DUMP_PAGE:
        case EV_DUMP_FAILED:
          this.#dumpEvent(id, batch.kinds[i] === EV_DUMP_FAILED, batch.codes[i], objs, batch.messages[i])
          break
        case EV_CLOSED:
          this.#closedByPeer(batch.messages[i] ?? 'connection lost', batch.codes[i])
          break
      }
    }
    this.#activity()
  }

  #settle(id: number, code: number, objects: DecodedMessage[]): void {
    const p = this.#pending.get(id)
    if (!p) return
    this.#pending.delete(id)
    p.cleanup()
    if (code >= 0 || (code === -17 && p.eexistOk)) return p.resolve({ code, objects })
    p.reject(ksyncError(code, p.messageName, p.op))
  }

  #fail(id: number, e: Error): void {
    const p = this.#pending.get(id)
    if (!p) return
    this.#pending.delete(id)
    p.cleanup()
    p.reject(e)
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
    for (const [, p] of this.#pending) {
      p.cleanup()
      p.reject(e)
    }
    this.#pending.clear()
    for (const [, d] of this.#dumps) {
      d.error ??= e
      d.done = true
      d.wake?.()
    }
  }
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
