/** Bytes that are not valid vRouter protocol: a malformed Sandesh message or netlink frame. */
export class ProtocolError extends Error {
  /** Always `'ProtocolError'`: tells the error apart after serialisation, where `instanceof` no longer works. */
  override name = 'ProtocolError' as const
  /** Stable machine-readable code, e.g. `ERR_SANDESH_TRUNCATED`, `ERR_SANDESH_UNKNOWN_MESSAGE`. */
  readonly code: string
  /** Byte offset of the failure in the input. */
  readonly offset: number
  /** The message being decoded, when its name had been read. */
  readonly messageName?: string
  /** The field being decoded (`#id` for an unknown field id). */
  readonly field?: string
  /** Messages decoded before the failure (vRouter's decoder delivers them too). */
  readonly decoded: readonly unknown[]

  constructor(
    message: string,
    details: { code: string; offset: number; messageName?: string; field?: string; decoded?: readonly unknown[] },
  ) {
    super(message)
    this.code = details.code
    this.offset = details.offset
    this.messageName = details.messageName
    this.field = details.field
    this.decoded = details.decoded ?? []
  }
}

/** A channel to the forwarding engine failed: the endpoint is missing or refused, the peer closed, a timeout. */
export class TransportError extends Error {
  /** Always `'TransportError'`: tells the error apart after serialisation, where `instanceof` no longer works. */
  override name = 'TransportError' as const
  /** Stable machine-readable code, e.g. `ERR_TIMEOUT`, `ERR_PEER_CLOSED`, `ERR_ENDPOINT_NOT_FOUND`. */
  readonly code: string
  /** The endpoint string the channel was opened with. */
  readonly endpoint: string

  constructor(message: string, details: { code: string; endpoint: string }) {
    super(message)
    this.code = details.code
    this.endpoint = details.endpoint
  }
}

/** vRouter refused a request: a negative `vr_response.resp_code` (`-errno`). */
export class KsyncError extends Error {
  /** Always `'KsyncError'`: tells the error apart after serialisation, where `instanceof` no longer works. */
  override name = 'KsyncError' as const
  /** The errno name, e.g. `ENOENT`, `EEXIST`, `EINVAL` (`E<number>` for one without a name). */
  readonly code: string
  /** The positive errno (`resp_code` is its negation). */
  readonly errno: number
  /** The request's message name, e.g. `vr_interface_req`. */
  readonly messageName: string
  /** The request's operation: `add`, `get`, `del`, `dump`, `reset`, or the number sent. */
  readonly op: string

  constructor(message: string, details: { code: string; errno: number; messageName: string; op: string }) {
    super(message)
    this.code = details.code
    this.errno = details.errno
    this.messageName = details.messageName
    this.op = details.op
  }
}

/** The call was aborted through its `AbortSignal`. */
export class AbortError extends Error {
  /** Always `'AbortError'`: tells the error apart after serialisation, where `instanceof` no longer works. */
  override name = 'AbortError' as const
  /** `ABORT_ERR`, as Node's own AbortError. */
  readonly code = 'ABORT_ERR' as const

  constructor(message = 'The operation was aborted', options?: { cause?: unknown }) {
    super(message, options)
  }
}
