// `vrouter-io flows` and `vrouter-io bridge` against a simulator with traffic: the lists, filters,
// top-N and JSON, and reading a table file given directly.

import { execFile, spawn } from 'node:child_process'
import { join } from 'node:path'
import { promisify } from 'node:util'

import test from 'ava'

import { Ksync, Simulator, VifFlag, VifType } from '../lib/index'

async function cli(...args: string[]): Promise<string> {
  const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', join(__dirname, '..', 'lib', 'cli.ts'), ...args])
  return stdout
}

test('flows: the list, --match, --proto, --top and --json; bridge', async (t) => {
  await using sim = await Simulator.start({ flowEntries: 8192, bridgeEntries: 1024, flowHoldLimit: 0 })
  await using ksync = await Ksync.connect(sim.ksync)
  await ksync.add('vr_interface_req', { vifr_idx: 3, vifr_type: VifType.VIRTUAL, vifr_name: 'tap3', vifr_os_idx: 103, vifr_vrf: 1, vifr_nh_id: 23, vifr_flags: VifFlag.POLICY_ENABLED })
  await sim.traffic({ flows: 300, packetsPerFlow: 1 })
  await ksync.add('vr_nexthop_req', { nhr_id: 30 })
  await ksync.add('vr_route_req', { rtr_family: 7, rtr_vrf_id: 1, rtr_mac: Buffer.from([2, 0, 0, 0, 0, 9]), rtr_nh_id: 30, rtr_label: 77, rtr_label_flags: 2 })
  const endpoint = ['--endpoint', sim.ksync]

  const list = await cli('flows', ...endpoint)
  t.regex(list, /^\s*index\s+source\s+proto\s+destination\s+action/m)
  t.regex(list, /\n300 active flows of 10240 entries\n$/)
  t.regex(list, /\d+\s+\S+:\d+\s+TCP\s+172\.16\.\d+\.\d+:80\s+H\s/)

  t.regex(await cli('flows', '--proto', 'udp', ...endpoint), /\n150 active flows of/)
  t.regex(await cli('flows', '--match', '172.16.0.1:53', ...endpoint), /\n150 active flows of/)
  t.regex(await cli('flows', '--match', '10.99.0.0/16', ...endpoint), /\n0 active flows of/)
  t.regex(await cli('flows', '--top', '5', '--by', 'packets', ...endpoint), /\n300 active flows, top 5 by packets of/)

  const json = JSON.parse(await cli('flows', '--json', '--proto', 'tcp', ...endpoint)) as { index: number; key: { proto: number; dport: number }; bytes: string; actionName: string }[]
  t.is(json.length, 150)
  t.true(json.every((e) => e.key.proto === 6 && e.key.dport === 80 && e.actionName === 'HOLD' && typeof e.bytes === 'string'))

  // The same table, mapped from its file.
  t.regex(await cli('flows', '--file', sim.flowTable, '--size', String(sim.flowTableSize)), /\n300 active flows of 10240 entries\n$/)
  await t.throwsAsync(cli('flows', '--file', sim.flowTable, '--size', '1000'), { message: /ERR_TABLE_SIZE|not a whole number|below the minimum/ })

  const bridge = await cli('bridge', ...endpoint)
  t.regex(bridge, /02:00:00:00:00:09\s+1\s+VALID,LABEL_VALID\s+77\s+30\s+0/)
  t.regex(bridge, /\n1 entry of 2048\n$/)
  const bj = JSON.parse(await cli('bridge', '--json', ...endpoint)) as { mac: string; label: number }[]
  t.like(bj, [{ mac: '02:00:00:00:00:09', label: 77 }])
})

test('flows --watch lists again every interval until interrupted', async (t) => {
  await using sim = await Simulator.start({ flowEntries: 4096, flowHoldLimit: 0 })
  await using ksync = await Ksync.connect(sim.ksync)
  await ksync.add('vr_interface_req', { vifr_idx: 3, vifr_type: VifType.VIRTUAL, vifr_name: 'tap3', vifr_os_idx: 103, vifr_vrf: 1, vifr_nh_id: 23, vifr_flags: VifFlag.POLICY_ENABLED })
  await sim.traffic({ flows: 10, packetsPerFlow: 1 })
  const child = spawn(process.execPath, ['--import', 'tsx', join(__dirname, '..', 'lib', 'cli.ts'), 'flows', '--watch', '--interval', '0.1', '--json', '--endpoint', sim.ksync])
  const lines: string[] = []
  let buffered = ''
  await new Promise<void>((resolve) => {
    child.stdout.on('data', (chunk: Buffer) => {
      buffered += chunk.toString()
      const parts = buffered.split('\n')
      buffered = parts.pop()!
      lines.push(...parts)
      if (lines.length >= 3) resolve()
    })
  })
  // Traffic between two listings shows in the next one.
  await sim.traffic({ flows: 15, packetsPerFlow: 1 })
  const before = lines.length
  await new Promise<void>((resolve) => {
    const check = () => (lines.length > before + 2 ? resolve() : setTimeout(check, 20))
    check()
  })
  child.kill('SIGINT')
  const code = await new Promise<number | null>((resolve) => child.once('close', resolve))
  t.is(code, 0)
  t.is((JSON.parse(lines[0]) as unknown[]).length, 10)
  t.is((JSON.parse(lines[lines.length - 1]) as unknown[]).length, 15)
})
