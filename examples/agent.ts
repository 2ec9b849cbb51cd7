// An agent prototype on vrouter-io: the whole system in one program.
//
//   npm start                         against the embedded simulator, which also makes the VMs' traffic
//   npm start -- --endpoint unix:/var/run/vrouter/dpdk_netlink --pkt0 unix:/var/run/vrouter/agent_pkt0
//
// It starts as vRouter's agent does (PROTOCOL.md §8): vrouter_ops RESET, ADD, GET; the flow table mapped from shared
// memory; then interfaces, nexthops, a VRF, routes and MPLS labels (examples/agent/topology.ts). On pkt0 it answers
// ARP for the VMs' addresses and installs every new flow the forwarding engine traps. A status screen refreshes every
// second; Ctrl-C stops it and prints a summary.

import { parseArgs } from 'node:util'

import { AgentCmd, FlowTable, Ksync, Pkt0, Simulator, type Pkt0Packet } from 'vrouter-io'

import { arpReply, arpRequest, parseArpRequest } from './agent/arp'
import { FlowAger, installFlow } from './agent/flows'
import { startUp } from './agent/startup'
import { newCounters, statusLines, type Counters } from './agent/status'
import { topology, VMS, vmByIp, VRF } from './agent/topology'

const { values: args } = parseArgs({
  options: {
    endpoint: { type: 'string' },
    pkt0: { type: 'string' },
    flows: { type: 'string', default: '2000' },
    'flow-age': { type: 'string', default: '3' },
    seconds: { type: 'string' },
  },
})

const CMD_NAMES = Object.fromEntries(Object.entries(AgentCmd).map(([name, value]) => [value, name]))

async function main() {
  // No endpoint: run the forwarding engine in-process, in a temporary folder (removed on close).
  await using sim = args.endpoint ? undefined : await Simulator.start({ flowEntries: 65536 })
  const endpoint = args.endpoint ?? sim!.ksync
  const counters = newCounters()

  await using ksync = await Ksync.connect(endpoint)
  const ops = await startUp(ksync, counters)
  await using flows = await FlowTable.open(ksync)

  // Configuration: one bulk, packed into frames as the agent packs them.
  const config = topology()
  counters.requests += config.length
  const failed = (await ksync.bulk(config)).flatMap((r, i) => (r.ok ? [] : [`#${i} ${config[i].name}: ${r.error.message}`]))
  if (failed.length) throw new Error(`configuration refused:\n  ${failed.join('\n  ')}`)

  await using pkt0 = await Pkt0.open(args.pkt0 ?? sim?.pkt0)

  const stop = new AbortController()
  process.once('SIGINT', () => stop.abort())
  process.once('SIGTERM', () => stop.abort())
  if (args.seconds) setTimeout(() => stop.abort(), Number(args.seconds) * 1000).unref()

  const ager = new FlowAger(Number(args['flow-age']) * 1000)
  const handling = handleTraps(pkt0, ksync, flows, ager, counters, stop.signal)
  const driving = sim ? driveTraffic(sim, Number(args.flows), stop.signal) : Promise.resolve()
  const aging = every(1000, stop.signal, async () => void (counters.requests += await ager.expire(ksync, flows)))
  let last = 0
  const showing = every(1000, stop.signal, () => {
    const lines = statusLines(counters, flows.stats(), counters.requests - last, `${endpoint} (${ops.vo_flow_entries} flow entries)`)
    last = counters.requests
    if (process.stdout.isTTY) process.stdout.write('\x1b[H\x1b[2J')
    console.log(lines.join('\n'))
  })

  await Promise.all([driving, aging, showing])
  await pkt0.close() // ends the trap loop
  await handling
  const perSecond = counters.requests / ((Date.now() - counters.startedAt) / 1000)
  console.log(`\nsummary: ${statusLines(counters, flows.stats(), perSecond, endpoint).slice(2).join('\n         ')}`)
}

/** The pkt0 loop: ARP requests for known addresses get a reply; flow misses get their flow installed. */
async function handleTraps(pkt0: Pkt0, ksync: Ksync, flows: FlowTable, ager: FlowAger, counters: Counters, signal: AbortSignal) {
  const count = (p: Pkt0Packet) => {
    const name = CMD_NAMES[p.header.cmd] ?? `cmd ${p.header.cmd}`
    counters.traps.set(name, (counters.traps.get(name) ?? 0) + 1)
  }
  try {
    for await (const packet of pkt0) {
      count(packet)
      const { header, frame } = packet
      if (header.cmd === AgentCmd.TRAP_ARP) {
        const asked = parseArpRequest(frame)
        const owner = asked && vmByIp(asked.targetIp)
        if (asked && owner) {
          pkt0.sendSwitch(arpReply(asked, owner.mac), header.ifindex, header.vrf)
          counters.arpAnswered++
        }
      } else if (header.cmd === AgentCmd.TRAP_FLOW_MISS) {
        counters.requests += 2
        const installed = await installFlow(ksync, flows, { index: header.cmdParam, genId: header.cmdParam5, vrf: header.vrf })
        if (!installed) {
          counters.flowsStale++
          continue
        }
        counters.flowsInstalled++
        ager.installed(header.cmdParam, header.cmdParam5, header.vrf)
        pkt0.sendRoute(frame, header.ifindex, header.vrf)
        counters.reinjected++
      }
    }
  } catch (e) {
    if (!signal.aborted) throw e
  }
}

/** The VMs' traffic, from the embedded simulator: ARP for each other, and new TCP/UDP flows, until stopped. */
async function driveTraffic(sim: Simulator, flowsPerRound: number, signal: AbortSignal) {
  while (!signal.aborted) {
    for (const vm of VMS) {
      const peer = VMS[(VMS.indexOf(vm) + 1) % VMS.length]
      sim.inject(arpRequest(vm.mac, vm.ip, peer.ip), { vif: vm.vif })
    }
    await sim.traffic({ flows: flowsPerRound, packetsPerFlow: 3, rate: flowsPerRound * 3 })
  }
}

/** Runs `task` every `ms` until stopped (one at a time: a slow run delays the next). */
async function every(ms: number, signal: AbortSignal, task: () => unknown) {
  while (!signal.aborted) {
    await new Promise((r) => setTimeout(r, ms))
    await task()
  }
}

main().catch((e) => {
  console.error(e)
  process.exit(1)
})
