// `vrouter-io sim` as a user runs it: every option reaches the simulator, the banner says what is served, SIGINT
// stops it cleanly with a client still connected, and bad options exit with a message.

import { execFile, spawn, spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'

import test from 'ava'

import { decode, encode, SandeshOp, VifType } from '../lib/index'
import { open, request } from './helpers/ksync-socket'

const cli = join(__dirname, '..', 'lib', 'cli.ts')

/** Starts `vrouter-io sim ARGS`; resolves once the banner is complete, with the child and its output so far. */
async function startSim(args: string[]) {
  const child = spawn(process.execPath, ['--import', 'tsx', cli, 'sim', ...args])
  const output = { text: '' }
  child.stdout.on('data', (d: Buffer) => (output.text += d))
  child.stderr.on('data', (d: Buffer) => (output.text += d))
  await new Promise<void>((resolve, reject) => {
    const check = () => {
      // The bridge table is the last line of the banner.
      if (/bridge\s+\S+ \(/.test(output.text)) resolve()
    }
    child.stdout.on('data', check)
    child.once('close', (code) => reject(new Error(`sim exited early (${code}): ${output.text}`)))
  })
  return { child, output }
}

const codeOf = (payload: Uint8Array) => (decode(payload)[0].fields as { resp_code: number }).resp_code

test('every option reaches the simulator; SIGINT stops it with a client connected', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'vrouter-sim-cli-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const { child, output } = await startSim([
    '--dir', dir, '--dialect', 'kernel', '--tcp', '0', '--host-ifs', '0,10,100-131',
    '--flow-entries', '4096', '--bridge-entries', '1024', '--layout', '2019', '--flow-hold-limit', '5',
  ])
  const out = output.text
  t.regex(out, /kernel framing, 2019 flow layout/)
  t.true(out.includes(`ksync   unix:${join(dir, 'dpdk_netlink')}`), out)
  const tcp = /ksync\s+(tcp:127\.0\.0\.1:\d+)/.exec(out)?.[1]
  t.truthy(tcp, out)
  t.true(out.includes(`pkt0    unix:${join(dir, 'agent_pkt0')}`), out)
  t.regex(out, new RegExp(`flow\\s+${join(dir, 'flow.shmem')} \\(${(4096 + 1024) * 256} bytes`))
  t.regex(out, new RegExp(`bridge\\s+${join(dir, 'bridge.shmem')} \\(${(1024 + 1024) * 64} bytes`))
  t.is(statSync(join(dir, 'flow.shmem')).size, (4096 + 1024) * 256)

  // Over TCP: the host-interface list is enforced, and replies are framed as the kernel frames them.
  const s = await open(tcp!)
  const vif = (idx: number, osIdx: number) =>
    encode('vr_interface_req', { h_op: SandeshOp.ADD, vifr_idx: idx, vifr_type: VifType.VIRTUAL, vifr_name: `tap${idx}`, vifr_os_idx: osIdx })
  t.is(codeOf((await request(s, vif(3, 101), 1))[0].payload!), 0)
  t.is(codeOf((await request(s, vif(4, 99), 2))[0].payload!), -19, 'os index 99 is not a host interface: ENODEV')
  const dump = await request(s, encode('vr_interface_req', { h_op: SandeshOp.DUMP, vifr_marker: -1 }), 3)
  t.deepEqual(dump.map((f) => [f.kind, f.multi]), [['sandesh', true], ['sandesh', true], ['done', false]], 'MULTI on all, then DONE')
  const ops = await request(s, encode('vrouter_ops', { h_op: SandeshOp.GET }), 4)
  t.like(decode(ops[0].payload!)[1], { name: 'vrouter_ops', fields: { vo_flow_entries: 4096, vo_flow_hold_limit: 5 } })

  // A client still connected when the signal comes: the simulator closes it and exits 0.
  const closed = new Promise<void>((resolve) => s.once('close', () => resolve()))
  s.on('error', () => {})
  child.kill('SIGINT')
  const code = await new Promise((resolve) => child.once('close', resolve))
  t.is(code, 0, output.text)
  await closed
  t.regex(output.text, /vrouter-io sim: stopped \(4 ksync requests/)
  t.true(existsSync(dir), 'a folder given with --dir stays')
  t.false(existsSync(join(dir, 'dpdk_netlink')), 'its endpoints and table files go')
  t.false(existsSync(join(dir, 'flow.shmem')))
})

test('bad options exit with a message and status 1', async (t) => {
  const run = async (...args: string[]) => {
    try {
      await promisify(execFile)(process.execPath, ['--import', 'tsx', cli, 'sim', ...args])
      return { code: 0, stderr: '' }
    } catch (e) {
      return e as { code: number; stderr: string }
    }
  }
  const cases: Array<[string[], RegExp]> = [
    [['--layout', '2020'], /unknown layout 2020/],
    [['--dialect', 'bsd'], /unknown dialect bsd/],
    [['--flow-entries', 'many'], /--flow-entries takes a whole number/],
    [['--tcp', '70000'], /--tcp takes a port/],
    [['--host-ifs', '5-'], /host/i],
    [['--verbose'], /unknown option --verbose/],
    [['--dir'], /--dir needs a value/],
  ]
  for (const [args, message] of cases) {
    const r = await run(...args)
    t.is(r.code, 1, args.join(' '))
    t.regex(r.stderr, message, args.join(' '))
  }
})

const canNetns = spawnSync('unshare', ['--net', 'true']).status === 0
const withNetns = canNetns || process.env.CI ? test : test.skip

withNetns('--pkt0-tap serves pkt0 on the agent\'s tap, in a network namespace of its own', async (t) => {
  // The simulator (and so the tap it waits for) lives in a namespace of its own: nothing appears on the host.
  const child = spawn('unshare', ['--net', process.execPath, '--import', 'tsx', cli, 'sim', '--dialect', 'kernel', '--pkt0-tap', 'pkt0test', '--flow-entries', '1024', '--bridge-entries', '1024'])
  let out = ''
  child.stdout.on('data', (d: Buffer) => (out += d))
  child.stderr.on('data', (d: Buffer) => (out += d))
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', () => /bridge\s+\S+ \(/.test(out) && resolve())
    child.once('close', (code) => reject(new Error(`sim exited early (${code}): ${out}`)))
  })
  t.regex(out, /pkt0\s+tap:pkt0test\n/)
  child.kill('SIGINT')
  t.is(await new Promise((resolve) => child.once('close', resolve)), 0, out)
})
