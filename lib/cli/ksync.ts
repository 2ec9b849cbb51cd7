// `vrouter-io dump`, `get`, `ops` and `drop-stats`: vRouter's tables over ksync, as tables in
// the spirit of vRouter's own `vif --list`, `nh --list`, `rt --dump` — or JSON.

import { Ksync } from '../ksync'
import type { MessageName } from '../generated/vr'
import { toJson, type Command } from './command'

/** The dumpable tables by their command-line name, with the columns shown for each. */
const TABLES: Record<string, { message: MessageName; columns: [header: string, value: (o: Record<string, unknown>) => string][] }> = {
  interfaces: {
    message: 'vr_interface_req',
    columns: [
      ['vif', (o) => String(o.vifr_idx)],
      ['name', (o) => String(o.vifr_name || '-')],
      ['type', (o) => String(o.vifr_type)],
      ['vrf', (o) => String(o.vifr_vrf)],
      ['os_idx', (o) => String(o.vifr_os_idx)],
      ['mac', (o) => mac(o.vifr_mac as Uint8Array)],
      ['nh', (o) => String(o.vifr_nh_id)],
      ['rx packets', (o) => String(o.vifr_ipackets)],
      ['tx packets', (o) => String(o.vifr_opackets)],
    ],
  },
  nexthops: {
    message: 'vr_nexthop_req',
    columns: [
      ['id', (o) => String(o.nhr_id)],
      ['type', (o) => String(o.nhr_type)],
      ['family', (o) => String(o.nhr_family)],
      ['vrf', (o) => String(o.nhr_vrf)],
      ['flags', (o) => hex(o.nhr_flags as number)],
      ['oif', (o) => (o.nhr_encap_oif_id as number[]).join(',') || '-'],
      ['refs', (o) => String(o.nhr_ref_cnt)],
    ],
  },
  routes: {
    message: 'vr_route_req',
    columns: [
      ['prefix', (o) => prefix(o.rtr_prefix as Uint8Array, o.rtr_prefix_len as number, o.rtr_mac as Uint8Array, o.rtr_family as number)],
      ['nh', (o) => String(o.rtr_nh_id)],
      ['label', (o) => String(o.rtr_label)],
      ['flags', (o) => hex(o.rtr_label_flags as number)],
    ],
  },
  mpls: { message: 'vr_mpls_req', columns: [['label', (o) => String(o.mr_label)], ['nh', (o) => String(o.mr_nhid)]] },
  vrfs: { message: 'vr_vrf_req', columns: [['vrf', (o) => String(o.vrf_idx)], ['flags', (o) => hex(o.vrf_flags as number)]] },
  mirrors: { message: 'vr_mirror_req', columns: [['index', (o) => String(o.mirr_index)], ['nh', (o) => String(o.mirr_nhid)], ['flags', (o) => hex(o.mirr_flags as number)]] },
  vxlan: { message: 'vr_vxlan_req', columns: [['vni', (o) => String(o.vxlanr_vnid)], ['nh', (o) => String(o.vxlanr_nhid)]] },
  'vrf-assign': {
    message: 'vr_vrf_assign_req',
    columns: [['vif', (o) => String(o.var_vif_index)], ['vlan', (o) => String(o.var_vlan_id)], ['vrf', (o) => String(o.var_vif_vrf)], ['nh', (o) => String(o.var_nh_id)]],
  },
}

const FAMILIES: Record<string, number> = { inet: 2, inet6: 10, bridge: 7 }

const mac = (b: Uint8Array) => (b.length ? Array.from(b, (x) => x.toString(16).padStart(2, '0')).join(':') : '-')
const hex = (n: number) => `0x${(n >>> 0).toString(16)}`

function prefix(p: Uint8Array, len: number, rtrMac: Uint8Array, family: number): string {
  if (family === FAMILIES.bridge) return mac(rtrMac)
  if (p.length === 4) return `${Array.from(p).join('.')}/${len}`
  const groups = Array.from({ length: p.length / 2 }, (_, i) => ((p[2 * i] << 8) | p[2 * i + 1]).toString(16))
  return `${groups.join(':')}/${len}`
}

/** Options every ksync command takes. */
function parse(args: string[], valued: string[]): { positional: string[]; options: Map<string, string>; json: boolean } {
  const options = new Map<string, string>()
  const positional: string[] = []
  let json = false
  for (let i = 0; i < args.length; i++) {
    const a = args[i]
    if (a === '--json') json = true
    else if (valued.includes(a)) {
      const v = args[++i]
      if (v === undefined) throw new Error(`${a} needs a value`)
      options.set(a, v)
    } else if (a.startsWith('--')) throw new Error(`unknown option ${a}`)
    else positional.push(a)
  }
  return { positional, options, json }
}

