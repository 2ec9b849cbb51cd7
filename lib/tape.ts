// The JavaScript end of the tape (see crates/sandesh/src/tape.rs): messages cross the native
// boundary as typed columns, one call per batch. The generated tapeReaders/tapeWriters
// (lib/generated/vr.ts) walk a message's fields in schema order and call these methods.
// Nothing here reads wire bytes: the native side decodes and encodes.

/** A zero-length byte list, shared: it has no elements to mutate. */
const EMPTY_BYTES: Uint8Array = Object.freeze(new Uint8Array(0)) as Uint8Array

const POOL_SIZE = 8192

const I64_MIN = -(2n ** 63n)
const U64_MAX = 2n ** 64n - 1n

/** Slots at the start of the decode int column describing the call (crates/node/src/codec.rs). */
export const HEADER = 8
export const H_STATUS = 0
export const H_POOL_USED = 1
export const H_NEED_INTS = 2
export const H_NEED_WIDES = 3
export const H_NEED_POOL = 4
/** Status: a column is too small; the header holds the lengths needed. */
export const GROW = -2147483648

const elementName = (field: string, element?: number) => (element === undefined ? field : `${field}[${element}]`)

/** Reads a tape the native decoder filled in (after the header). */
export class TapeReader {
  iv = new Int32Array(4096)
  wv = new BigInt64Array(1024)
  uv = new BigUint64Array(this.wv.buffer)
  /**
   * Byte lists are decoded into a pool and handed out as views of it, like Node's pool for
   * small Buffers: one allocation serves many decodes, and a view stays valid for good since
   * the pool is only ever appended to. (A fresh small typed array per decode would cost more
   * than the decode: V8 must move it off its heap before it can be viewed.)
   */
  pool = new Uint8Array(POOL_SIZE)
  poolOffset = 0
  sv = ''
  ip = 0
  wp = 0
  sp = 0
  bp = 0

  /** Makes the columns at least the lengths the header asks for; returns whether any changed. */
  grow(): boolean {
    const ints = this.iv[H_NEED_INTS]
    const wides = this.iv[H_NEED_WIDES]
    const bytes = this.iv[H_NEED_POOL]
    const before = [this.iv, this.wv, this.pool]
    if (ints > this.iv.length) this.iv = new Int32Array(Math.max(ints, this.iv.length * 2))
    if (wides > this.wv.length) {
      this.wv = new BigInt64Array(Math.max(wides, this.wv.length * 2))
      this.uv = new BigUint64Array(this.wv.buffer)
    }
    if (bytes > this.pool.length - this.poolOffset) {
      this.pool = new Uint8Array(Math.max(bytes, POOL_SIZE))
      this.poolOffset = 0
    }
    return before[0] !== this.iv || before[1] !== this.wv || before[2] !== this.pool
  }

  /** Starts reading a freshly filled tape whose strings are `strs`. */
  rewind(strs: string): void {
    this.sv = strs
    this.ip = HEADER
    this.wp = this.sp = 0
    this.bp = this.poolOffset
    const used = this.iv[H_POOL_USED]
    // Keep later views 8-byte aligned: cheap, and friendlier to anyone who re-views them.
    if (used > 0) this.poolOffset += (used + 7) & ~7
  }

  // The generated readers keep the int position in a local and pass lengths in; the methods
  // below read the other columns, or int lists starting at a given position.

  /** Reads the next index on the tape (`ip` advanced). */
  int(): number {
    return this.iv[this.ip++]
  }
  i64(): bigint {
    return this.wv[this.wp++]
  }
  u64(): bigint {
    return this.uv[this.wp++]
  }
  /** The next string, of `n` UTF-16 units. */
  str(n: number): string {
    if (n === 0) return ''
    const s = this.sv.slice(this.sp, this.sp + n)
    this.sp += n
    return s
  }
  /** The next byte list, of `n` bytes: a view into the pool (no copy). */
  bytes(n: number): Uint8Array {
    if (n === 0) return EMPTY_BYTES
    const b = this.pool.subarray(this.bp, this.bp + n)
    this.bp += n
    return b
  }
  /** The int list whose count is at `p`, elements after it. */
  ints(p: number): number[] {
    const iv = this.iv
    const n = iv[p]
    const a: number[] = new Array(n)
    for (let i = 0; i < n; i++) a[i] = iv[p + 1 + i]
    return a
  }
  uints(p: number): number[] {
    const iv = this.iv
    const n = iv[p]
    const a: number[] = new Array(n)
    for (let i = 0; i < n; i++) a[i] = iv[p + 1 + i] >>> 0
    return a
  }
  /** The next `n` 64-bit values. */
  i64s(n: number): bigint[] {
    const a: bigint[] = new Array(n)
    for (let i = 0; i < n; i++) a[i] = this.wv[this.wp++]
    return a
  }
  u64s(n: number): bigint[] {
    const a: bigint[] = new Array(n)
    for (let i = 0; i < n; i++) a[i] = this.uv[this.wp++]
    return a
  }
}

/**
 * Fills a tape for the native encoder. Integers are checked against their field's width: any
 * value that fits in the width as signed or unsigned is taken (so a u8 gen id of 200 goes into
 * a signed `byte` field, as vRouter's C code would store it). `undefined` and `null` mean the
 * field's default.
 */
export class TapeWriter {
  iv = new Int32Array(4096)
  wv = new BigInt64Array(1024)
  bv = new Uint8Array(4096)
  sv = ''
  ip = 0
  wp = 0
  bp = 0
  count = 0
  /** Set when a column was reallocated: the native side must be given the new one. */
  grown = false
  private message = ''

