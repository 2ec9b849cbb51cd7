// `vrouter-io flows` and `vrouter-io bridge`: the flow and bridge tables read from shared memory, in
// the spirit of vRouter's `flow -l` and `rt --dump 0 --family bridge` — or JSON.

import { FlowAction } from '../generated/vr'
import { Ksync } from '../ksync'
import { BridgeTable, FlowTable, type FlowColumns, type FlowFilter, type TableSource } from '../tables'
import { toJson, type Command } from './command'

const PROTOS: Record<string, number> = { icmp: 1, tcp: 6, udp: 17, icmp6: 58 }
const PROTO_NAMES: Record<number, string> = Object.fromEntries(Object.entries(PROTOS).map(([k, v]) => [v, k.toUpperCase()]))
const ACTIONS: Record<string, number> = { drop: FlowAction.DROP, hold: FlowAction.HOLD, forward: FlowAction.FORWARD, nat: FlowAction.NAT }
const ACTION_LETTERS: Record<number, string> = { 0: 'D', 1: 'H', 2: 'F', 3: 'N' }

interface Parsed {
  options: Map<string, string>
  flags: Set<string>
}

function parse(args: string[], valued: string[], boolean: string[]): Parsed {
  const options = new Map<string, string>()
  const flags = new Set<string>()
  for (let i = 0; i < args.length; i++) {
    const a = args[i]
    if (boolean.includes(a)) flags.add(a)
    else if (valued.includes(a)) {
      const v = args[++i]
      if (v === undefined) throw new Error(`${a} needs a value`)
      options.set(a, v)
    } else throw new Error(`unknown option ${a}`)
  }
  return { options, flags }
}

const SOURCE_HELP = [
  '--endpoint E      where vRouter is, asked for the table over ksync (default: this machine\'s)',
  '--file PATH --size BYTES   map a table file directly instead (e.g. a simulator\'s flow.shmem)',
].join('\n')

/** The table's source: a file given on the command line, or vRouter's answer over ksync. */
async function open<T>(p: Parsed, opener: (from: Ksync | TableSource) => Promise<T>): Promise<T> {
  const file = p.options.get('--file')
  if (file !== undefined) {
    const size = Number(p.options.get('--size'))
    if (!Number.isSafeInteger(size) || size <= 0) throw new Error('--file needs --size BYTES (the table\'s size)')
    return opener({ path: file, size })
  }
  const k = await Ksync.connect(p.options.get('--endpoint'))
  try {
    return await opener(k)
  } finally {
    await k.close()
  }
}

/** `ADDR`, `ADDR:PORT`, `[ADDR6]:PORT` or `ADDR6` for `--match`. */
function matchFilter(m: string): Pick<FlowFilter, 'addr' | 'port'> {
  const v6 = /^\[([^\]]+)\](?::(\d+))?$/.exec(m)
  if (v6) return { addr: v6[1], port: v6[2] === undefined ? undefined : Number(v6[2]) }
  const v4 = /^([\d.]+(?:\/\d+)?)(?::(\d+))?$/.exec(m)
  if (v4) return { addr: v4[1], port: v4[2] === undefined ? undefined : Number(v4[2]) }
  return { addr: m }
}

function flowFilter(p: Parsed): FlowFilter {
  const filter: FlowFilter = {}
  const m = p.options.get('--match')
  if (m !== undefined) Object.assign(filter, matchFilter(m))
  const proto = p.options.get('--proto')
  if (proto !== undefined) {
    filter.proto = PROTOS[proto.toLowerCase()] ?? Number(proto)
    if (!Number.isInteger(filter.proto)) throw new Error(`unknown protocol ${proto}: tcp, udp, icmp, icmp6 or a number`)
  }
  const vrf = p.options.get('--vrf')
  if (vrf !== undefined) filter.vrf = Number(vrf)
  const action = p.options.get('--action')
  if (action !== undefined) {
    if (!(action in ACTIONS)) throw new Error(`unknown action ${action}: drop, hold, forward or nat`)
    filter.action = ACTIONS[action]
  }
  return filter
}

/** 64-bit counters as numbers (48 and 40 bits: exact in a double). */
const bytesOf = (c: FlowColumns, i: number) => c.bytesOflow[i] * 2 ** 32 + c.bytes[i]
const packetsOf = (c: FlowColumns, i: number) => c.packetsOflow[i] * 2 ** 32 + c.packets[i]

/** The rows to show: all, or the top N by bytes or packets. */
function chosen(c: FlowColumns, top: number | undefined, by: 'bytes' | 'packets'): number[] {
  const rows = Array.from({ length: c.count }, (_, i) => i)
  if (top === undefined) return rows
  const key = by === 'bytes' ? bytesOf : packetsOf
  return rows.sort((a, b) => key(c, b) - key(c, a)).slice(0, top)
}

