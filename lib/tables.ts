// The flow and bridge tables, mapped read-only (crates/node/src/tables.rs). JavaScript never sees
// the mapping: native calls copy entries out (checked against the live entry, never torn) into
// columns — typed arrays, one per field — and the entries here are views of one row of them.

import { Ksync } from './ksync'
import { BridgeEntryFlag, FlowAction, FlowFlag, FlowOp } from './generated/vr'
import nativeModule from './native'
import type { NativeBridgeTable, NativeColumn, NativeFlowTable, NativeTableFailure } from '../index'

/** The per-entry calls, exported as plain Node-API callbacks (crates/node/src/tables/fast.rs). */
interface TableCallbacks {
  flowFillGet(id: number, row: number, index: number): boolean
  flowFillLookup4(id: number, row: number, proto: number, sip: number, dip: number, sport: number, dport: number, nh: number): number
  flowFillActive(id: number, row: number, max: number, start: number): number
}
const native = nativeModule
const fast = nativeModule.tableCallbacks() as unknown as TableCallbacks

/** `a.b.c.d` as a host-order integer, or −1 when the string is not a dotted-quad IPv4 address. */
function ipv4Number(s: string): number {
  let value = 0
  let part = 0
  let digits = 0
  let dots = 0
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i)
    if (c === 46) {
      if (digits === 0 || ++dots > 3) return -1
      value = value * 256 + part
      part = 0
      digits = 0
    } else if (c >= 48 && c <= 57 && digits < 3) {
      part = part * 10 + (c - 48)
      if (part > 255) return -1
      digits++
    } else {
      return -1
    }
  }
  if (dots !== 3 || digits === 0) return -1
  return value * 256 + part
}

/** A table could not be opened or read: wrong or short size, missing file, unknown layout. */
export class TableError extends Error {
  /** Always `'TableError'`: tells the error apart after serialisation, where `instanceof` no longer works. */
  override name = 'TableError' as const
  /** `ERR_TABLE_SIZE`, `ERR_TABLE_NOT_FOUND`, `ERR_TABLE_LAYOUT`, `ERR_PERMISSION_DENIED`, `ERR_TABLE_INVALID`, `ERR_TABLE_UNSUPPORTED`, `ERR_TABLE_IO`, `ERR_TABLE_CLOSED`. */
  readonly code: string

  constructor(message: string, code: string) {
    super(message)
    this.code = code
  }
}

/** Where a table is, as a table query answers it. */
export interface TableSource {
  /** The table file (`ftable_file_path`: DPDK vRouter, the simulator, kernel hugepages). On Windows, a section name: the simulator names its section there (the driver leaves it empty). */
  path?: string
  /** A Windows section name (the simulator on Windows). With neither `section` nor `path`, Windows maps the driver's `\\.\vrouterFlow` / `\\.\vrouterBridge`. */
  section?: string
  /** The kernel module's char-device major (`ftable_dev`), when there is no path. */
  deviceMajor?: number
  /** Where the device node is, or is created (default `/dev`). */
  devDir?: string
  /** Bytes of the table (`ftable_size`); checked against the file and the geometry. */
  size: number
  /** Main entries (`vo_flow_entries`); default: derived from `size` by vRouter's overflow rule. */
  mainEntries?: number
  /** Overflow entries (`vo_oflow_entries`), with `mainEntries`. */
  overflowEntries?: number
}

/** Options of {@link FlowTable.open}. */
export interface FlowTableOptions {
  /** The flow-entry layout: 2024 (tf-vrouter, default) or 2019 (Juniper's, the Windows era). Nothing in a table says which. */
  layout?: '2024' | '2019' | 2024 | 2019
  /** For a table found through ksync: where the kernel module's device node is made (default `/dev`). */
  devDir?: string
  signal?: AbortSignal
  timeoutMs?: number
}

/** A flow key: addresses as strings, ports in host order. */
export interface FlowKey {
  family: 'inet' | 'inet6'
  /** IP protocol (6 TCP, 17 UDP, …). */
  proto: number
  src: string
  dst: string
  sport: number
  dport: number
  /** The nexthop id in the key (`nh_id`). */
  nh: number
}

/** What {@link FlowTable.lookup} takes: a key; `family` follows from the addresses. */
export type FlowKeyInput = Omit<FlowKey, 'family'> & { family?: FlowKey['family'] }