function table(rows: Record<string, unknown>[], columns: [string, (o: Record<string, unknown>) => string][]): string {
  const cells = rows.map((r) => columns.map(([, f]) => f(r)))
  const widths = columns.map(([h], i) => Math.max(h.length, ...cells.map((c) => c[i].length)))
  const line = (c: string[]) => c.map((x, i) => x.padStart(widths[i])).join('  ')
  return [line(columns.map(([h]) => h)), ...cells.map(line)].join('\n')
}

async function withKsync<T>(endpoint: string | undefined, f: (k: Ksync) => Promise<T>): Promise<T> {
  const k = await Ksync.connect(endpoint)
  try {
    return await f(k)
  } finally {
    await k.close()
  }
}

const ENDPOINT_HELP = '--endpoint E   where vRouter is (default: this machine\'s: /var/run/vrouter/dpdk_netlink, else netlink:)'

const dumpCommand: Command = {
  name: 'dump',
  summary: 'list one of vRouter\'s tables',
  help: [
    `usage: vrouter-io dump ${Object.keys(TABLES).join('|')} [--vrf N] [--family inet|inet6|bridge] [--json] [--endpoint E]`,
    '',
    'Pages through the table over ksync, as vRouter\'s own tools do. Routes are listed per VRF and family',
    '(default: VRF 0, inet) and come back as vRouter\'s trie leaves.',
    '',
    ENDPOINT_HELP,
  ].join('\n'),
  async run(args) {
    const { positional, options, json } = parse(args, ['--vrf', '--family', '--endpoint'])
    const t = TABLES[positional[0]]
    if (!t) throw new Error(`dump what? one of ${Object.keys(TABLES).join(', ')}`)
    const family = options.get('--family') ?? 'inet'
    if (!(family in FAMILIES)) throw new Error(`unknown family ${family}: inet, inet6 or bridge`)
    const filter: Record<string, unknown> =
      t.message === 'vr_route_req' ? { rtr_vrf_id: Number(options.get('--vrf') ?? 0), rtr_family: FAMILIES[family] } : {}
    const rows = await withKsync(options.get('--endpoint'), async (k) => {
      const all: Record<string, unknown>[] = []
      for await (const o of k.dump(t.message, filter as never)) all.push(o as unknown as Record<string, unknown>)
      return all
    })
    console.log(json ? toJson(rows) : table(rows, t.columns))
    return 0
  },
}

const getCommand: Command = {
  name: 'get',
  summary: 'read one object (GET) of any message',
  help: [
    'usage: vrouter-io get MESSAGE [FIELDS-JSON] [--endpoint E]',
    '',
    'Sends MESSAGE with h_op GET and the key fields given (e.g. vrouter-io get vr_interface_req \'{"vifr_idx": 0}\')',
    'and prints the answer as JSON: the object, and any that follow it (drop statistics).',
    '',
    ENDPOINT_HELP,
  ].join('\n'),
  async run(args) {
    const { positional, options } = parse(args, ['--endpoint'])
    const [name, fields = '{}'] = positional
    if (!name) throw new Error('get what? a message name, e.g. vr_interface_req')
    const reply = await withKsync(options.get('--endpoint'), (k) => k.request(name as MessageName, 'get', JSON.parse(fields)))
    console.log(toJson(reply.objects))
    return 0
  },
}

const opsCommand: Command = {
  name: 'ops',
  summary: 'vRouter\'s limits and settings (vrouter_ops)',
  help: ['usage: vrouter-io ops [--json] [--endpoint E]', '', ENDPOINT_HELP].join('\n'),
  async run(args) {
    const { options, json } = parse(args, ['--endpoint'])
    const ops = await withKsync(options.get('--endpoint'), (k) => k.get('vrouter_ops', {}))
    if (json) console.log(toJson(ops))
    else for (const [k, v] of Object.entries(ops)) if (k !== 'h_op') console.log(`${k.padEnd(32)} ${v instanceof Uint8Array || Array.isArray(v) ? toJson(v) : v}`)
    return 0
  },
}

const dropStatsCommand: Command = {
  name: 'drop-stats',
  summary: 'vRouter\'s drop counters (non-zero ones, or all with --all)',
  help: ['usage: vrouter-io drop-stats [--all] [--json] [--endpoint E]', '', ENDPOINT_HELP].join('\n'),
  async run(args) {
    const all = args.includes('--all')
    const { options, json } = parse(
      args.filter((a) => a !== '--all'),
      ['--endpoint'],
    )
    const stats = await withKsync(options.get('--endpoint'), (k) => k.get('vr_drop_stats_req', {}))
    if (json) {
      console.log(toJson(stats))
      return 0
    }
    const shown = Object.entries(stats).filter(([, v]) => typeof v === 'bigint' && (all || v !== 0n))
    for (const [k, v] of shown) console.log(`${k.padEnd(36)} ${v}`)
    if (shown.length === 0) console.log('no drops')
    return 0
  },
}

export const ksyncCommands: Command[] = [dumpCommand, getCommand, opsCommand, dropStatsCommand]
