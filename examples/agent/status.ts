// The agent's one-screen status: what it has done, and what the flow table in shared memory says.

import type { FlowTableStats } from 'vrouter-io'

export interface Counters {
  startedAt: number
  /** ksync requests sent (configuration and flows). */
  requests: number
  traps: Map<string, number>
  arpAnswered: number
  flowsInstalled: number
  flowsStale: number
  reinjected: number
}

export function newCounters(): Counters {
  return { startedAt: Date.now(), requests: 0, traps: new Map(), arpAnswered: 0, flowsInstalled: 0, flowsStale: 0, reinjected: 0 }
}

const n = (x: number | bigint) => x.toLocaleString('en-US')

/** The status as lines of text; `perSecond` is the request rate over the last refresh. */
export function statusLines(c: Counters, table: FlowTableStats, perSecond: number, endpoint: string): string[] {
  const seconds = (Date.now() - c.startedAt) / 1000
  const traps = [...c.traps].map(([cmd, count]) => `${cmd} ${n(count)}`).join(', ') || 'none yet'
  return [
    `vrouter-io example agent — ${endpoint} — up ${seconds.toFixed(0)} s (Ctrl-C stops)`,
    '',
    `ksync      ${n(c.requests)} requests, ${n(Math.round(perSecond))}/s`,
    `pkt0       traps: ${traps}`,
    `           ARP answered ${n(c.arpAnswered)}, flows installed ${n(c.flowsInstalled)} (stale traps ${n(c.flowsStale)}), packets re-injected ${n(c.reinjected)}`,
    `flow table ${n(table.active)} active of ${n(table.entries)} (hold ${n(table.hold)}, forward ${n(table.forward)}, drop ${n(table.drop)}), ${n(table.packets)} packets, ${n(table.bytes)} bytes`,
  ]
}
