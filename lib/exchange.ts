// One-shot ksync exchange: request frames out, their complete replies back. The I/O, the frame
// reassembly and the end-of-reply tracking are native (crates/node/src/exchange.rs), on a thread
// of their own; this file checks arguments and turns native failures into typed errors.

import type { ExchangeFailure } from '../index'
import { ProtocolError, TransportError } from './errors'
import native from './native'

/** Options of {@link exchange}. */
export interface ExchangeOptions {
  /**
   * Bound on the whole exchange, connecting included, in milliseconds. Default: none (wait as long as
   * the peer keeps the channel open).
   */
  timeoutMs?: number
}

/** The `code` of a {@link TransportError} from {@link exchange}. */
export type TransportErrorCode =
  | 'ERR_TIMEOUT'
  | 'ERR_PEER_CLOSED'
  /** Nothing serves the endpoint: no such socket file or pipe, or the connection was refused. */
  | 'ERR_ENDPOINT_NOT_FOUND'
  | 'ERR_ENDPOINT_BUSY'
  | 'ERR_PERMISSION_DENIED'
  /** Not an endpoint string: unknown scheme, or `tcp:` without a port. */
  | 'ERR_ENDPOINT_INVALID'
  /** An endpoint of another OS (`\\.\pipe\…` on Linux, `unix:` on Windows). */
  | 'ERR_ENDPOINT_UNSUPPORTED'
  | 'ERR_TRANSPORT_IO'

// Past this, timeouts do not fit the native u32 of milliseconds (about 49 days).
const MAX_TIMEOUT_MS = 0xffff_ffff

/**
 * Sends `request` — one or more ksync request frames (see `frameRequest`), back to back — to
 * `endpoint` (`unix:PATH`, `tcp:HOST:PORT`, or on Windows `\\.\pipe\NAME` / `\\.\vrouterKsync`), and
 * resolves with the reply frames to all of them, concatenated as received (take them apart with
 * `parseFrames`). The channel is opened for this call and closed after it.
 *
 * Each request frame's reply ends with its first message without `NLM_F_MULTI`, its `NLMSG_DONE`,
 * or an `NLMSG_ERROR`; replies are expected in request order, as vRouter sends them. A negative
 * `vr_response.resp_code` is a reply like any other here: decode it.
 *
 * Rejects with a {@link TransportError} (`code`: see {@link TransportErrorCode}) when the channel
 * fails, or a {@link ProtocolError} when the bytes are wrong: `ERR_NETLINK_FRAME` for a malformed
 * reply frame (`offset`: where it starts among the reply bytes), `ERR_NETLINK_UNEXPECTED_REPLY`
 * for a reply to another request, `ERR_NETLINK_REQUEST` when `request` is not netlink frames.
 *
 * A one-shot precursor of the ksync client: the whole request is written before any reply is
 * read, so keep a batch small (well under the socket buffer, a few hundred KB).
 */
export async function exchange(endpoint: string, request: Uint8Array, options: ExchangeOptions = {}): Promise<Buffer> {
  if (typeof endpoint !== 'string') throw new TypeError('exchange: endpoint must be a string')
  if (!(request instanceof Uint8Array)) throw new TypeError('exchange: request must be a Uint8Array or Buffer')
  const { timeoutMs } = options
  if (timeoutMs !== undefined && !(typeof timeoutMs === 'number' && timeoutMs >= 0 && timeoutMs <= MAX_TIMEOUT_MS)) {
    throw new RangeError(`exchange: timeoutMs must be a number from 0 to ${MAX_TIMEOUT_MS}, got ${String(timeoutMs)}`)
  }
  const result = await native.exchange(endpoint, request, timeoutMs === undefined ? undefined : Math.ceil(timeoutMs))
  if (Buffer.isBuffer(result)) return result
  throw toError(result, endpoint)
}

function toError(failure: ExchangeFailure, endpoint: string): Error {
  if (failure.kind === 'protocol') {
    return new ProtocolError(`${endpoint}: ${failure.message}`, { code: failure.code, offset: failure.offset ?? 0 })
  }
  // Transport messages name the endpoint when the OS call that failed was about it (connect, open).
  const message = failure.message.includes(endpoint) ? failure.message : `${endpoint}: ${failure.message}`
  return new TransportError(message, { code: failure.code, endpoint })
}
