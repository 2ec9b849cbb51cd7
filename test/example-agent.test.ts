// The example agent (`npm start`) end to end against its embedded simulator: it configures the forwarding engine,
// answers ARP, installs the flows the traffic traps, re-injects, ages flows out, and stops cleanly with a summary.

import { spawn } from 'node:child_process'
import { join } from 'node:path'

import test from 'ava'

const root = join(__dirname, '..')

test('npm start: the example agent answers ARP and installs every trapped flow, then stops on SIGINT', async (t) => {
  const child = spawn(process.execPath, ['--import', 'tsx', 'examples/agent.ts', '--flows', '300', '--flow-age', '1'], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] })
  let out = ''
  child.stdout.on('data', (d) => (out += d))
  child.stderr.on('data', (d) => (out += d))
  // Stop once a status screen shows flows installed (the simulator's traffic drives the agent).
  await new Promise<void>((resolve) => {
    const check = () => {
      if (/flows installed [1-9]/.test(out) && /ARP answered [1-9]/.test(out)) {
        child.stdout.off('data', check)
        resolve()
      }
    }
    child.stdout.on('data', check)
  })
  child.kill('SIGINT')
  const code = await new Promise((resolve) => child.once('close', resolve))
  t.is(code, 0, out)
  const summary = out.slice(out.indexOf('summary:'))
  t.true(out.includes('summary:'), out)
  const installed = Number(/flows installed ([\d,]+)/.exec(summary)![1].replace(/,/g, ''))
  const flowMisses = Number(/TRAP_FLOW_MISS ([\d,]+)/.exec(summary)![1].replace(/,/g, ''))
  const reinjected = Number(/re-injected ([\d,]+)/.exec(summary)![1].replace(/,/g, ''))
  const stale = Number(/stale traps ([\d,]+)/.exec(summary)![1].replace(/,/g, ''))
  t.true(installed >= 300, summary)
  t.is(installed + stale, flowMisses, 'every flow miss was either installed or found stale')
  t.is(reinjected, installed)
  t.regex(summary, /ARP answered [1-9]/)
})
