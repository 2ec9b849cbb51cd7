// `npm run bench` runs every benchmark; `npm run bench -- NAME` runs one. Results also go to bench/results/NAME.json.

import { join } from 'node:path'

import { report } from './harness'
import { benchmarks } from './registry'

async function main(): Promise<void> {
  const wanted = process.argv.slice(2)
  const unknown = wanted.filter((w) => !benchmarks.some((b) => b.name === w))
  if (unknown.length > 0) {
    console.error(`unknown benchmark ${unknown.join(', ')}; there are: ${benchmarks.map((b) => b.name).join(', ')}`)
    process.exit(2)
  }
  for (const b of benchmarks.filter((b) => wanted.length === 0 || wanted.includes(b.name))) {
    report(b.name, await (await b.load()).run(), join(__dirname, 'results'))
  }
}

main().catch((e) => {
  console.error(e)
  process.exit(1)
})
