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

export const simCommand: Command = {
  name: 'sim',
  summary: 'run a simulated vRouter forwarding engine',
  help: [
    'usage: vrouter-io sim [--dir DIR] [--dialect dpdk|kernel|windows] [--tcp PORT]',
    '',
    'Serves ksync on DIR/dpdk_netlink (Unix stream socket, as DPDK vRouter does) and, with --tcp, on',
    '127.0.0.1:PORT, until SIGINT or SIGTERM. --dir /var/run/vrouter gives the real layout; without',
    '--dir a temporary folder is used and removed at exit. --dialect chooses how replies are framed.',
  ].join('\n'),
  async run(args) {
    const known = new Set(['--dir', '--dialect', '--tcp'])
    for (let i = 0; i < args.length; i += 2) {
      if (!known.has(args[i])) throw new Error(`unknown option ${args[i]}; see vrouter-io sim --help`)
    }
    const dialect = option(args, '--dialect') ?? 'dpdk'
    if (dialect !== 'dpdk' && dialect !== 'kernel' && dialect !== 'windows') throw new Error(`unknown dialect ${dialect}`)
    const tcp = option(args, '--tcp')
    const sim = await Simulator.start({ dir: option(args, '--dir'), dialect, tcpPort: tcp === undefined ? undefined : Number(tcp) })
    // Listen for the stop signals before saying where we serve: whoever reads that may stop us at once.
    // The simulator's threads do not keep Node running (an embedded one must not); here a timer does.
    const keepAlive = setInterval(() => {}, 2 ** 30)
    const stopped = new Promise<void>((resolve) => {
      process.once('SIGINT', resolve)
      process.once('SIGTERM', resolve)
    }).finally(() => clearInterval(keepAlive))
    console.log(`vrouter-io sim (${dialect} framing)`)
    console.log(`  ksync  ${sim.ksync}`)
    if (sim.ksyncTcp) console.log(`  ksync  ${sim.ksyncTcp}`)
    await stopped
    await sim.close()
    console.log('vrouter-io sim: stopped')
    return 0
  },
}
