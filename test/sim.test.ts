// The embedded simulator from JavaScript: endpoints, framing per dialect, the CLI.

import { spawn } from 'node:child_process'
import { existsSync, readFileSync, statSync } from 'node:fs'
import type { Socket } from 'node:net'
import { join } from 'node:path'

import test from 'ava'

import { decode, encode, FlowOp, SandeshOp, Simulator, VifFlag, VifType } from '../lib/index'
import { tcpFrame } from './helpers/frames'
import { open, request } from './helpers/ksync-socket'

/** Adds a VIRTUAL vif over ksync; resolves with the response code. */
async function addVif(s: Socket, idx: number, flags: number, osIdx = 100 + idx): Promise<number> {
  const req = encode('vr_interface_req', {
    h_op: SandeshOp.ADD,
    vifr_idx: idx,
    vifr_type: VifType.VIRTUAL,
    vifr_name: `tap${idx}`,
    vifr_os_idx: osIdx,
    vifr_vrf: 1,
    vifr_nh_id: 20 + idx,
    vifr_flags: flags,
  })
  const [f] = await request(s, req, idx)
  const [resp] = decode(f.payload!)
  return (resp.fields as { resp_code: number }).resp_code
}

/** Flow entries with fe_flags ACTIVE (offset 88 in the 2024 layout), read from the file as `flow -l` does. */
function activeFlows(path: string): number[] {
  const bytes = readFileSync(path)
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const active: number[] = []
  for (let i = 0; i < bytes.byteLength / 256; i++) if (view.getUint16(i * 256 + 88, true) & 1) active.push(i)
  return active
}

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
      // The bridge table is the last line of the banner.
      if (m && /bridge\s+\S+ \(/.test(out)) resolve(m[1])
    })
    child.once('close', (code) => reject(new Error(`sim exited early (${code}): ${out}`)))
  })
  t.regex(out, /pkt0\s+unix:\S+agent_pkt0/)
  t.regex(out, /flow\s+\S+flow\.shmem \(161218560 bytes/)
  t.regex(out, /bridge\s+\S+bridge\.shmem \(20185088 bytes/)
  const s = await open(endpoint)
  const frames = await request(s, encode('vrouter_ops', { h_op: SandeshOp.GET }), 2)
  t.true(frames.length >= 1)
  s.destroy()
  child.kill('SIGTERM')
  const code = await new Promise((resolve) => child.once('close', resolve))
  t.is(code, 0)
  t.regex(out, /stopped/)
})

test('start options: table geometry, layout, host interfaces; the files and pkt0 are where it says', async (t) => {
  await using sim = await Simulator.start({ flowEntries: 4096, bridgeEntries: 1024, layout: '2019', hostIfs: [0, 10, '100-131'] })
  t.is(sim.flowTableSize, (4096 + 1024) * 256)
  t.is(sim.bridgeTableSize, (1024 + 1024) * 64)
  t.is(statSync(sim.flowTable).size, sim.flowTableSize)
  t.is(statSync(sim.bridgeTable).size, sim.bridgeTableSize)
  t.is(sim.pkt0, `unix:${join(sim.dir, 'agent_pkt0')}`)
  t.true(existsSync(join(sim.dir, 'dpdk_pkt0')))

  const s = await open(sim.ksync)
  t.is(await addVif(s, 3, 0, 101), 0)
  t.is(await addVif(s, 4, 0, 99), -19, 'os index 99 is not a host interface: ENODEV')
  const [f] = await request(s, encode('vr_flow_table_data', { ftable_op: FlowOp.FLOW_TABLE_GET }), 9)
  const [resp, data] = decode(f.payload!)
  t.is((resp.fields as { resp_code: number }).resp_code, 0)
  t.like(data, { name: 'vr_flow_table_data', fields: { ftable_size: sim.flowTableSize, ftable_file_path: sim.flowTable, ftable_cpus: 1 } })
  s.destroy()
  t.is(sim.stats().requestsServed, 3)

  await sim.close()
  t.false(existsSync(sim.flowTable), 'the table files go with the simulator')
})

test('traffic creates flows visible in the table file, and counts traps with no agent bound', async (t) => {
  await using sim = await Simulator.start({ flowEntries: 65536, flowHoldLimit: 0 })
  const s = await open(sim.ksync)
  t.is(await addVif(s, 3, VifFlag.POLICY_ENABLED), 0)
  t.is(await addVif(s, 4, VifFlag.POLICY_ENABLED), 0)
  s.destroy()

  const r = await sim.traffic({ flows: 5000, packetsPerFlow: 2 })
  t.like(r, { packets: 10000, trapped: 5000, held: 5000, dropped: 0, trapsSent: 0, trapsDropped: 5000, stopped: false })
  t.is(activeFlows(sim.flowTable).length, 5000)
  t.like(sim.stats(), { flowsCreated: 5000, flowsActive: 5000, trapsSent: 0, trapsDropped: 5000, trapsDroppedAbsent: 5000 })
  await t.throwsAsync(sim.traffic({ flows: 1, vif: 77 }), { message: /no interface with index 77/ })
})

test('inject: ARP and a new flow trap; the HOLD entry is in the file with its gen id', async (t) => {
  await using sim = await Simulator.start({ flowEntries: 4096 })
  const s = await open(sim.ksync)
  t.is(await addVif(s, 3, VifFlag.POLICY_ENABLED), 0)
  s.destroy()

  const arp = Buffer.alloc(60)
  arp.writeUInt16BE(0x0806, 12)
  t.deepEqual(sim.inject(arp, { vif: 3 }), { action: 'trapped', trap: 'TRAP_ARP' })

  const miss = sim.inject(tcpFrame(40000), { vif: 3 })
  t.like(miss, { action: 'trapped', trap: 'TRAP_FLOW_MISS', genId: 1, nh: 23 })
  const bytes = readFileSync(sim.flowTable)
  const e = new DataView(bytes.buffer, bytes.byteOffset + miss.flowIndex! * 256, 256)
  t.is(e.getUint16(88, true), 0x0001, 'ACTIVE')
  t.is(e.getUint16(92, true), 1, 'action HOLD')
  t.is(e.getUint8(69), 1, 'gen id')
  t.is(e.getUint32(108, true), 1, 'one packet counted')

  t.like(sim.inject(tcpFrame(40000), { vif: 3 }), { action: 'held', flowIndex: miss.flowIndex })
  t.like(sim.stats(), { trapsSent: 0, trapsDropped: 2, flowsActive: 1, reinjected: 0 })
  t.deepEqual(sim.reinjected(), [])
  t.throws(() => sim.inject(arp, { vif: 9 }), { message: /no interface with index 9/ })
  await sim.close()
  t.throws(() => sim.stats(), { message: /closed/ })
})
