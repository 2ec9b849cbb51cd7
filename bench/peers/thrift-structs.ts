// The peer for bench/codec: Sandesh structs read and written with the `thrift` package's
// TBinaryProtocol, in the shape thrift's own compiler gives struct code (a read() that loops
// over field headers with a switch on the id, a write() that emits each field). The classes
// are emitted from the same schema descriptors as ours so that both sides handle exactly the
// same fields; 64-bit fields are node-int64 `Int64` objects, thrift's own representation.

import { messageSchemas, type FieldSchema, type MessageName } from 'vrouter-io'

// eslint-disable-next-line @typescript-eslint/no-require-imports
const thrift = require('thrift')
// eslint-disable-next-line @typescript-eslint/no-require-imports
const Int64 = require('node-int64')

const T = thrift.Thrift.Type
const code: Record<string, number> = { bool: 2, byte: 3, i16: 6, i32: 8, u64: 9, i64: 10, string: 11, list: 15, u16: 0x13, u32: 0x14 }
const writeFn: Record<string, string> = {
  bool: 'writeBool', byte: 'writeByte', i16: 'writeI16', u16: 'writeI16', i32: 'writeI32', u32: 'writeI32',
  i64: 'writeI64', u64: 'writeI64', string: 'writeString',
}
const readExpr: Record<string, string> = {
  bool: 'input.readBool()', byte: 'input.readByte()', i16: 'input.readI16()', u16: '(input.readI16() & 0xffff)',
  i32: 'input.readI32()', u32: '(input.readI32() >>> 0)', i64: 'input.readI64()', u64: 'input.readI64()',
  string: 'input.readString()',
}

function writeField(f: FieldSchema): string {
  const v = `obj.${f.name}`
  if (f.type !== 'list') {
    return `output.writeFieldBegin('${f.name}', ${code[f.type]}, ${f.id}); output.${writeFn[f.type]}(${v}); output.writeFieldEnd();`
  }
  return `output.writeFieldBegin('${f.name}', ${T.LIST}, ${f.id}); output.writeListBegin(${code[f.elem!]}, ${v}.length);
    for (let i = 0; i < ${v}.length; i++) output.${writeFn[f.elem!]}(${v}[i]);
    output.writeListEnd(); output.writeFieldEnd();`
}

function readField(f: FieldSchema): string {
  if (f.type !== 'list') {
    return `case ${f.id}: if (ft === ${code[f.type]}) obj.${f.name} = ${readExpr[f.type]}; else input.skip(ft); break;`
  }
  return `case ${f.id}: if (ft === ${T.LIST}) { const l = input.readListBegin(); const a = new Array(l.size);
      for (let i = 0; i < l.size; i++) a[i] = ${readExpr[f.elem!]}; input.readListEnd(); obj.${f.name} = a; } else input.skip(ft); break;`
}

function defaultOf(f: FieldSchema): string {
  if (f.type === 'list') return '[]'
  if (f.type === 'string') return "''"
  if (f.type === 'i64' || f.type === 'u64') return 'new Int64(0)'
  return f.type === 'bool' ? 'false' : '0'
}

export interface ThriftCodec {
  /** Encodes a message (name header, then the struct) into one Buffer. */
  encode(name: MessageName, obj: Record<string, unknown>): Buffer
  /** Decodes every message of the buffer. */
  decode(buf: Buffer): { name: string; fields: Record<string, unknown> }[]
}

export function thriftCodec(names: MessageName[]): ThriftCodec {
  const writers: Record<string, (obj: unknown, output: unknown) => void> = {}
  const readers: Record<string, (input: unknown) => Record<string, unknown>> = {}
  for (const name of names) {
    const s = messageSchemas.find((m) => m.name === name)!
    writers[name] = new Function(
      'obj',
      'output',
      `output.writeStructBegin('${name}');\n${s.fields.map(writeField).join('\n')}\noutput.writeFieldStop(); output.writeStructEnd();`,
    ) as (obj: unknown, output: unknown) => void
    readers[name] = new Function(
      'Int64',
      'input',
      `const obj = { ${s.fields.map((f) => `${f.name}: ${defaultOf(f)}`).join(', ')} };
      input.readStructBegin();
      for (;;) {
        const h = input.readFieldBegin(); const ft = h.ftype;
        if (ft === ${T.STOP}) break;
        switch (h.fid) {\n${s.fields.map(readField).join('\n')}\n default: input.skip(ft); }
        input.readFieldEnd();
      }
      input.readStructEnd();
      return obj;`,
    ).bind(null, Int64) as (input: unknown) => Record<string, unknown>
  }
  let flushed: Buffer = Buffer.alloc(0)
  const outTransport = new thrift.TBufferedTransport(undefined, (b: Buffer) => (flushed = b))
  const output = new thrift.TBinaryProtocol(outTransport)
  return {
    encode(name, obj) {
      output.writeString(name) // the Sandesh name header: i32 length + bytes
      writers[name](obj, output)
      outTransport.flush()
      return flushed
    },
    decode(buf) {
      const input = new thrift.TBinaryProtocol(new thrift.TFramedTransport(buf))
      const out = []
      while (input.trans.readPos < buf.length) {
        const name = input.readString()
        out.push({ name, fields: readers[name](input) })
      }
      return out
    },
  }
}

/** Our field values in the peer's representation: Int64 for 64-bit, arrays for lists. */
export function toThriftFields(name: MessageName, fields: Record<string, unknown>): Record<string, unknown> {
  const s = messageSchemas.find((m) => m.name === name)!
  const int64 = (v: bigint) => new Int64(BigInt.asUintN(64, v).toString(16).padStart(16, '0'))
  const out: Record<string, unknown> = {}
  for (const f of s.fields) {
    const v = fields[f.name]
    if (f.type === 'list') out[f.name] = f.elem === 'i64' || f.elem === 'u64' ? (v as bigint[]).map(int64) : Array.from(v as ArrayLike<number>)
    else if (f.type === 'i64' || f.type === 'u64') out[f.name] = int64(v as bigint)
    else out[f.name] = v
  }
  return out
}
