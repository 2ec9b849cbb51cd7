// Measuring and reporting: every benchmark prints one table (ours, each peer, ratio) and
// writes bench/results/NAME.json in the shape DESIGN.md gives.

import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

export interface Row {
  case: string
  unit: string
  ours: number
  peers: Record<string, number>
  /** A physical limit measured in the same run, where the issue names one. */
  limit?: number
}

export interface Benchmark {
  name: string
  run(): Promise<Row[]>
}

/**
 * Operations per second of `fn` (which performs `opsPerCall` operations): the median of
 * `rounds` rounds of about `roundMs` each, after a warm-up that lets the JIT settle.
 */
export function opsPerSecond(fn: () => unknown, opts: { opsPerCall?: number; rounds?: number; roundMs?: number } = {}): number {
  const { opsPerCall = 1, rounds = 7, roundMs = 250 } = opts
  let sink: unknown
  // Warm-up, and a first estimate of the calls that fill a round.
  let calls = 1
  let start = process.hrtime.bigint()
  while (process.hrtime.bigint() - start < 200_000_000n) {
    for (let i = 0; i < calls; i++) sink = fn()
    calls *= 2
  }
  const perRound = Math.max(1, Math.round((calls * roundMs) / 200))
  const rates: number[] = []
  for (let r = 0; r < rounds; r++) {
    start = process.hrtime.bigint()
    for (let i = 0; i < perRound; i++) sink = fn()
    const ns = Number(process.hrtime.bigint() - start)
    rates.push((perRound * opsPerCall * 1e9) / ns)
  }
  keep(sink)
  rates.sort((a, b) => a - b)
  return rates[rates.length >> 1]
}

let kept: unknown
/** Keeps a result alive so that the JIT cannot drop the work that produced it. */
function keep(v: unknown): void {
  kept = v
}
export const lastKept = (): unknown => kept

const fmt = (n: number): string => (n >= 100 ? Math.round(n).toLocaleString('en-US') : n.toPrecision(3))

/** Prints the table; with `resultsDir`, also writes `resultsDir/NAME.json`. */
export function report(name: string, rows: Row[], resultsDir?: string): void {
  const peerNames = [...new Set(rows.flatMap((r) => Object.keys(r.peers)))]
  const header = ['case', 'unit', 'ours', ...peerNames.flatMap((p) => [p, `×${p}`]), 'limit', '% of limit']
  const lines = rows.map((r) => [
    r.case,
    r.unit,
    fmt(r.ours),
    ...peerNames.flatMap((p) => (p in r.peers ? [fmt(r.peers[p]), `${(r.ours / r.peers[p]).toFixed(2)}×`] : ['', ''])),
    r.limit === undefined ? '' : fmt(r.limit),
    r.limit === undefined ? '' : `${((100 * r.ours) / r.limit).toFixed(0)}%`,
  ])
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i].length)))
  const row = (cells: string[]) => cells.map((c, i) => (i < 2 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ')
  console.log(`\n${name} (node ${process.version})`)
  console.log(row(header))
  console.log(widths.map((w) => '-'.repeat(w)).join('  '))
  for (const l of lines) console.log(row(l))
  if (resultsDir === undefined) return
  mkdirSync(resultsDir, { recursive: true })
  writeFileSync(join(resultsDir, `${name}.json`), JSON.stringify({ benchmark: name, node: process.version, rows }, null, 2) + '\n')
}
