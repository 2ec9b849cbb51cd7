// `npm run bench` runs every benchmark; `npm run bench -- NAME` runs one.

import { report, type Benchmark } from './harness'
import { codec } from './codec'
import { ksync } from './ksync'
import { pkt0 } from './pkt0'
import { sim } from './sim'

const all: Benchmark[] = [codec, ksync, sim, pkt0]

async function main(): Promise<void> {
  const wanted = process.argv.slice(2)
  const unknown = wanted.filter((w) => !all.some((b) => b.name === w))
  if (unknown.length > 0) {
    console.error(`unknown benchmark ${unknown.join(', ')}; there are: ${all.map((b) => b.name).join(', ')}`)
    process.exit(2)
  }
  for (const b of all.filter((b) => wanted.length === 0 || wanted.includes(b.name))) report(b.name, await b.run())
}

main().catch((e) => {
  console.error(e)
  process.exit(1)
})
