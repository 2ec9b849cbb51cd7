// Sandesh encode and decode for JavaScript objects. The native side does the bytes; this
// file moves messages to and from it as a tape, one native call per buffer.

import { ProtocolError } from './errors'
import { messageNames, messageSchemas, tapeReaders, tapeWriters, type DecodedMessage, type MessageName, type Messages } from './generated/vr'
import native, { type DecodeFailure } from './native'
import { GROW, H_STATUS, TapeReader, TapeWriter } from './tape'

/**
 * Fields to encode: any subset (absent ones take their defaults: 0, empty string, empty list).
 * 64-bit fields also take safe-integer numbers, byte lists also plain arrays of octets.
 */
export type FieldsInput<T> = {
  [F in keyof T]?: T[F] extends bigint
    ? bigint | number
    : T[F] extends bigint[]
      ? readonly (bigint | number)[]
      : T[F] extends Uint8Array
        ? Uint8Array | readonly number[]
        : T[F] extends number[]
          ? readonly number[]
          : T[F]
}

/** A message to encode. */
export type MessageInput = { [K in MessageName]: { name: K; fields?: FieldsInput<Messages[K]> } }[MessageName]

const reader = new TapeReader()
const writer = new TapeWriter()
let encoded = new Uint8Array(16384)

const attachReader = () => native.attachDecodeTape(reader.iv, reader.wv, reader.pool)
const attachWriter = () => native.attachEncodeTape(writer.iv, writer.wv, writer.bv, encoded)
attachReader()
attachWriter()

// A stale native build against a changed schema would mis-read every tape: refuse early.
{
  const nativeNames = native.messageNames()
  if (nativeNames.join() !== messageNames.join()) {
    throw new Error('vrouter-io: the native module was built from another schema than lib/generated; run `npm run build`')
  }
}

/**
 * Decodes every Sandesh message of `bytes` (messages concatenated, as in a ksync payload).
 * Unknown field ids and fields of an unexpected type are skipped, absent fields take their
 * defaults, as vRouter's decoder does. Throws {@link ProtocolError} on malformed input; its
 * `decoded` holds the messages before the failure.
 */
export function decode(bytes: Uint8Array): DecodedMessage[] {
  if (!(bytes instanceof Uint8Array)) throw new TypeError('decode: expected a Uint8Array or Buffer')
  let extra: string | DecodeFailure | undefined
  extra = native.decodeTape(bytes, reader.poolOffset)
  while (reader.iv[H_STATUS] === GROW) {
    if (reader.grow()) attachReader()
    extra = native.resumeTape(reader.poolOffset)
  }
  const n = reader.iv[H_STATUS]
  const failure = typeof extra === 'object' ? extra : undefined
  reader.rewind(failure ? failure.strings : ((extra as string | undefined) ?? ''))
  const complete = n >= 0 ? n : -1 - n
  const out: DecodedMessage[] = new Array(complete)
  for (let i = 0; i < complete; i++) {
    out[i] = tapeReaders[reader.int()](reader)
  }
  if (failure) {
    throw new ProtocolError(failure.message, {
      code: failure.code,
      offset: failure.offset,
      messageName: failure.messageName ?? undefined,
      field: failure.field ?? undefined,
      decoded: out,
    })
  }
  return out
}

/**
 * Encodes one message exactly as vRouter's encoder does: its name, every field of the schema
 * in declaration order (absent ones at their defaults), the stop byte.
 */
export function encode<K extends MessageName>(name: K, fields: FieldsInput<Messages[K]> = {}): Uint8Array {
  writer.reset()
  put(name, fields)
  return finish()
}

/** Encodes several messages back to back into one buffer (one ksync payload). */
export function encodeMany(messages: readonly MessageInput[]): Uint8Array {
  writer.reset()
  for (const m of messages) put(m.name, m.fields ?? {})
  return finish()
}

/** A request to encode: a message whose operation field is set from `op`. */
export interface RequestInput {
  name: MessageName
  fields?: object
  /** The value for the message's first field, its operation (`h_op`, or `fr_op` and the like). */
  op: number
}

// Every message's first field is its operation (id 1): `encodeRequests` relies on it.
for (const m of messageSchemas) {
  if (m.fields[0]?.id !== 1) throw new Error(`vrouter-io: ${m.name}'s first field is not its operation`)
}

/**
 * Encodes requests back to back, each with its operation set, without copying the caller's
 * fields: the operation is written over the first field's slot on the tape.
 */
export function encodeRequests(requests: readonly RequestInput[]): Uint8Array {
  writer.reset()
  for (const r of requests) {
    const at = writer.ip
    put(r.name, r.fields ?? {})
    // Slot `at` holds the message index; the first field follows it.
    writer.iv[at + 1] = r.op
  }
  return finish()
}

function put(name: MessageName, fields: object): void {
  const write = tapeWriters[name] as ((t: TapeWriter, m: object) => void) | undefined
  if (write === undefined) throw new TypeError(`unknown Sandesh message ${JSON.stringify(name)}`)
  if (typeof fields !== 'object' || fields === null) throw new TypeError(`${name}: fields must be an object`)
  write(writer, fields)
}

function finish(): Uint8Array {
  if (writer.grown) {
    writer.grown = false
    attachWriter()
  }
  for (;;) {
    const n = native.encodeTape(writer.count, writer.sv)
    if (n >= 0) return encoded.slice(0, n)
    encoded = new Uint8Array(Math.max(-n, encoded.length * 2))
    attachWriter()
  }
}