/** One flow entry, copied out consistently. */
export interface FlowEntry {
  readonly index: number
  readonly genId: number
  readonly key: FlowKey
  /** `fe_action` (see {@link FlowAction}). */
  readonly action: number
  /** `DROP`, `HOLD`, `FORWARD`, `NAT`. */
  readonly actionName: string
  /** `fe_flags` (see {@link FlowFlag}). */
  readonly flags: number
  /** The names of the flags set (`ACTIVE`, `RFLOW_VALID`, …). */
  readonly flagNames: string[]
  /** `fe_flags1` (0 in the 2019 layout). */
  readonly flags1: number
  readonly tcpFlags: number
  readonly vrf: number
  readonly dvrf: number
  /** The reverse flow's index, or −1 (also when `RFLOW_VALID` is not set). */
  readonly rflow: number
  /** Bytes counted, with the overflow part (`bytes_oflow << 32 | bytes`). */
  readonly bytes: bigint
  /** Packets counted, with the overflow part. */
  readonly packets: bigint
  /** `fe_src_nh_index`: the source nexthop. */
  readonly srcNh: number
  readonly mirrorId: number
  readonly secMirrorId: number
  readonly ecmpNh: number
  readonly underlayEcmp: number
  readonly dropReason: number
  /** `fe_type`: 2 IPv4, 3 IPv6. */
  readonly type: number
  readonly udpSrcPort: number
  /** `fe_src_info`: the ingress vif, or the outer source address as stored. */
  readonly srcInfo: number
  readonly ttl: number
  readonly qosId: number
  readonly tcpSeq: number
  readonly tcpAck: number
  /** The entry sits in the overflow table. */
  readonly overflow: boolean
  /** Every field as a plain object (bigints stay bigints). */
  toJSON(): Record<string, unknown>
}

/** Matches of a scan, as columns: one typed array per field, `count` rows. */
export interface FlowColumns {
  readonly count: number
  /** In-use entries left out because they kept changing while being copied. */
  readonly torn: number
  readonly index: Uint32Array
  readonly genId: Uint8Array
  readonly flags: Uint16Array
  readonly flags1: Uint16Array
  readonly action: Uint16Array
  readonly tcpFlags: Uint16Array
  readonly vrf: Uint16Array
  readonly dvrf: Uint16Array
  readonly rflow: Int32Array
  readonly family: Uint8Array
  readonly proto: Uint8Array
  readonly keyLen: Uint8Array
  readonly sport: Uint16Array
  readonly dport: Uint16Array
  readonly keyNh: Uint32Array
  /** 16 bytes per row, network order (IPv4 in the first 4). */
  readonly sip: Uint8Array
  readonly dip: Uint8Array
  readonly srcNh: Uint32Array
  /** Low 32 bits of the byte count; `bytesOflow` holds bits 32–47. */
  readonly bytes: Uint32Array
  readonly bytesOflow: Uint16Array
  readonly packets: Uint32Array
  readonly packetsOflow: Uint8Array
  readonly mirrorId: Uint8Array
  readonly secMirrorId: Uint8Array
  readonly ecmpNh: Int8Array
  readonly dropReason: Uint8Array
  readonly flowType: Uint8Array
  readonly udpSrcPort: Uint16Array
  readonly srcInfo: Uint32Array
  readonly ttl: Uint8Array
  readonly qosId: Int16Array
  readonly tcpSeq: Uint32Array
  readonly tcpAck: Uint32Array
  readonly underlayEcmp: Int8Array
  readonly hentryFlags: Uint8Array
}

/** Which active flows {@link FlowTable.scan} returns; every condition given must hold. */
export interface FlowFilter {
  proto?: number
  /** Source address, or `address/length`. */
  src?: string
  dst?: string
  /** Either address (as `flow --match`). */
  addr?: string
  sport?: number
  dport?: number
  /** Either port. */
  port?: number
  vrf?: number
  action?: number
  /** Flag bits that must all be set. */
  flags?: number
  minBytes?: bigint | number
  minPackets?: bigint | number
  /** Index range: from `start` (default 0) to `end` (exclusive). */
  start?: number
  end?: number
  /** At most this many matches. */
  limit?: number
}

/** Counts over the whole flow table, from one pass. */
export interface FlowTableStats {
  entries: number
  mainEntries: number
  overflowEntries: number
  active: number
  activeOverflow: number
  hold: number
  forward: number
  drop: number
  nat: number
  ipv4: number
  ipv6: number
  torn: number
  bytes: bigint
  packets: bigint
}

const VIEWS = {
  u8: Uint8Array,
  i8: Int8Array,
  u16: Uint16Array,
  i16: Int16Array,
  u32: Uint32Array,
  i32: Int32Array,
  u64: BigUint64Array,
  bytes: Uint8Array,
} as const