function render(flows: FlowTable, c: FlowColumns, rows: number[]): string {
  const cells = rows.map((i) => {
    const e = flows.entryOf(c, i)
    const k = e.key
    const at = (a: string, port: number) => (k.family === 'inet6' ? `[${a}]:${port}` : `${a}:${port}`)
    return [
      `${e.index}${e.rflow >= 0 ? `<=>${e.rflow}` : ''}`,
      at(k.src, k.sport),
      PROTO_NAMES[k.proto] ?? String(k.proto),
      at(k.dst, k.dport),
      ACTION_LETTERS[e.action] ?? String(e.action),
      e.flagNames.filter((f) => f !== 'ACTIVE').join(',') || '-',
      String(e.vrf),
      String(k.nh),
      String(e.genId),
      e.bytes.toString(),
      e.packets.toString(),
    ]
  })
  const header = ['index', 'source', 'proto', 'destination', 'action', 'flags', 'vrf', 'nh', 'gen', 'bytes', 'packets']
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((r) => r[i].length)))
  const line = (r: string[]) => r.map((x, i) => (i === 1 || i === 3 || i === 5 ? x.padEnd(widths[i]) : x.padStart(widths[i]))).join('  ')
  return [line(header), ...cells.map(line)].join('\n')
}

const flowsCommand: Command = {
  name: 'flows',
  summary: 'list the active flows from the shared flow table (as flow -l)',
  help: [
    'usage: vrouter-io flows [--match ADDR[:PORT]] [--proto P] [--vrf N] [--action A] [--top N --by bytes|packets]',
    '                        [--watch [--interval S]] [--layout 2024|2019] [--json] [--endpoint E | --file PATH --size BYTES]',
    '',
    'Maps the flow table read-only (found over ksync with vr_flow_table_data) and lists its active entries,',
    'copied consistently and filtered in native code. Actions: D drop, H hold, F forward, N nat.',
    '',
    '--match ADDR[:PORT]  flows with this address (or prefix, e.g. 10.1.0.0/16) and port on either side',
    '--top N --by bytes|packets   the N biggest flows',
    '--watch              list again every --interval seconds (default 1) until interrupted',
    '--layout             the flow-entry layout (default 2024; 2019 for Juniper\'s R19xx and the Windows driver)',
    SOURCE_HELP,
  ].join('\n'),
  async run(args) {
    const p = parse(args, ['--match', '--proto', '--vrf', '--action', '--top', '--by', '--interval', '--layout', '--endpoint', '--file', '--size'], ['--json', '--watch'])
    const filter = flowFilter(p)
    const top = p.options.has('--top') ? Number(p.options.get('--top')) : undefined
    if (top !== undefined && !(Number.isInteger(top) && top > 0)) throw new Error('--top needs a positive number')
    const by = (p.options.get('--by') ?? 'bytes') as 'bytes' | 'packets'
    if (by !== 'bytes' && by !== 'packets') throw new Error('--by bytes or --by packets')
    const layout = (p.options.get('--layout') ?? '2024') as '2024' | '2019'
    const interval = Number(p.options.get('--interval') ?? 1)
    if (!(interval > 0)) throw new Error('--interval needs a positive number of seconds')
    const json = p.flags.has('--json')
    await using flows = await open(p, (from) => FlowTable.open(from, { layout }))
    const once = () => {
      const c = flows.scan(filter)
      const rows = chosen(c, top, by)
      if (json) {
        const entries = rows.map((i) => flows.entryOf(c, i).toJSON())
        console.log(p.flags.has('--watch') ? JSON.stringify(entries, (_k, v) => (typeof v === 'bigint' ? v.toString() : v)) : toJson(entries))
      } else {
        if (p.flags.has('--watch') && process.stdout.isTTY) process.stdout.write('\x1b[H\x1b[2J')
        console.log(render(flows, c, rows))
        console.log(`\n${c.count} active flow${c.count === 1 ? '' : 's'}${top !== undefined ? `, top ${rows.length} by ${by}` : ''} of ${flows.entries} entries`)
      }
    }
    once()
    if (!p.flags.has('--watch')) return 0
    await new Promise<void>((resolve) => {
      const timer = setInterval(once, interval * 1000)
      process.once('SIGINT', () => {
        clearInterval(timer)
        resolve()
      })
    })
    return 0
  },
}

const bridgeCommand: Command = {
  name: 'bridge',
  summary: 'list the valid entries of the shared bridge table (MAC, VRF → nexthop, label)',
  help: [
    'usage: vrouter-io bridge [--vrf N] [--json] [--endpoint E | --file PATH --size BYTES]',
    '',
    'Maps the bridge table read-only (found over ksync with vr_bridge_table_data) and lists its valid entries.',
    '',
    SOURCE_HELP,
  ].join('\n'),
  async run(args) {
    const p = parse(args, ['--vrf', '--endpoint', '--file', '--size'], ['--json'])
    const vrf = p.options.has('--vrf') ? Number(p.options.get('--vrf')) : undefined
    await using bridge = await open(p, (from) => BridgeTable.open(from))
    const entries = bridge.scan({ vrf })
    if (p.flags.has('--json')) {
      console.log(toJson(entries))
      return 0
    }
    const header = ['index', 'mac', 'vrf', 'flags', 'label', 'nh', 'packets']
    const cells = entries.map((e) => [String(e.index), e.mac, String(e.vrf), e.flagNames.join(','), String(e.label), String(e.nhId), e.packets.toString()])
    const widths = header.map((h, i) => Math.max(h.length, ...cells.map((r) => r[i].length)))
    const line = (r: string[]) => r.map((x, i) => (i === 1 || i === 3 ? x.padEnd(widths[i]) : x.padStart(widths[i]))).join('  ')
    console.log([line(header), ...cells.map(line)].join('\n'))
    console.log(`\n${entries.length} entr${entries.length === 1 ? 'y' : 'ies'} of ${bridge.entries}`)
    return 0
  },
}

export const tablesCommands: Command[] = [flowsCommand, bridgeCommand]
