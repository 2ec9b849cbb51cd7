// Properties over every message of the schema: random messages round-trip through
// encode → decode, and no byte sequence makes decode fail with anything but a ProtocolError.

import test from 'ava'
import fc from 'fast-check'

import { decode, encode, encodeMany, messageSchemas, ProtocolError, type FieldSchema, type MessageName } from '../lib/index'

const intOf: Record<string, fc.Arbitrary<number>> = {
  byte: fc.integer({ min: -128, max: 127 }),
  i16: fc.integer({ min: -32768, max: 32767 }),
  u16: fc.integer({ min: 0, max: 65535 }),
  i32: fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }),
  u32: fc.integer({ min: 0, max: 2 ** 32 - 1 }),
}
const wideOf: Record<string, fc.Arbitrary<bigint>> = {
  i64: fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }),
  u64: fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
}

function valueOf(f: FieldSchema): fc.Arbitrary<unknown> {
  if (f.type === 'list') {
    if (f.elem === 'byte') return fc.uint8Array({ maxLength: 20 })
    const elem: fc.Arbitrary<unknown> = f.elem === 'i64' || f.elem === 'u64' ? wideOf[f.elem] : intOf[f.elem!]
    return fc.array(elem, { maxLength: 6 })
  }
  if (f.type === 'string') return fc.string({ unit: 'grapheme', maxLength: 12 })
  if (f.type === 'bool') return fc.boolean()
  return f.type === 'i64' || f.type === 'u64' ? wideOf[f.type] : intOf[f.type]
}

const message = fc.oneof(
  ...messageSchemas.map((s) =>
    fc.record(Object.fromEntries(s.fields.map((f) => [f.name, valueOf(f)]))).map((fields) => ({ name: s.name as MessageName, fields })),
  ),
)

const normal = (fields: Record<string, unknown>) =>
  Object.fromEntries(Object.entries(fields).map(([k, v]) => [k, v instanceof Uint8Array ? Array.from(v) : v]))

test('random messages of every type round-trip', (t) => {
  fc.assert(
    fc.property(message, (m) => {
      const [d, ...rest] = decode(encode(m.name, m.fields as never))
      return rest.length === 0 && d.name === m.name && JSON.stringify(normal(d.fields as never), replacer) === JSON.stringify(normal(m.fields), replacer)
    }),
    { numRuns: 3000 },
  )
  t.pass()
})

test('random batches round-trip through encodeMany', (t) => {
  fc.assert(
    fc.property(fc.array(message, { maxLength: 12 }), (ms) => {
      const d = decode(encodeMany(ms as never))
      return d.length === ms.length && d.every((x, i) => x.name === ms[i].name)
    }),
    { numRuns: 500 },
  )
  t.pass()
})

test('any bytes decode or fail with a ProtocolError, never anything else', (t) => {
  const valid = fc.array(message, { minLength: 1, maxLength: 3 }).map((ms) => encodeMany(ms as never))
  const mangled = fc.tuple(valid, fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 6 }), fc.nat()).map(
    ([bytes, flips, cut]) => {
      const b = Uint8Array.from(bytes)
      for (const [at, v] of flips) b[at % b.length] = v
      return b.subarray(0, b.length - (cut % 8))
    },
  )
  fc.assert(
    fc.property(fc.oneof(fc.uint8Array({ maxLength: 300 }), mangled), (bytes) => {
      try {
        decode(bytes)
      } catch (e) {
        if (!(e instanceof ProtocolError)) throw e
      }
    }),
    { numRuns: 5000 },
  )
  t.pass()
})

function replacer(_k: string, v: unknown) {
  return typeof v === 'bigint' ? `${v}n` : v
}
