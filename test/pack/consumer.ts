// A TypeScript consumer of the installed package: scripts/pack/test-pack.mjs type-checks it with `tsc --noEmit` in a
// fresh project (against dist/*.d.ts from the tarball, as a user's editor sees them); the repository's own
// `npm run typecheck` checks it against lib/ too. It is never run.
//
// To extend it when the package exports something new: a value export must be added to `valueExports` below (tsc
// names the missing one), and a type export gets a line in the section of its module.

import * as vr from 'vrouter-io'
import {
  AbortError,
  decode,
  defaultKsyncEndpoint,
  encode,
  encodeMany,
  exchange,
  FamilyId,
  frameReplies,
  frameRequest,
  Ksync,
  KsyncError,
  NhType,
  parseFrames,
  ProtocolError,
  SandeshOp,
  Simulator,
  TransportError,
  type AgentHeader,
  type BridgeEntry,
  type AgentHeaderInput,
  type BulkRequest,
  type BulkResult,
  type CallOptions,
  type DecodedMessage,
  type Dialect,
  type DropPolicy,
  type ExchangeOptions,
  type FieldSchema,
  type FieldsInput,
  type FlowColumns,
  type FlowEntry,
  type FlowFilter,
  type FlowKey,
  type FlowKeyInput,
  type FlowTableOptions,
  type FlowTableStats,
  type Frame,
  type InjectResult,
  type KsyncOp,
  type KsyncOptions,
  type KsyncReply,
  type MessageInput,
  type MessageName,
  type Messages,
  type MessageSchema,
  type Pkt0Capture,
  type Pkt0Options,
  type Pkt0Packet,
  type Pkt0Stats,
  type ReinjectedFrame,
  type ReplyFields,
  type RequestFields,
  type RequestOptions,
  type SimulatorOptions,
  type SimulatorStats,
  type TableSource,
  type TrafficOptions,
  type TrafficResult,
  type TransportErrorCode,
  type VrouterOps,
} from 'vrouter-io'

// ---- every value export, each used once with its type checked (a new export makes tsc name it here) ----------------

/** Each runtime export of the package, mapped to a use of it. */
const valueExports: { [K in keyof typeof vr]: unknown } = {
  // codec
  decode: decode(new Uint8Array(0)) satisfies DecodedMessage[],
  encode: encode('vrouter_ops', { h_op: SandeshOp.GET }) satisfies Uint8Array,
  encodeMany: encodeMany([{ name: 'vr_mpls_req', fields: { mr_label: 1 } }]) satisfies Uint8Array,
  // errors
  AbortError: new AbortError() satisfies Error,
  KsyncError: KsyncError.prototype.errno satisfies number,
  ProtocolError: ProtocolError.prototype.offset satisfies number,
  TransportError: TransportError.prototype.endpoint satisfies string,
  // netlink framing
  FamilyId: FamilyId.DPDK_AGENT satisfies number,
  frameRequest: frameRequest(new Uint8Array(0), { familyId: FamilyId.DPDK_AGENT, seq: 1 }) satisfies Buffer,
  frameReplies: frameReplies([], { dialect: 'dpdk', familyId: 24, seq: 1 }) satisfies Buffer,
  parseFrames: parseFrames(new Uint8Array(0)) satisfies Frame[],
  // channels
  exchange: exchange satisfies (endpoint: string, request: Uint8Array, options?: ExchangeOptions) => Promise<Buffer>,
  defaultKsyncEndpoint: defaultKsyncEndpoint() satisfies string,
  Ksync: Ksync.connect satisfies (endpoint?: string, options?: KsyncOptions) => Promise<Ksync>,
  Simulator: Simulator.start satisfies (options?: SimulatorOptions) => Promise<Simulator>,
  // pkt0
  AGENT_HDR_LEN: vr.AGENT_HDR_LEN satisfies number,
  OUTER_ETH_LEN: vr.OUTER_ETH_LEN satisfies number,
  PKT0_HEADERS_LEN: vr.PKT0_HEADERS_LEN satisfies number,
  defaultPkt0Endpoint: vr.defaultPkt0Endpoint() satisfies string,
  switchHeader: vr.switchHeader(1, 0) satisfies AgentHeaderInput,
  routeHeader: vr.routeHeader(1, 0) satisfies AgentHeaderInput,
  Pkt0: vr.Pkt0.open satisfies (endpoint?: string, options?: Pkt0Options) => Promise<vr.Pkt0>,
  Pkt0Batch: vr.Pkt0Batch.prototype.packet satisfies (i: number) => Pkt0Packet,
  // flow and bridge tables
  FlowTable: vr.FlowTable.open satisfies (from: Ksync | TableSource, options?: FlowTableOptions) => Promise<vr.FlowTable>,
  BridgeTable: vr.BridgeTable.open satisfies (from: Ksync | TableSource) => Promise<vr.BridgeTable>,
  TableError: vr.TableError.prototype.code satisfies string,
  ScanBuffer: vr.ScanBuffer.prototype.capacity satisfies number,
  // generated from the schema: enums and the message tables
  SandeshOp: SandeshOp.ADD satisfies SandeshOp,
  FlowOp: vr.FlowOp satisfies Record<string, vr.FlowOp>,
  VifType: vr.VifType.VIRTUAL satisfies vr.VifType,
  VifTransport: vr.VifTransport satisfies Record<string, vr.VifTransport>,
  VifFlag: vr.VifFlag satisfies Record<string, vr.VifFlag>,
  NhType: NhType.DISCARD satisfies NhType,
  NhFlag: vr.NhFlag satisfies Record<string, vr.NhFlag>,
  RtLabelFlag: vr.RtLabelFlag satisfies Record<string, vr.RtLabelFlag>,
  BridgeEntryFlag: vr.BridgeEntryFlag satisfies Record<string, vr.BridgeEntryFlag>,
  FlowAction: vr.FlowAction satisfies Record<string, vr.FlowAction>,
  FlowFlag: vr.FlowFlag satisfies Record<string, vr.FlowFlag>,
  FlowFlag1: vr.FlowFlag1 satisfies Record<string, vr.FlowFlag1>,
  FlowExtflag: vr.FlowExtflag satisfies Record<string, vr.FlowExtflag>,
  FlowRespFlag: vr.FlowRespFlag satisfies Record<string, vr.FlowRespFlag>,
  HugepageResp: vr.HugepageResp satisfies Record<string, vr.HugepageResp>,
  AgentCmd: vr.AgentCmd satisfies Record<string, vr.AgentCmd>,
  messageNames: vr.messageNames satisfies readonly MessageName[],
  messageSchemas: vr.messageSchemas satisfies readonly MessageSchema[],
  tapeReaders: vr.tapeReaders,
  tapeWriters: vr.tapeWriters,
}

