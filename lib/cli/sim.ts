// `vrouter-io sim`: a simulated forwarding engine, serving until interrupted.

import { Simulator } from '../sim'
import type { Command } from './command'

function option(args: string[], name: string): string | undefined {
  const i = args.indexOf(name)
  if (i < 0) return undefined
  const v = args[i + 1]
  if (v === undefined || v.startsWith('--')) throw new Error(`${name} needs a value`)
  return v
}

function count(args: string[], name: string): number | undefined {
  const v = option(args, name)
  if (v === undefined) return undefined
  if (!/^\d+$/.test(v)) throw new Error(`${name} takes a whole number, not ${v}`)
  return Number(v)
}

function port(args: string[], name: string): number | undefined {
  const v = option(args, name)
  if (v === undefined) return undefined
  if (!/^\d+$/.test(v) || Number(v) > 65535) throw new Error(`${name} takes a port (0 to 65535; 0: any free one), not ${v}`)
  return Number(v)
}

function bytes(n: number): string {
  return n >= 1 << 20 ? `${(n / (1 << 20)).toFixed(1)} MiB` : `${(n / 1024).toFixed(1)} KiB`
}

export const simCommand: Command = {
  name: 'sim',
  summary: 'run a simulated vRouter forwarding engine',
  help: [
    'usage: vrouter-io sim [--dir DIR] [--dialect dpdk|kernel|windows] [--tcp PORT] [--host-ifs LIST]',
    '                      [--flow-entries N] [--bridge-entries N] [--layout 2024|2019] [--flow-hold-limit N]',
    '                      [--pkt0-tap NAME]',
    '',
    'Serves, as DPDK vRouter lays them out in DIR:',
    '  ksync   DIR/dpdk_netlink (Unix stream socket) and, with --tcp, 127.0.0.1:PORT',
    '  pkt0    DIR/dpdk_pkt0 (Unix datagram socket); traps go to DIR/agent_pkt0, which the agent binds',
    '  tables  DIR/flow.shmem and DIR/bridge.shmem, which agents map (paths and sizes also answered over ksync)',
    'until SIGINT or SIGTERM. --dir /var/run/vrouter gives the real layout; without --dir a temporary folder is',
    'used and removed at exit. --dialect chooses how ksync replies are framed. On Windows ksync and pkt0 are the',
    'named pipes \\\\.\\pipe\\NAME-ksync and NAME-pkt0 (NAME: the folder\'s name), without table files yet.',
    '',
    '  --host-ifs LIST        host interface indexes vifs may attach to, e.g. 0,10,100-131 (default: any)',
    '  --flow-entries N       main flow-table entries (default 524288; overflow sized by vRouter\'s rule)',
    '  --bridge-entries N     main bridge-table entries (default 262144)',
    '  --layout 2024|2019     flow-entry layout (default 2024)',
    '  --flow-hold-limit N    flows in HOLD beyond which new flows are dropped (default 8192; 0: none)',
    '  --pkt0-tap NAME        serve pkt0 on the tap NAME the agent creates, as the kernel module does (Linux, root),',
    '                         instead of the DPDK socket pair',
  ].join('\n'),
  async run(args) {
    const known = new Set(['--dir', '--dialect', '--tcp', '--host-ifs', '--flow-entries', '--bridge-entries', '--layout', '--flow-hold-limit', '--pkt0-tap'])
    for (let i = 0; i < args.length; i += 2) {
      if (!known.has(args[i])) throw new Error(`unknown option ${args[i]}; see vrouter-io sim --help`)
    }
    const dialect = option(args, '--dialect') ?? 'dpdk'
    if (dialect !== 'dpdk' && dialect !== 'kernel' && dialect !== 'windows') throw new Error(`unknown dialect ${dialect}`)
    const layout = option(args, '--layout') ?? '2024'
    if (layout !== '2024' && layout !== '2019') throw new Error(`unknown layout ${layout}: expected 2024 or 2019`)
    const sim = await Simulator.start({
      dir: option(args, '--dir'),
      dialect,
      tcpPort: port(args, '--tcp'),
      hostIfs: option(args, '--host-ifs'),
      flowEntries: count(args, '--flow-entries'),
      bridgeEntries: count(args, '--bridge-entries'),
      layout,
      flowHoldLimit: count(args, '--flow-hold-limit'),
      pkt0Tap: option(args, '--pkt0-tap'),
    })
    // Listen for the stop signals before saying where we serve: whoever reads that may stop us at once.
    // The simulator's threads do not keep Node running (an embedded one must not); here a timer does.
    const keepAlive = setInterval(() => {}, 2 ** 30)
    const stopped = new Promise<void>((resolve) => {
      process.once('SIGINT', resolve)
      process.once('SIGTERM', resolve)
    }).finally(() => clearInterval(keepAlive))
    console.log(`vrouter-io sim (${dialect} framing, ${layout} flow layout)`)
    console.log(`  ksync   ${sim.ksync}`)
    if (sim.ksyncTcp) console.log(`  ksync   ${sim.ksyncTcp}`)
    const pkt0From = process.platform === 'win32' || sim.pkt0.startsWith('tap:') ? '' : ` (traps from ${sim.dir}/dpdk_pkt0)`
    console.log(`  pkt0    ${sim.pkt0}${pkt0From}`)
    if (sim.flowTableSize > 0) {
      console.log(`  flow    ${sim.flowTable} (${sim.flowTableSize} bytes, ${bytes(sim.flowTableSize)}, ${sim.flowTableSize / 256} entries)`)
      console.log(`  bridge  ${sim.bridgeTable} (${sim.bridgeTableSize} bytes, ${bytes(sim.bridgeTableSize)}, ${sim.bridgeTableSize / 64} entries)`)
    } else {
      console.log('  tables  none on this platform yet (table queries answer EOPNOTSUPP)')
    }
    await stopped
    const stats = sim.stats()
    await sim.close()
    console.log(
      `vrouter-io sim: stopped (${stats.requestsServed} ksync requests, ${stats.trapsSent} traps sent, ${stats.trapsDropped} dropped, ` +
        `${stats.reinjected} frames re-injected, ${stats.flowsCreated} flows created)`,
    )
    return 0
  },
}
