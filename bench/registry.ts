// Every benchmark, loaded on demand: `npm run bench` and `vrouter-io bench` pick from this list, and a benchmark whose
// peers are not installed (the thrift codec is a development dependency) fails to load alone.

import type { Benchmark } from './harness'

export interface BenchmarkEntry {
  name: string
  /** What it measures, for listings. */
  summary: string
  load(): Promise<Benchmark>
}

export const benchmarks: BenchmarkEntry[] = [
  { name: 'codec', summary: 'Sandesh encode and decode against the thrift codec', load: async () => (await import('./codec')).codec },
  { name: 'ksync', summary: 'bulk and single ksync requests against a pure-Node client', load: async () => (await import('./ksync')).ksync },
  { name: 'sim', summary: "the simulator's own ksync and trap rates", load: async () => (await import('./sim')).sim },
  { name: 'pkt0', summary: 'packets into a for-await loop and out, against a native receive loop', load: async () => (await import('./pkt0')).pkt0 },
  { name: 'tables', summary: 'flow-table scans, active entries, lookups and snapshots, against pure JavaScript and memcpy', load: async () => (await import('./tables')).tables },
]
