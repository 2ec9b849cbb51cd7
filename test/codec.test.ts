// encode/decode against vRouter's own bytes, and their behaviour on bad input.

import test from 'ava'

import { decode, encode, encodeMany, ProtocolError, SandeshOp, type MessageName } from '../lib/index'
import { fromVectorFields, hex, toVectorFields, unhex, vectors } from './helpers/vectors'

for (const v of vectors('codec')) {
  test(`codec vector ${v.name}: decodes to its fields and encodes to its bytes`, (t) => {
    const [m, ...rest] = decode(unhex(v.hex))
    t.is(rest.length, 0)
    t.is(m.name, v.type)
    t.deepEqual(toVectorFields(m.name, m.fields as never), v.fields)
    t.is(hex(encode(v.type as MessageName, fromVectorFields(v.type, v.fields) as never)), v.hex)
  })
}

for (const v of vectors('decode')) {
  test(`decode vector ${v.name}: decodes as vRouter's decoder did`, (t) => {
    const bytes = unhex(v.hex)
    if (v.decode_result === -1) {
      const err = t.throws(() => decode(bytes), { instanceOf: ProtocolError })
      t.is(err.decoded.length, v.decoded_messages.length)
      if (v.decode_error === 22) t.is(err.code, 'ERR_SANDESH_UNKNOWN_MESSAGE')
    } else {
      const ms = decode(bytes)
      t.deepEqual(
        ms.map((m) => ({ type: m.name, fields: toVectorFields(m.name, m.fields as never) })),
        v.decoded_messages,
      )
    }
  })
}

test('encode fills absent fields with their defaults, as vRouter encodes a zeroed struct', (t) => {
  const full = vectors('codec').find((v) => v.name === 'vr_interface_req_get_idx0')
  t.is(hex(encode('vr_interface_req', { h_op: SandeshOp.GET })), full.hex)
})

test('encodeMany concatenates messages, decode splits them again', (t) => {
  const bytes = encodeMany([
    { name: 'vr_response', fields: { h_op: SandeshOp.RESPONSE, resp_code: 2 } },
    { name: 'vr_mpls_req', fields: { mr_label: 100, mr_nhid: 10 } },
    { name: 'vr_route_req', fields: { rtr_prefix: new Uint8Array([10, 1, 2, 0]), rtr_prefix_len: 24 } },
  ])
  const ms = decode(bytes)
  t.deepEqual(
    ms.map((m) => m.name),
    ['vr_response', 'vr_mpls_req', 'vr_route_req'],
  )
  const route = ms[2]
  if (route.name !== 'vr_route_req') return t.fail()
  t.deepEqual(Array.from(route.fields.rtr_prefix), [10, 1, 2, 0])
})

test('integers take any value that fits their width, signed or unsigned, and decode with the schema sign', (t) => {
  const [m] = decode(encode('vr_flow_req', { fr_gen_id: 200, fr_flow_sport: 0xffff, fr_mir_sip: 0xffffffff, fr_index: -1 }))
  if (m.name !== 'vr_flow_req') return t.fail()
  t.is(m.fields.fr_gen_id, 200 - 256) // byte is signed
  t.is(m.fields.fr_flow_sport, 0xffff) // u16
  t.is(m.fields.fr_mir_sip, 0xffffffff) // u32
  t.is(m.fields.fr_index, -1)
  const [n] = decode(encode('vr_flow_req', { fr_flow_sip_u: 2n ** 64n - 1n, fr_flow_sip_l: 7 }))
  if (n.name !== 'vr_flow_req') return t.fail()
  t.is(n.fields.fr_flow_sip_u, 2n ** 64n - 1n)
  t.is(n.fields.fr_flow_sip_l, 7n)
})

