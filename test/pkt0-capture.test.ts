// pkt0 capture to classic pcap, read back with tshark (Debian package `tshark`): the library's capture() and the
// `vrouter-io pkt0 capture -w FILE` command, against the simulator.

import { execFileSync, spawn, spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import test from 'ava'

import { AgentCmd, decode, encode, Pkt0, SandeshOp, Simulator, VifType } from '../lib/index'
import { arpFrame } from './helpers/frames'
import { open, request } from './helpers/ksync-socket'

const haveTshark = spawnSync('tshark', ['--version']).status === 0
// In CI tshark is installed (.ci/run); elsewhere say why the tests do not run rather than failing.
const withTshark = haveTshark || process.env.CI ? test : test.skip
if (!haveTshark) console.warn(`pkt0 capture tests ${process.env.CI ? 'fail' : 'skipped'}: tshark is not installed (apt-get install tshark)`)

async function simWithVif(): Promise<Simulator> {
  const sim = await Simulator.start({ flowEntries: 4096, bridgeEntries: 4096 })
  const s = await open(sim.ksync)
  const req = encode('vr_interface_req', { h_op: SandeshOp.ADD, vifr_idx: 4, vifr_type: VifType.VIRTUAL, vifr_name: 'tap4', vifr_os_idx: 104, vifr_vrf: 1, vifr_nh_id: 24 })
  const [f] = await request(s, req, 1)
  if ((decode(f.payload!)[0].fields as { resp_code: number }).resp_code !== 0) throw new Error('vif add failed')
  s.destroy()
  return sim
}

/** The length of every record tshark reads from `file` (matching the display filter, if given). */
function records(file: string, filter?: string): Array<{ len: number }> {
  const args = ['-r', file, '-T', 'fields', '-e', 'frame.len']
  if (filter) args.push('-Y', filter)
  const out = execFileSync('tshark', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim()
  return out === '' ? [] : out.split('\n').map((l) => ({ len: Number(l) }))
}

function count(file: string, filter: string): number {
  return records(file, filter).length
}

async function until(cond: () => boolean): Promise<void> {
  while (!cond()) await new Promise((r) => setTimeout(r, 5))
}

withTshark('capture() writes both directions as pcap that tshark reads, agent header bytes included', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'pkt0-pcap-'))
  const file = join(dir, 'pkt0.pcap')
  const sim = await simWithVif()
  await using pkt0 = await Pkt0.open(sim.pkt0)
  const capture = pkt0.capture(file)
  sim.inject(arpFrame(), { vif: 4 })
  sim.inject(arpFrame(), { vif: 4 })
  await until(() => pkt0.stats().received === 2)
  pkt0.sendSwitch(arpFrame(), 4, 1)
  pkt0.flush()
  t.is(await capture.close(), 3)
  // Frames captured after close are not in the file.
  sim.inject(arpFrame(), { vif: 4 })

  const all = records(file)
  t.deepEqual(
    all.map((r) => r.len),
    [104, 104, 104],
  )
  // Agent header at offset 14: ifindex 4, vrf 1, then the command (network byte order).
  t.is(count(file, `frame[14:6] == 00:04:00:01:00:${AgentCmd.TRAP_ARP.toString(16).padStart(2, '0')}`), 2, 'two ARP traps from vif 4')
  t.is(count(file, 'frame[14:6] == 00:04:00:01:00:00 && frame[0:6] == 00:00:00:00:00:02 && frame[6:6] == 00:00:00:00:00:01'), 1, 'one SWITCH as the agent writes it')
  t.is(count(file, 'eth.type == 0x0800'), 3)
  t.is(count(file, `frame[44:60] == ${arpFrame().toString('hex').match(/../g)!.join(':')}`), 3, 'the packet follows the 44 header bytes')
  await sim.close()
  rmSync(dir, { recursive: true, force: true })
})

withTshark('vrouter-io pkt0 capture -w FILE --count N writes the traps it receives', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'pkt0-cli-'))
  const file = join(dir, 'cli.pcap')
  const sim = await simWithVif()
  const cli = spawn(process.execPath, ['--import', 'tsx', join(__dirname, '..', 'lib', 'cli.ts'), 'pkt0', 'capture', '-w', file, '--endpoint', sim.pkt0, '--count', '5'], {
    stdio: ['ignore', 'ignore', 'pipe'],
  })
  let stderr = ''
  cli.stderr.on('data', (d) => (stderr += d))
  const exited = new Promise<number | null>((resolve) => cli.on('exit', resolve))
  // Inject once the command says it captures (it has bound the agent's socket by then).
  await until(() => stderr.includes('capturing'))
  for (let i = 0; i < 5; i++) sim.inject(arpFrame(), { vif: 4 })
  t.is(await exited, 0, stderr)
  t.regex(stderr, /5 frames written/)
  t.is(count(file, `frame[18:2] == 00:${AgentCmd.TRAP_ARP.toString(16).padStart(2, '0')}`), 5)
  await sim.close()
  rmSync(dir, { recursive: true, force: true })
})

test('vrouter-io pkt0 rejects a missing -w and unknown subcommands', (t) => {
  const cli = (args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', join(__dirname, '..', 'lib', 'cli.ts'), ...args], { encoding: 'utf8' })
  const noFile = cli(['pkt0', 'capture', '--endpoint', 'unix:/nonexistent/agent_pkt0'])
  t.is(noFile.status, 1)
  t.regex(noFile.stderr, /-w FILE is required/)
  const unknown = cli(['pkt0', 'replay'])
  t.regex(unknown.stderr, /unknown pkt0 command "replay"/)
  t.regex(cli(['pkt0', '--help']).stdout, /pkt0 capture -w FILE/)
})