/** Columns for every entry of a table, reused by {@link FlowTable.scanInto}. */
export class ScanBuffer {
  /** The memory the columns are views of. */
  readonly bytes: Uint8Array
  readonly #buffer: ArrayBuffer
  readonly #header: Uint32Array
  readonly #views: { name: string; kind: string; size: number; offset: number }[]
  /** The table it was last attached to (attaching costs a call). */
  attachedTo: unknown

  constructor(
    /** Entries it holds at most. */
    readonly capacity: number,
    layout: NativeColumn[],
    byteLength: number,
  ) {
    this.#buffer = new ArrayBuffer(byteLength)
    this.bytes = new Uint8Array(this.#buffer)
    this.#header = new Uint32Array(this.#buffer, 0, 4)
    this.#views = layout
  }

  /** The first `count` rows, as columns. */
  columns(count: number): FlowColumns {
    const cols: Record<string, unknown> = { count, torn: this.#header[1] }
    for (const c of this.#views) {
      const View = VIEWS[c.kind as keyof typeof VIEWS]
      cols[c.name] = new View(this.#buffer, c.offset, c.kind === 'bytes' ? count * c.size : count)
    }
    return cols as unknown as FlowColumns
  }
}

/** Rows handed out one after another, never rewritten: an entry stays valid as long as it is referenced. */
class Arena<C> {
  readonly cols: C
  readonly header: Uint32Array
  used = 0

  constructor(
    readonly capacity: number,
    layout: NativeColumn[],
    bytes: number,
    attach: (u8: Uint8Array, capacity: number) => void,
  ) {
    // Not zero-filled: every row handed out is written first, and the memory freed by earlier arenas is reused
    // without a page fault or a memset.
    const buffer = Buffer.allocUnsafeSlow(bytes).buffer as ArrayBuffer
    const cols: Record<string, unknown> = {}
    for (const c of layout) {
      const View = VIEWS[c.kind as keyof typeof VIEWS]
      const length = c.kind === 'bytes' ? capacity * c.size : capacity
      cols[c.name] = new View(buffer, c.offset, length)
    }
    this.cols = cols as C
    this.header = new Uint32Array(buffer, 0, 4)
    attach(new Uint8Array(buffer), capacity)
  }

  get free(): number {
    return this.capacity - this.used
  }
}

/**
 * Rows per arena (about 100 bytes each). Small enough that a batch of `active()` is still in the CPU's L2 cache when
 * JavaScript reads it, and that the arena's memory comes from the allocator's heap (reused, already faulted in) rather
 * than fresh pages. Measured: `active()` alone, repeated, about 20% faster than with 4096 or 16384 rows; in bench/tables
 * (alternating with the peer's 161 MB reads) the same within noise.
 */
const ARENA_ROWS = 1024
/** A batch of `active()` smaller than this asks for a fresh arena first. */
const MIN_BATCH = ARENA_ROWS / 4
/** Keys {@link FlowTable.lookupMany} hands to native code at once. */
const LOOKUP_BATCH = 256

const ACTION_NAMES = Object.fromEntries(Object.entries(FlowAction).map(([k, v]) => [v, k])) as Record<number, string>

function flagNames(flags: number, table: Record<string, number>): string[] {
  const out: string[] = []
  for (const [name, bit] of Object.entries(table)) if (flags & bit) out.push(name)
  return out
}

function ipv4(a: Uint8Array, o: number): string {
  return `${a[o]}.${a[o + 1]}.${a[o + 2]}.${a[o + 3]}`
}

function ipv6(a: Uint8Array, o: number): string {
  const groups: string[] = []
  for (let i = 0; i < 16; i += 2) groups.push(((a[o + i] << 8) | a[o + i + 1]).toString(16))
  // The longest run of zero groups (two or more) becomes '::', as RFC 5952 writes it.
  let best = -1
  let bestLen = 1
  for (let i = 0; i < 8; ) {
    if (groups[i] !== '0') {
      i++
      continue
    }
    let j = i
    while (j < 8 && groups[j] === '0') j++
    if (j - i > bestLen) [best, bestLen] = [i, j - i]
    i = j
  }
  if (best < 0) return groups.join(':')
  return `${groups.slice(0, best).join(':')}::${groups.slice(best + bestLen).join(':')}`
}

/** A flow entry over one row of columns (an arena's, or a scan's). Fields are read when asked for. */
class FlowEntryView implements FlowEntry {
  #c: FlowColumns
  #r: number
  #main: number
  #key?: FlowKey

  constructor(c: FlowColumns, r: number, mainEntries: number) {
    this.#c = c
    this.#r = r
    this.#main = mainEntries
  }

  get index(): number {
    return this.#c.index[this.#r]
  }
  get genId(): number {
    return this.#c.genId[this.#r]
  }
  get key(): FlowKey {
    if (this.#key) return this.#key
    const c = this.#c
    const r = this.#r
    const v6 = c.keyLen[r] === 44
    const o = r * 16
    this.#key = {
      family: v6 ? 'inet6' : 'inet',
      proto: c.proto[r],
      src: v6 ? ipv6(c.sip, o) : ipv4(c.sip, o),
      dst: v6 ? ipv6(c.dip, o) : ipv4(c.dip, o),
      sport: c.sport[r],
      dport: c.dport[r],
      nh: c.keyNh[r],
    }
    return this.#key
  }
  get action(): number {
    return this.#c.action[this.#r]
  }
  get actionName(): string {
    return ACTION_NAMES[this.action] ?? String(this.action)
  }
  get flags(): number {
    return this.#c.flags[this.#r]
  }
  get flagNames(): string[] {
    return flagNames(this.flags, FlowFlag)
  }
  get flags1(): number {
    return this.#c.flags1[this.#r]
  }
  get tcpFlags(): number {
    return this.#c.tcpFlags[this.#r]
  }
  get vrf(): number {
    return this.#c.vrf[this.#r]
  }
  get dvrf(): number {
    return this.#c.dvrf[this.#r]
  }
  get rflow(): number {
    return this.flags & FlowFlag.RFLOW_VALID ? this.#c.rflow[this.#r] : -1
  }
  get bytes(): bigint {
    return (BigInt(this.#c.bytesOflow[this.#r]) << 32n) | BigInt(this.#c.bytes[this.#r])
  }
  get packets(): bigint {
    return (BigInt(this.#c.packetsOflow[this.#r]) << 32n) | BigInt(this.#c.packets[this.#r])
  }
  get srcNh(): number {
    return this.#c.srcNh[this.#r]
  }
  get mirrorId(): number {
    return this.#c.mirrorId[this.#r]
  }
  get secMirrorId(): number {
    return this.#c.secMirrorId[this.#r]
  }
  get ecmpNh(): number {
    return this.#c.ecmpNh[this.#r]
  }
  get underlayEcmp(): number {
    return this.#c.underlayEcmp[this.#r]
  }
  get dropReason(): number {
    return this.#c.dropReason[this.#r]
  }
  get type(): number {
    return this.#c.flowType[this.#r]
  }
  get udpSrcPort(): number {
    return this.#c.udpSrcPort[this.#r]
  }
  get srcInfo(): number {
    return this.#c.srcInfo[this.#r]
  }
  get ttl(): number {
    return this.#c.ttl[this.#r]
  }
  get qosId(): number {
    return this.#c.qosId[this.#r]
  }
  get tcpSeq(): number {
    return this.#c.tcpSeq[this.#r]
  }
  get tcpAck(): number {
    return this.#c.tcpAck[this.#r]
  }
  get overflow(): boolean {
    return this.index >= this.#main
  }

  /** A plain object with every field (bigints stay bigints). */
  toJSON(): Record<string, unknown> {
    const out: Record<string, unknown> = {}
    for (const k of FLOW_FIELDS) out[k] = this[k]
    return out
  }
}

const FLOW_FIELDS = [
  'index', 'genId', 'key', 'action', 'actionName', 'flags', 'flagNames', 'flags1', 'tcpFlags', 'vrf', 'dvrf', 'rflow', 'bytes', 'packets',
  'srcNh', 'mirrorId', 'secMirrorId', 'ecmpNh', 'underlayEcmp', 'dropReason', 'type', 'udpSrcPort', 'srcInfo', 'ttl', 'qosId', 'tcpSeq', 'tcpAck', 'overflow',
] as const satisfies readonly (keyof FlowEntry)[]

/** The iterator {@link FlowTable.active} returns: walks a batch's rows, asks for the next batch when done. */
class ActiveFlows implements IterableIterator<FlowEntry> {
  #next = 0
  #cols: FlowColumns | undefined
  #row = 0
  #end = 0

  constructor(
    readonly table: FlowTable,
    readonly entries: number,
    readonly main: number,
  ) {}

  next(): IteratorResult<FlowEntry> {
    while (this.#row === this.#end) {
      if (this.#next >= this.entries) return { done: true, value: undefined }
      const b = this.table._fill(this.#next)
      this.#cols = b.arena.cols
      this.#row = b.row
      this.#end = b.row + b.count
      this.#next = b.next
    }
    return { done: false, value: new FlowEntryView(this.#cols!, this.#row++, this.main) }
  }

  [Symbol.iterator](): IterableIterator<FlowEntry> {
    return this
  }
}

function failure(r: object): r is NativeTableFailure {
  return 'code' in r && 'message' in r && typeof (r as NativeTableFailure).code === 'string'
}

/** Asks vRouter over ksync where a table is (and, for its geometry, `vrouter_ops`). */
async function queryFlowTable(ksync: Ksync, options: FlowTableOptions): Promise<TableSource> {
  const reply = await ksync.request('vr_flow_table_data', FlowOp.FLOW_TABLE_GET, {}, options)
  const data = reply.objects.find((o) => o.name === 'vr_flow_table_data')?.fields as
    | { ftable_size: number; ftable_dev: number; ftable_file_path: string }
    | undefined
  if (!data) throw new TableError('vr_flow_table_data: no table data in the answer', 'ERR_TABLE_INVALID')
  const ops = await ksync.get('vrouter_ops', {}, options).catch(() => undefined)
  return {
    path: data.ftable_file_path || undefined,
    deviceMajor: data.ftable_file_path ? undefined : data.ftable_dev,
    devDir: options.devDir,
    size: data.ftable_size,
    mainEntries: ops && ops.vo_flow_entries > 0 ? ops.vo_flow_entries : undefined,
    overflowEntries: ops && ops.vo_flow_entries > 0 ? ops.vo_oflow_entries : undefined,
  }
}

async function queryBridgeTable(ksync: Ksync, options: FlowTableOptions): Promise<TableSource> {
  const data = await ksync.get('vr_bridge_table_data', {}, options)
  const ops = await ksync.get('vrouter_ops', {}, options).catch(() => undefined)
  return {
    path: data.btable_file_path || undefined,
    deviceMajor: data.btable_file_path ? undefined : data.btable_dev,
    devDir: options.devDir,
    size: data.btable_size,
    mainEntries: ops && ops.vo_bridge_entries > 0 ? ops.vo_bridge_entries : undefined,
    overflowEntries: ops && ops.vo_bridge_entries > 0 ? ops.vo_oflow_bridge_entries : undefined,
  }
}

function nativeSource(s: TableSource) {
  return {
    path: s.path,
    section: s.section,
    deviceMajor: s.deviceMajor,
    devDir: s.devDir,
    size: s.size,
    mainEntries: s.mainEntries,
    overflowEntries: s.overflowEntries,
  }
}

/**
 * vRouter's flow table, mapped read-only: entries by index, the active ones in batches, scans in native code,
 * lookups through vRouter's hash, snapshots. Entries are copies checked against the live table (an entry being
 * rewritten is retried or skipped, never returned torn).
 */
export class FlowTable implements AsyncDisposable, Disposable {
  /** Main entries (a multiple of 4: buckets of four). */
  readonly mainEntries: number
  /** Overflow entries, after the main ones. */
  readonly overflowEntries: number
  /** Main plus overflow entries. */
  readonly entries: number
  /** Bytes of the table. */
  readonly byteLength: number
  /** The entry layout read. */
  readonly layout: '2024' | '2019'
  #native: NativeFlowTable | undefined
  #arena: Arena<FlowColumns> | undefined
  readonly #layout: NativeColumn[]
  readonly #id: number
  /** {@link lookupMany}'s buffers: keys packed six numbers each, the indexes found, which input each key came from. */
  #lookupKeys: Uint32Array | undefined
  #lookupFound: Int32Array | undefined
  #lookupWhich: Uint32Array | undefined

  private constructor(n: NativeFlowTable, layout: '2024' | '2019') {
    this.#native = n
    this.#id = n.id
    this.mainEntries = n.mainEntries
    this.overflowEntries = n.overflowEntries
    this.entries = this.mainEntries + this.overflowEntries
    this.byteLength = n.byteLength
    this.layout = layout
    this.#layout = native.NativeFlowTable.layout(ARENA_ROWS)
  }

  /**
   * Opens the flow table: through a {@link Ksync} connection (asks `vr_flow_table_data` and `vrouter_ops`, then
   * maps what the answer names: the file, or the kernel module's `/dev/flow`; on Windows the simulator's section, or
   * the driver's `\\.\vrouterFlow` through IOCTL_SHMEM_GET_ADDRESS), or from a {@link TableSource}.
   * A table whose size does not match its geometry or file is a {@link TableError} `ERR_TABLE_SIZE`.
   */
  static async open(from: Ksync | TableSource, options: FlowTableOptions = {}): Promise<FlowTable> {
    const source = from instanceof Ksync ? await queryFlowTable(from, options) : from
    const layout = String(options.layout ?? '2024') as '2024' | '2019'
    const r = native.NativeFlowTable.open(nativeSource(source), layout)
    if (failure(r)) throw new TableError(r.message, r.code)
    return new FlowTable(r, layout)
  }

  #open(): NativeFlowTable {
    if (!this.#native) throw new TableError('the flow table is closed', 'ERR_TABLE_CLOSED')
    return this.#native
  }

  /** An arena with at least `rows` free rows. */
  #rows(rows: number): Arena<FlowColumns> {
    const n = this.#open()
    if (!this.#arena || this.#arena.free < rows) {
      this.#arena = new Arena<FlowColumns>(ARENA_ROWS, this.#layout, native.NativeFlowTable.arenaBytes(ARENA_ROWS), (u8, cap) => n.attach(u8, cap))
    }
    return this.#arena
  }

  /** Entry `index`, or `undefined` when it is not active (free, or changing on every try). */
  get(index: number): FlowEntry | undefined {
    if (!Number.isInteger(index) || index < 0 || index >= this.entries) throw new RangeError(`index ${index} is outside 0…${this.entries - 1}`)
    const a = this.#rows(1)
    const row = a.used
    if (!fast.flowFillGet(this.#id, row, index)) return undefined
    a.used++
    return new FlowEntryView(a.cols, row, this.mainEntries)
  }

  /** The active entry with this key, found as vRouter finds it (hash, bucket of 4, overflow chain); `undefined` if none. */
  lookup(key: FlowKeyInput): FlowEntry | undefined {
    const a = this.#rows(1)
    const row = a.used
    const sip = ipv4Number(key.src)
    const dip = sip < 0 ? -1 : ipv4Number(key.dst)
    const index =
      dip >= 0
        ? fast.flowFillLookup4(this.#id, row, key.proto, sip, dip, key.sport, key.dport, key.nh ?? 0)
        : this.#native!.fillLookup(row, key.proto, key.src, key.dst, key.sport, key.dport, key.nh ?? 0)
    if (index < 0) return undefined
    a.used++
    return new FlowEntryView(a.cols, row, this.mainEntries)
  }

  /**
   * {@link lookup} of many keys at once: the result's `i`-th element is the entry with `keys[i]`, or `undefined`.
   * IPv4 keys are looked up in native code in batches, the bucket lines of the keys a few places ahead fetched while
   * one is resolved, so that the memory latencies of different keys overlap: per key, several times faster than
   * {@link lookup} on a table much larger than the CPU caches. Every entry is copied and checked as {@link lookup}
   * checks it.
   */
  lookupMany(keys: readonly FlowKeyInput[]): (FlowEntry | undefined)[] {
    const n = this.#open()
    const out: (FlowEntry | undefined)[] = []
    const packed = (this.#lookupKeys ??= new Uint32Array(LOOKUP_BATCH * 6))
    const found = (this.#lookupFound ??= new Int32Array(LOOKUP_BATCH))
    const which = (this.#lookupWhich ??= new Uint32Array(LOOKUP_BATCH))
    for (let at = 0; at < keys.length; ) {
      let m = 0
      for (; at < keys.length && m < LOOKUP_BATCH; at++) {
        const key = keys[at]
        const sip = ipv4Number(key.src)
        const dip = sip < 0 ? -1 : ipv4Number(key.dst)
        if (dip < 0) {
          out.push(this.lookup(key))
          continue
        }
        out.push(undefined)
        const o = m * 6
        packed[o] = key.proto
        packed[o + 1] = sip
        packed[o + 2] = dip
        packed[o + 3] = key.sport
        packed[o + 4] = key.dport
        packed[o + 5] = key.nh ?? 0
        which[m++] = at
      }
      if (m === 0) continue
      const a = this.#rows(m)
      const row = a.used
      n.fillLookupMany4(row, packed.subarray(0, m * 6), found)
      a.used += m
      for (let j = 0; j < m; j++) if (found[j] >= 0) out[which[j]] = new FlowEntryView(a.cols, row + j, this.mainEntries)
    }
    return out
  }

  /** The active entries, in index order, fetched from native code in batches. */
  active(): IterableIterator<FlowEntry> {
    return new ActiveFlows(this, this.entries, this.mainEntries)
  }

  /** One batch of {@link active}: up to an arena's free rows of active entries from `next` on; the arena and where they are. */
  _fill(next: number): { arena: Arena<FlowColumns>; row: number; count: number; next: number } {
    const a = this.#rows(MIN_BATCH)
    const row = a.used
    const count = fast.flowFillActive(this.#id, row, a.free, next)
    a.used += count
    return { arena: a, row, count, next: a.header[0] }
  }

  /** Active entries passing `filter`, as columns (one typed array per field), scanned in native code. */
  scan(filter: FlowFilter = {}): FlowColumns {
    const big = (v: bigint | number | undefined) => (v === undefined ? undefined : BigInt(v))
    return this.#open().scan({ ...filter, minBytes: big(filter.minBytes), minPackets: big(filter.minPackets) }) as unknown as FlowColumns
  }

  /**
   * A scan buffer: room for every entry's columns (about 100 bytes an entry), for {@link scanInto}. Scanning into
   * the same buffer again and again allocates nothing (the memory is not touched anew each time).
   */
  scanBuffer(): ScanBuffer {
    return new ScanBuffer(this.entries, native.NativeFlowTable.layout(this.entries), native.NativeFlowTable.arenaBytes(this.entries))
  }

  /**
   * {@link scan} into `buffer` (from {@link scanBuffer}): the columns returned are views of the buffer, valid until
   * it is scanned into again.
   */
  scanInto(buffer: ScanBuffer, filter: FlowFilter = {}): FlowColumns {
    const n = this.#open()
    if (buffer.attachedTo !== this) {
      n.attachScan(buffer.bytes, buffer.capacity)
      buffer.attachedTo = this
    }
    const big = (v: bigint | number | undefined) => (v === undefined ? undefined : BigInt(v))
    const count = n.fillScan({ ...filter, minBytes: big(filter.minBytes), minPackets: big(filter.minPackets) })
    return buffer.columns(count)
  }

  /** Row `row` of a scan's columns, as an entry. */
  entryOf(columns: FlowColumns, row: number): FlowEntry {
    if (!(row >= 0 && row < columns.count)) throw new RangeError(`row ${row} is outside 0…${columns.count - 1}`)
    return new FlowEntryView(columns, row, this.mainEntries)
  }

  /** Counts over the whole table: active entries by action and family, bytes and packets. */
  stats(): FlowTableStats {
    return this.#open().stats()
  }

  /** A copy of the whole table, at memory speed (entries may be mid-update in it: it is the bytes, not checked entries). */
  snapshot(): Buffer {
    return this.#open().snapshot()
  }

  /** Copies the whole table into `into` (at least {@link byteLength} bytes): a snapshot without allocating. */
  snapshotInto(into: Uint8Array): void {
    this.#open().snapshotInto(into)
  }

  /** Unmaps the table. Entries already returned stay readable (they are copies). */
  close(): void {
    this.#native?.close()
    this.#native = undefined
    this.#arena = undefined
  }

  [Symbol.dispose](): void {
    this.close()
  }

  async [Symbol.asyncDispose](): Promise<void> {
    this.close()
  }
}

/** One bridge entry, copied out consistently. */
export interface BridgeEntry {
  readonly index: number
  /** `aa:bb:cc:dd:ee:ff`. */
  readonly mac: string
  readonly vrf: number
  /** `be_flags` (see {@link BridgeEntryFlag}). */
  readonly flags: number
  readonly flagNames: string[]
  readonly label: number
  readonly nhId: number
  readonly packets: bigint
  readonly overflow: boolean
}

interface BridgeColumns {
  readonly count: number
  readonly torn: number
  readonly index: Uint32Array
  readonly hentryFlags: Uint8Array
  readonly mac: Uint8Array
  readonly vrf: Uint16Array
  readonly flags: Uint16Array
  readonly label: Uint32Array
  readonly nhId: Int32Array
  readonly packets: BigUint64Array
}

function macOf(a: Uint8Array, o: number): string {
  let s = ''
  for (let i = 0; i < 6; i++) s += (i ? ':' : '') + a[o + i].toString(16).padStart(2, '0')
  return s
}

function parseMac(mac: string): Uint8Array {
  const parts = mac.split(/[:-]/)
  if (parts.length !== 6 || parts.some((p) => !/^[0-9a-f]{1,2}$/i.test(p))) throw new TypeError(`${JSON.stringify(mac)} is not a MAC address`)
  return Uint8Array.from(parts.map((p) => parseInt(p, 16)))
}

function bridgeEntry(c: BridgeColumns, r: number, main: number): BridgeEntry {
  const flags = c.flags[r]
  return {
    index: c.index[r],
    mac: macOf(c.mac, r * 6),
    vrf: c.vrf[r],
    flags,
    flagNames: flagNames(flags, BridgeEntryFlag),
    label: c.label[r],
    nhId: c.nhId[r],
    packets: c.packets[r],
    overflow: c.index[r] >= main,
  }
}

/** vRouter's bridge table (MAC + VRF → nexthop, label), mapped read-only. */
export class BridgeTable implements AsyncDisposable, Disposable {
  /** Main entries (buckets of four). */
  readonly mainEntries: number
  /** Overflow entries, after the main ones. */
  readonly overflowEntries: number
  /** Main plus overflow entries. */
  readonly entries: number
  /** Bytes of the table (64 per entry). */
  readonly byteLength: number
  #native: NativeBridgeTable | undefined
  #arena: Arena<BridgeColumns> | undefined
  readonly #layout: NativeColumn[]

  private constructor(n: NativeBridgeTable) {
    this.#native = n
    this.mainEntries = n.mainEntries
    this.overflowEntries = n.overflowEntries
    this.entries = this.mainEntries + this.overflowEntries
    this.byteLength = n.byteLength
    this.#layout = native.NativeBridgeTable.layout(ARENA_ROWS)
  }

  /** Opens the bridge table through ksync (`vr_bridge_table_data`) or from a {@link TableSource}. */
  static async open(from: Ksync | TableSource, options: Omit<FlowTableOptions, 'layout'> = {}): Promise<BridgeTable> {
    const source = from instanceof Ksync ? await queryBridgeTable(from, options) : from
    const r = native.NativeBridgeTable.open(nativeSource(source))
    if (failure(r)) throw new TableError(r.message, r.code)
    return new BridgeTable(r)
  }

  #open(): NativeBridgeTable {
    if (!this.#native) throw new TableError('the bridge table is closed', 'ERR_TABLE_CLOSED')
    return this.#native
  }

  #rows(rows: number): Arena<BridgeColumns> {
    const n = this.#open()
    if (!this.#arena || this.#arena.free < rows) {
      this.#arena = new Arena<BridgeColumns>(ARENA_ROWS, this.#layout, native.NativeBridgeTable.arenaBytes(ARENA_ROWS), (u8, cap) => n.attach(u8, cap))
    }
    return this.#arena
  }

  /** Entry `index`, or `undefined` when it is not valid. */
  get(index: number): BridgeEntry | undefined {
    if (!Number.isInteger(index) || index < 0 || index >= this.entries) throw new RangeError(`index ${index} is outside 0…${this.entries - 1}`)
    const a = this.#rows(1)
    if (!this.#native!.fillGet(a.used, index)) return undefined
    return bridgeEntry(a.cols, a.used++, this.mainEntries)
  }

  /** The valid entry for `mac` in `vrf`, found through vRouter's hash; `undefined` if none. */
  lookup(mac: string, vrf: number): BridgeEntry | undefined {
    const a = this.#rows(1)
    if (this.#native!.fillLookup(a.used, parseMac(mac), vrf) < 0) return undefined
    return bridgeEntry(a.cols, a.used++, this.mainEntries)
  }

  /** The valid entries, in index order, fetched in batches. */
  *active(): Generator<BridgeEntry, void, undefined> {
    let next = 0
    while (next < this.entries) {
      const a = this.#rows(MIN_BATCH)
      const row = a.used
      const n = this.#native!.fillActive(row, a.free, next)
      a.used += n
      next = a.header[0]
      for (let i = row; i < row + n; i++) yield bridgeEntry(a.cols, i, this.mainEntries)
    }
  }

  /** The valid entries (of one VRF), as entries. */
  scan(filter: { vrf?: number } = {}): BridgeEntry[] {
    const c = this.#open().scan(filter.vrf) as unknown as BridgeColumns
    const out: BridgeEntry[] = new Array(c.count)
    for (let i = 0; i < c.count; i++) out[i] = bridgeEntry(c, i, this.mainEntries)
    return out
  }

  /** A copy of the whole table. */
  snapshot(): Buffer {
    return this.#open().snapshot()
  }

  /** Unmaps the table. Entries already returned stay readable (they are copies). */
  close(): void {
    this.#native?.close()
    this.#native = undefined
    this.#arena = undefined
  }

  [Symbol.dispose](): void {
    this.close()
  }

  async [Symbol.asyncDispose](): Promise<void> {
    this.close()
  }
}

