// `vrouter-io bench`: the benchmarks, against the embedded simulator, printed as comparison tables. They ship compiled
// in dist/bench (built from bench/); a benchmark whose peer is a development dependency says so instead of running.

import { existsSync } from 'node:fs'
import { join } from 'node:path'

import type { Command } from './command'

/** The shape of dist/bench/registry.js and dist/bench/harness.js (bench/ is compiled apart from lib/). */
interface Registry {
  benchmarks: Array<{ name: string; summary: string; load(): Promise<{ run(): Promise<unknown[]> }> }>
}
interface Harness {
  report(name: string, rows: unknown[], resultsDir?: string): void
}

/** dist/bench beside dist/cli in a build; bench/ at the top of a source checkout (run through tsx). */
const benchDir = [join(__dirname, '..', 'bench'), join(__dirname, '..', '..', 'bench')].find((d) => existsSync(join(d, 'registry.js')) || existsSync(join(d, 'registry.ts')))

function load<T>(module: string): T {
  if (benchDir === undefined) throw new Error('the benchmarks are not part of this installation (no dist/bench)')
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require(join(benchDir, module)) as T
}

export const benchCommand: Command = {
  name: 'bench',
  summary: 'run the benchmarks against the embedded simulator',
  help: [
    'usage: vrouter-io bench [NAME...] [--out DIR] [--list]',
    '',
    'Runs the named benchmarks (all without names) against a simulator started for each, and prints one table',
    'per benchmark: our figure, each peer measured in the same run, the ratio, and the physical limit where there',
    'is one. "tables" is the flow-table read benchmark: scans, active entries, lookups and snapshots of a',
    "vRouter-sized table (629,760 entries, half active) against pure JavaScript and memcpy.",
    '',
    '  --out DIR   also write DIR/NAME.json per benchmark',
    '  --list      list the benchmarks',
    '',
    'codec and ksync compare against the thrift codec, a development dependency: in an installed package they run',
    'after `npm install thrift`.',
  ].join('\n'),
  async run(args) {
    const { benchmarks } = load<Registry>('registry')
    const { report } = load<Harness>('harness')
    if (args.includes('--list')) {
      const width = Math.max(...benchmarks.map((b) => b.name.length))
      for (const b of benchmarks) console.log(`${b.name.padEnd(width)}  ${b.summary}`)
      return 0
    }
    const at = args.indexOf('--out')
    const out = at >= 0 ? args[at + 1] : undefined
    if (at >= 0 && (out === undefined || out.startsWith('--'))) throw new Error('--out needs a folder')
    const names = args.filter((a, i) => !a.startsWith('--') && (at < 0 || i !== at + 1))
    const unknown = names.filter((n) => !benchmarks.some((b) => b.name === n))
    if (unknown.length > 0) throw new Error(`unknown benchmark ${unknown.join(', ')}; there are: ${benchmarks.map((b) => b.name).join(', ')}`)
    let failed = 0
    for (const entry of benchmarks.filter((b) => names.length === 0 || names.includes(b.name))) {
      let benchmark
      try {
        benchmark = await entry.load()
      } catch (e) {
        const missing = /Cannot find module '([^']+)'/.exec((e as Error).message)?.[1]
        console.log(`\n${entry.name}: not run — ${missing ? `its peer needs ${missing} (npm install ${missing})` : (e as Error).message}`)
        if (!missing) failed++
        continue
      }
      report(entry.name, await benchmark.run(), out)
    }
    return failed > 0 ? 1 : 0
  },
}