  reset(): void {
    this.ip = this.wp = this.bp = this.count = 0
    this.sv = ''
  }

  /** Starts a message: its schema index, then its fields. */
  begin(index: number, message: string): void {
    // Room for every scalar field of the largest message; lists reserve their own room.
    this.reserveInts(256)
    this.iv[this.ip++] = index
    this.message = message
    this.count++
  }

  private reserveInts(n: number): void {
    if (this.ip + n > this.iv.length) this.iv = this.enlarged(this.iv, this.ip, n)
  }
  private reserveWides(n: number): void {
    if (this.wp + n > this.wv.length) this.wv = this.enlarged(this.wv, this.wp, n)
  }
  private reserveBytes(n: number): void {
    if (this.bp + n > this.bv.length) this.bv = this.enlarged(this.bv, this.bp, n)
  }
  /** A larger copy of a column (its first `used` elements), with room for `n` more. */
  private enlarged<T extends Int32Array | BigInt64Array | Uint8Array>(column: T, used: number, n: number): T {
    const next = new (column.constructor as new (length: number) => T)(Math.max(used + n, column.length * 2))
    next.set(column.subarray(0, used) as never)
    this.grown = true
    return next
  }

  /** Throws a RangeError for a value of the right type out of range, else a TypeError. */
  private fail(field: string, value: unknown, expected: string, outOfRange = false): never {
    const shown = typeof value === 'bigint' ? `${value}n` : typeof value === 'string' ? JSON.stringify(value) : String(value)
    const msg = `${this.message}.${field}: expected ${expected}, got ${shown}`
    throw outOfRange ? new RangeError(msg) : new TypeError(msg)
  }

  /** `element`: the index within a list field, named in the error. */
  private checkInt(v: unknown, field: string, min: number, max: number, element?: number): number {
    if (typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max) return v
    if ((v === undefined || v === null) && element === undefined) return 0
    return this.fail(elementName(field, element), v, `an integer in ${min}..${max}`, typeof v === 'number')
  }

  bool(v: unknown, field: string): void {
    if (v === undefined || v === null) v = false
    else if (typeof v !== 'boolean') this.fail(field, v, 'a boolean')
    this.iv[this.ip++] = v ? 1 : 0
  }
  int8(v: unknown, field: string): void {
    this.iv[this.ip++] = this.checkInt(v, field, -128, 255)
  }
  int16(v: unknown, field: string): void {
    this.iv[this.ip++] = this.checkInt(v, field, -32768, 65535)
  }
  int32(v: unknown, field: string): void {
    this.iv[this.ip++] = this.checkInt(v, field, -2147483648, 4294967295)
  }
  private wide(v: unknown, field: string, element?: number): bigint {
    if (typeof v === 'bigint') {
      if (v >= I64_MIN && v <= U64_MAX) return v
    } else if (typeof v === 'number') {
      if (Number.isSafeInteger(v)) return BigInt(v)
    } else if ((v === undefined || v === null) && element === undefined) {
      return 0n
    }
    const outOfRange = typeof v === 'bigint' || typeof v === 'number'
    return this.fail(elementName(field, element), v, `a bigint (or safe integer) in ${I64_MIN}..${U64_MAX}`, outOfRange)
  }
  int64(v: unknown, field: string): void {
    this.reserveWides(1)
    // BigInt64Array stores values of 2^63 and above as their two's-complement bit pattern.
    this.wv[this.wp++] = this.wide(v, field)
  }
  str(v: unknown, field: string): void {
    if (v === undefined || v === null) {
      this.iv[this.ip++] = 0
      return
    }
    if (typeof v !== 'string') this.fail(field, v, 'a string')
    this.iv[this.ip++] = v.length
    this.sv += v
  }
  bytes(v: unknown, field: string): void {
    if (v === undefined || v === null) {
      this.iv[this.ip++] = 0
      return
    }
    if (v instanceof Uint8Array) {
      this.reserveBytes(v.length)
      this.bv.set(v, this.bp)
      this.bp += v.length
      this.iv[this.ip++] = v.length
      return
    }
    if (!Array.isArray(v)) this.fail(field, v, 'a Uint8Array or an array of octets')
    this.reserveBytes(v.length)
    for (let i = 0; i < v.length; i++) this.bv[this.bp + i] = this.checkInt(v[i], field, -128, 255, i)
    this.bp += v.length
    this.iv[this.ip++] = v.length
  }
  private list(v: unknown, field: string): readonly unknown[] | undefined {
    if (v === undefined || v === null) {
      this.iv[this.ip++] = 0
      return undefined
    }
    if (!Array.isArray(v)) this.fail(field, v, 'an array')
    this.iv[this.ip++] = v.length
    return v
  }
  list16(v: unknown, field: string): void {
    this.intList(v, field, -32768, 65535)
  }
  list32(v: unknown, field: string): void {
    this.intList(v, field, -2147483648, 4294967295)
  }
  private intList(v: unknown, field: string, min: number, max: number): void {
    const a = this.list(v, field)
    if (!a) return
    this.reserveInts(a.length + 256)
    for (let i = 0; i < a.length; i++) this.iv[this.ip++] = this.checkInt(a[i], field, min, max, i)
  }
  list64(v: unknown, field: string): void {
    const a = this.list(v, field)
    if (!a) return
    this.reserveWides(a.length)
    for (let i = 0; i < a.length; i++) this.wv[this.wp++] = this.wide(a[i], field, i)
  }
}