// ---- codec ---------------------------------------------------------------------------------------------------------

const opsInput: FieldsInput<VrouterOps> = { h_op: SandeshOp.GET, vo_nexthops: 1024 }
const message: MessageInput = { name: 'vrouter_ops', fields: opsInput }
const firstField: FieldSchema | undefined = vr.messageSchemas.find((s) => s.name === 'vrouter_ops')?.fields[0]
for (const decoded of decode(encodeMany([message]))) {
  if (decoded.name === 'vr_interface_req') {
    const name: string = decoded.fields.vifr_name // narrowed by the message name
    void name
  }
}

// ---- errors: every class, with the fields a handler reads -------------------------------------------------------

function describeError(e: unknown): string {
  if (e instanceof KsyncError) return `${e.messageName} ${e.op}: ${e.code} (errno ${e.errno})`
  if (e instanceof TransportError) return `${e.endpoint}: ${e.code satisfies string}`
  if (e instanceof ProtocolError) return `${e.code} at ${e.offset} in ${e.messageName ?? '?'}.${e.field ?? '?'} (${e.decoded.length} decoded)`
  if (e instanceof AbortError) return e.code satisfies 'ABORT_ERR'
  return String(e)
}
const transportCodes: TransportErrorCode[] = ['ERR_TIMEOUT', 'ERR_ENDPOINT_NOT_FOUND']

// ---- netlink framing and one-shot exchange -------------------------------------------------------------------------

const requestFields: RequestFields = { familyId: FamilyId.DPDK_AGENT, seq: 7, pid: 1 }
const replyFields: ReplyFields = { dialect: 'kernel' satisfies Dialect, familyId: 24, seq: 7 }
const exchangeOptions: ExchangeOptions = { timeoutMs: 1000 }

// ---- Ksync and Simulator, as an agent prototype uses them ----------------------------------------------------------

