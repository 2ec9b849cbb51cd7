// The embedded simulator from JavaScript: endpoints, framing per dialect, the CLI.

import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { join } from 'node:path'

import test from 'ava'

import { decode, encode, SandeshOp, Simulator } from '../lib/index'
import { open, request } from './helpers/ksync-socket'

test('serves ksync on a Unix socket and on TCP, and cleans up its folder', async (t) => {
  const sim = await Simulator.start({ tcpPort: 0 })
  t.regex(sim.ksync, /^unix:.*dpdk_netlink$/)
  t.regex(sim.ksyncTcp!, /^tcp:127\.0\.0\.1:\d+$/)
  for (const endpoint of [sim.ksync, sim.ksyncTcp!]) {
    const s = await open(endpoint)
    const frames = await request(s, encode('vr_mpls_req', { h_op: SandeshOp.GET, mr_label: 3 }), 5)
    t.is(frames.length, 1)
    t.is(frames[0].seq, 5)
    const [resp] = decode(frames[0].payload!)
    t.deepEqual(resp, { name: 'vr_response', fields: { h_op: SandeshOp.RESPONSE, resp_code: -2 } })
    s.destroy()
  }
  await sim.close()
  t.false(existsSync(sim.dir))
  await sim.close() // idempotent
})

test('kernel framing: a dump answer is MULTI messages closed by DONE', async (t) => {
  await using sim = await Simulator.start({ dialect: 'kernel' })
  const s = await open(sim.ksync)
  const frames = await request(s, encode('vr_mpls_req', { h_op: SandeshOp.DUMP, mr_marker: -1 }), 1)
  t.deepEqual(
    frames.map((f) => [f.kind, f.multi]),
    [
      ['sandesh', false],
    ],
    'an empty dump is the count alone: one message, no MULTI',
  )
  s.destroy()
})

test('vrouter-io sim serves until SIGTERM and says where', async (t) => {
  const child = spawn(process.execPath, ['--import', 'tsx', join(__dirname, '..', 'lib', 'cli.ts'), 'sim', '--tcp', '0'])
  let out = ''
  const endpoint = await new Promise<string>((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => {
      out += d
      const m = /ksync\s+(unix:\S+)/.exec(out)
      if (m) resolve(m[1])
    })
    child.once('exit', (code) => reject(new Error(`sim exited early (${code}): ${out}`)))
  })
  const s = await open(endpoint)
  const frames = await request(s, encode('vrouter_ops', { h_op: SandeshOp.GET }), 2)
  t.true(frames.length >= 1)
  s.destroy()
  child.kill('SIGTERM')
  const code = await new Promise((resolve) => child.once('exit', resolve))
  t.is(code, 0)
  t.regex(out, /stopped/)
})
