// The peer for bench/tables: reading vRouter's flow table in pure JavaScript, as a user could
// without this library — `fs.read` of the table file into a Buffer, then a DataView walk (the
// 2024 layout's offsets, as `flow -l` walks the table: every entry, those with fe_flags ACTIVE).

import { closeSync, openSync, readSync } from 'node:fs'

const ENTRY = 256
const HENTRY_FLAGS = 20
const KEY = 24
const FLAGS = 88
const ACTION = 92
const STATS = 104

/** The table file, opened once; each pass reads the whole file into one reused Buffer. */
export class JsFlowTable {
  readonly fd: number
  readonly buffer: Buffer
  readonly view: DataView
  readonly entries: number

  constructor(path: string, size: number) {
    this.fd = openSync(path, 'r')
    this.buffer = Buffer.alloc(size)
    this.view = new DataView(this.buffer.buffer, this.buffer.byteOffset, size)
    this.entries = size / ENTRY
  }

  /** Reads the file (what a snapshot costs in JavaScript). */
  read(): void {
    let done = 0
    while (done < this.buffer.length) done += readSync(this.fd, this.buffer, done, this.buffer.length - done, done)
  }

  /** Reads the file and collects the active entries' fields into columns; returns how many. */
  scan(out: JsColumns): number {
    this.read()
    const v = this.view
    let n = 0
    for (let i = 0; i < this.entries; i++) {
      const b = i * ENTRY
      if ((v.getUint16(b + FLAGS, true) & 1) === 0 || (v.getUint8(b + HENTRY_FLAGS) & 1) === 0) continue
      out.index[n] = i
      out.proto[n] = v.getUint8(b + KEY + 1)
      out.sport[n] = v.getUint16(b + KEY + 4)
      out.dport[n] = v.getUint16(b + KEY + 6)
      out.sip[n] = v.getUint32(b + KEY + 12)
      out.dip[n] = v.getUint32(b + KEY + 16)
      out.action[n] = v.getUint16(b + ACTION, true)
      out.bytes[n] = v.getUint16(b + STATS + 8, true) * 2 ** 32 + v.getUint32(b + STATS, true)
      out.packets[n] = v.getUint8(b + STATS + 10) * 2 ** 32 + v.getUint32(b + STATS + 4, true)
      n++
    }
    return n
  }

  /** Reads the file and makes one object per active entry, handed to `each`. */
  active(each: (e: { index: number; proto: number; sport: number; dport: number; action: number }) => void): number {
    this.read()
    const v = this.view
    let n = 0
    for (let i = 0; i < this.entries; i++) {
      const b = i * ENTRY
      if ((v.getUint16(b + FLAGS, true) & 1) === 0 || (v.getUint8(b + HENTRY_FLAGS) & 1) === 0) continue
      each({ index: i, proto: v.getUint8(b + KEY + 1), sport: v.getUint16(b + KEY + 4), dport: v.getUint16(b + KEY + 6), action: v.getUint16(b + ACTION, true) })
      n++
    }
    return n
  }

  close(): void {
    closeSync(this.fd)
  }
}

/** Columns for {@link JsFlowTable.scan}, sized for every entry. */
export class JsColumns {
  readonly index: Uint32Array
  readonly proto: Uint8Array
  readonly sport: Uint16Array
  readonly dport: Uint16Array
  readonly sip: Uint32Array
  readonly dip: Uint32Array
  readonly action: Uint16Array
  readonly bytes: Float64Array
  readonly packets: Float64Array

  constructor(n: number) {
    this.index = new Uint32Array(n)
    this.proto = new Uint8Array(n)
    this.sport = new Uint16Array(n)
    this.dport = new Uint16Array(n)
    this.sip = new Uint32Array(n)
    this.dip = new Uint32Array(n)
    this.action = new Uint16Array(n)
    this.bytes = new Float64Array(n)
    this.packets = new Float64Array(n)
  }
}