test('bad field values are rejected with the message and field named', (t) => {
  t.throws(() => encode('vr_mpls_req', { mr_label: 2 ** 32 }), {
    instanceOf: RangeError,
    message: /vr_mpls_req\.mr_label: expected an integer in -2147483648\.\.4294967295, got 4294967296/,
  })
  t.throws(() => encode('vr_mpls_req', { mr_label: 1.5 }), { instanceOf: RangeError })
  t.throws(() => encode('vr_mpls_req', { mr_label: '3' as never }), { instanceOf: TypeError, message: /mr_label/ })
  t.throws(() => encode('vr_interface_req', { vifr_name: 3 as never }), { instanceOf: TypeError, message: /vifr_name/ })
  t.throws(() => encode('vr_interface_req', { vifr_mac: [1, 256] as never }), { instanceOf: RangeError, message: /vifr_mac\[1\]/ })
  t.throws(() => encode('vr_interface_req', { vifr_ibytes: 2n ** 64n }), { instanceOf: RangeError, message: /vifr_ibytes/ })
  t.throws(() => encode('vr_interface_req', { vifr_ibytes: 0.5 as never }), { instanceOf: RangeError })
  t.throws(() => encode('vr_interface_req', { vifr_hw_queues: 5 as never }), { instanceOf: TypeError, message: /an array/ })
  t.throws(() => encode('vr_nonsense' as never, {} as never), { instanceOf: TypeError, message: /unknown Sandesh message/ })
})

test('malformed input is a ProtocolError naming message, field and offset; never a crash', (t) => {
  const good = encode('vr_mpls_req', { mr_label: 100 })
  const err = t.throws(() => decode(good.subarray(0, 25)), { instanceOf: ProtocolError })
  t.is(err.code, 'ERR_SANDESH_TRUNCATED')
  t.is(err.messageName, 'vr_mpls_req')
  t.is(err.field, 'mr_label')
  t.is(err.offset, 25) // where mr_label's value should start
  // A huge list count is refused before anything is sized from it.
  const hugeList = Buffer.concat([
    Buffer.from('0000000b', 'hex'),
    Buffer.from('vr_response'),
    Buffer.from('0f0063037fffffff', 'hex'),
  ])
  t.throws(() => decode(hugeList), { instanceOf: ProtocolError, code: 'ERR_SANDESH_TRUNCATED', message: /field id 99/ })
  t.throws(() => decode(Buffer.from('ffffffff', 'hex')), { instanceOf: ProtocolError, code: 'ERR_SANDESH_NEGATIVE_LENGTH' })
  t.throws(() => decode(Buffer.from('0000000b76725f726573706f6e7365ee0001', 'hex')), {
    instanceOf: ProtocolError,
    code: 'ERR_SANDESH_UNKNOWN_TYPE',
  })
  // Messages before the failure are kept.
  const partial = t.throws(() => decode(Buffer.concat([good, good.subarray(0, 10)])), { instanceOf: ProtocolError })
  t.is(partial.decoded.length, 1)
  t.deepEqual(decode(new Uint8Array(0)), [])
})

test('a large dump payload decodes in one call (tape columns grow as needed)', (t) => {
  const ms = Array.from({ length: 3000 }, (_, i) => ({
    name: 'vr_interface_req' as const,
    fields: { vifr_idx: i, vifr_name: `tap${i}`, vifr_mac: new Uint8Array([0, 1, 2, 3, 4, i & 255]), vifr_ibytes: BigInt(i) * 1000n },
  }))
  const out = decode(encodeMany(ms))
  t.is(out.length, 3000)
  const last = out[2999]
  if (last.name !== 'vr_interface_req') return t.fail()
  t.is(last.fields.vifr_name, 'tap2999')
  t.is(last.fields.vifr_mac[5], 2999 & 255)
  t.is(last.fields.vifr_ibytes, 2999000n)
})

test('strings round-trip any Unicode text', (t) => {
  const name = 'tap-ü-界-😀'
  const [m] = decode(encode('vr_interface_req', { vifr_name: name }))
  if (m.name !== 'vr_interface_req') return t.fail()
  t.is(m.fields.vifr_name, name)
})