async function agent(): Promise<void> {
  const simOptions: SimulatorOptions = { dialect: 'dpdk', flowEntries: 4096, hostIfs: [0, '10-12'], layout: 2024 }
  await using sim = await Simulator.start(simOptions)
  const options: KsyncOptions = { familyId: FamilyId.DPDK_AGENT }
  await using ksync = await Ksync.connect(sim.ksync, options)

  const call: CallOptions = { signal: AbortSignal.timeout(5000), timeoutMs: 5000 }
  const addOptions: RequestOptions = { ...call, eexistOk: true }
  const ops: VrouterOps = await ksync.get('vrouter_ops', {}, call)
  const added: number = await ksync.add('vr_nexthop_req', { nhr_id: 1, nhr_type: NhType.DISCARD }, addOptions)
  const op: KsyncOp = 'get'
  const reply: KsyncReply = await ksync.request('vr_nexthop_req', op, { nhr_id: 1 })
  const requests: BulkRequest[] = [{ name: 'vr_mpls_req', op: 'add', fields: { mr_label: 10, mr_nhid: 1 } }]
  const results: BulkResult[] = await ksync.bulk(requests, call)
  for (const r of results) if (!r.ok) console.log(describeError(r.error))
  for await (const nh of ksync.dump('vr_nexthop_req')) console.log(nh.nhr_id satisfies number)

  const traffic: TrafficOptions = { flows: 10, packetsPerFlow: 2 }
  const ran: TrafficResult = await sim.traffic(traffic)
  const injected: InjectResult = sim.inject(new Uint8Array(64), { vif: 1 })
  const stats: SimulatorStats = sim.stats()
  const frames: ReinjectedFrame[] = sim.reinjected()
  const sizes: number[] = [sim.flowTableSize, sim.bridgeTableSize]
  const paths: string[] = [sim.pkt0, sim.flowTable, sim.bridgeTable, sim.dir, sim.ksyncTcp ?? '']
  const replies: Buffer = await exchange(sim.ksync, frameRequest(encode('vrouter_ops', {}), requestFields), exchangeOptions)
  const parsed: Frame[] = parseFrames(replies)
  const messagesByName: Messages['vr_mpls_req'] | undefined = undefined
  console.log(ops.vo_interfaces, added, reply.code, ran.packets, injected.action, stats.requestsServed, frames.length, sizes, paths, parsed.length)
  console.log(messagesByName, replyFields, transportCodes, firstField, valueExports)
}

// ---- pkt0: the agent's packet channel --------------------------------------------------------------------------------

async function answerTraps(endpoint: string): Promise<void> {
  const dropPolicy: DropPolicy = 'drop-oldest'
  const options: Pkt0Options = { dropPolicy, maxQueuePackets: 1024, connectTimeoutMs: 5000 }
  await using pkt0 = await vr.Pkt0.open(endpoint, options)
  const capture: Pkt0Capture = pkt0.capture('/tmp/pkt0.pcap')
  for await (const packet of pkt0) {
    const header: AgentHeader = packet.header
    if (header.cmd === vr.AgentCmd.TRAP_ARP) pkt0.sendSwitch(packet.frame, header.ifindex, header.vrf)
    break
  }
  for await (const batch of pkt0.batches()) {
    for (const p of batch) console.log(p.raw.length)
    break
  }
  const stats: Pkt0Stats = pkt0.stats()
  console.log(stats.delivered, await capture.close())
}

// ---- flow and bridge tables: reading flow statistics from shared memory ----------------------------------------------

async function readTables(ksync: Ksync, file: string, size: number): Promise<void> {
  const options: FlowTableOptions = { layout: 2024, timeoutMs: 5000 }
  using flows = await vr.FlowTable.open(ksync, options)
  const source: TableSource = { path: file, size }
  using bridge = await vr.BridgeTable.open(source)
  const key: FlowKeyInput = { proto: 6, src: '10.0.0.1', dst: '10.0.0.2', sport: 1000, dport: 80, nh: 10 }
  const found: FlowEntry | undefined = flows.lookup(key)
  const fullKey: FlowKey | undefined = found?.key
  const filter: FlowFilter = { proto: 6, minPackets: 1n, limit: 100 }
  const columns: FlowColumns = flows.scan(filter)
  const reused: vr.ScanBuffer = flows.scanBuffer()
  const again: FlowColumns = flows.scanInto(reused, filter)
  for (let row = 0; row < columns.count; row++) console.log(flows.entryOf(columns, row).packets satisfies bigint)
  for (const entry of flows.active()) console.log(entry.actionName, entry.flagNames)
  const stats: FlowTableStats = flows.stats()
  const mac: BridgeEntry | undefined = bridge.lookup('02:00:00:00:00:01', 1)
  try {
    flows.get(-1)
  } catch (e) {
    if (e instanceof vr.TableError) console.log(e.code)
  }
  console.log(again.count, fullKey?.family, stats.active, mac?.nhId, flows.snapshot().length, flows.layout satisfies '2024' | '2019')
}

export { agent, answerTraps, readTables }
