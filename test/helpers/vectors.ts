// The conformance vectors (bytes from vRouter's own C codec) and conversions between their
// JSON convention and this library's values.

import { readFileSync } from 'node:fs'
import { join } from 'node:path'

import { messageSchemas, type MessageName } from '../../lib/index'

export const vectorsDir = join(__dirname, '..', 'fixtures', 'vectors')

// Vector files are JSON with per-kind shapes; tests index them loosely.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Vector = any

export function vectors(kind: string): Vector[] {
  const index = JSON.parse(readFileSync(join(vectorsDir, 'index.json'), 'utf8')) as { file: string; kind: string }[]
  return index.filter((e) => e.kind === kind).map((e) => JSON.parse(readFileSync(join(vectorsDir, e.file), 'utf8')))
}

export const unhex = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'hex'))
export const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex')

function schemaOf(name: string) {
  const s = messageSchemas.find((m) => m.name === name)
  if (!s) throw new Error(`no message ${name}`)
  return s
}

const isWide = (t?: string) => t === 'i64' || t === 'u64'

/** Library values → the vectors' JSON convention (64-bit as decimal strings, bytes as octets). */
export function toVectorFields(name: string, fields: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const f of schemaOf(name).fields) {
    const v = fields[f.name]
    if (f.type === 'list' && f.elem === 'byte') out[f.name] = Array.from(v as Uint8Array)
    else if (f.type === 'list' && isWide(f.elem)) out[f.name] = (v as bigint[]).map(String)
    else if (isWide(f.type)) out[f.name] = String(v)
    else out[f.name] = v
  }
  return out
}

/** The vectors' JSON convention → library values. */
export function fromVectorFields(name: string, fields: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const f of schemaOf(name).fields) {
    const v = fields[f.name]
    if (f.type === 'list' && f.elem === 'byte') out[f.name] = new Uint8Array(v as number[])
    else if (f.type === 'list' && isWide(f.elem)) out[f.name] = (v as string[]).map((x) => BigInt(x))
    else if (isWide(f.type)) out[f.name] = BigInt(v as string)
    else out[f.name] = v
  }
  return out
}

export type { MessageName }
