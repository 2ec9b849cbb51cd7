// The `vrouter-io` command, run as a user runs it (a separate process).

import { execFile } from 'node:child_process'
import { join } from 'node:path'
import { promisify } from 'node:util'

import test from 'ava'

import { Ksync, NhType, Simulator } from '../lib/index'

const run = async (...args: string[]) => {
  try {
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', join(__dirname, '..', 'lib', 'cli.ts'), ...args])
    return { code: 0, stdout, stderr: '' }
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string }
    return { code: err.code, stdout: err.stdout, stderr: err.stderr }
  }
}

test('encode prints vRouter bytes; decode reads them back', async (t) => {
  const enc = await run('encode', 'vr_mpls_req', '{"h_op": 3, "mr_marker": -1}')
  t.is(enc.stdout.trim(), '0000000b76725f6d706c735f7265710800010000000308000200000000060003000008000400000000080005ffffffff00')
  const dec = await run('decode', enc.stdout.trim())
  t.deepEqual(JSON.parse(dec.stdout), [{ name: 'vr_mpls_req', fields: { h_op: 3, mr_label: 0, mr_rid: 0, mr_nhid: 0, mr_marker: -1 } }])
})

test('frames takes a captured request apart', async (t) => {
  const frame = '4900000000000100000000000000000001000000350001000000000b76725f6d706c735f7265710800010000000308000200000000060003000008000400000000080005ffffffff00'
  const out = JSON.parse((await run('frames', frame, '--request')).stdout)
  t.is(out[0].length, 73)
  t.is(out[0].messages[0].name, 'vr_mpls_req')
})

test('help, unknown commands and bad input exit with the right codes', async (t) => {
  t.regex((await run('--help')).stdout, /decode.*\n.*encode/s)
  t.regex((await run('encode', '--help')).stdout, /usage: vrouter-io encode/)
  const unknown = await run('nonsense')
  t.is(unknown.code, 2)
  t.regex(unknown.stderr, /unknown command/)
  const bad = await run('decode', 'zz')
  t.is(bad.code, 1)
  t.regex(bad.stderr, /expected hex/)
  const badField = await run('encode', 'vr_mpls_req', '{"nope": 1}')
  t.regex(badField.stderr, /vr_mpls_req has no field nope/)
})

test('dump, get, ops and drop-stats read vRouter over ksync', async (t) => {
  await using sim = await Simulator.start({ flowEntries: 4096, bridgeEntries: 4096 })
  await using k = await Ksync.connect(sim.ksync)
  await k.add('vr_nexthop_req', { nhr_id: 10, nhr_type: NhType.DISCARD, nhr_family: 2, nhr_flags: 1 })
  await k.bulk([3, 4, 5].map((l) => ({ name: 'vr_mpls_req' as const, op: 'add' as const, fields: { mr_label: l, mr_nhid: 10 } })))
  const at = ['--endpoint', sim.ksync]
  const mpls = await run('dump', 'mpls', ...at)
  t.regex(mpls.stdout, /label\s+nh\n\s+3\s+10\n\s+4\s+10\n\s+5\s+10/)
  t.deepEqual(
    JSON.parse((await run('dump', 'mpls', '--json', ...at)).stdout).map((m: { mr_label: number }) => m.mr_label),
    [3, 4, 5],
  )
  const nh = JSON.parse((await run('get', 'vr_nexthop_req', '{"nhr_id": 10}', ...at)).stdout)
  t.is(nh[0].fields.nhr_id, 10)
  t.regex((await run('ops', ...at)).stdout, /vo_flow_entries\s+4096/)
  t.regex((await run('drop-stats', ...at)).stdout, /no drops/)
  const absent = await run('get', 'vr_mpls_req', '{"mr_label": 99}', ...at)
  t.is(absent.code, 1)
  t.regex(absent.stderr, /ENOENT/)
  t.regex((await run('dump', 'routes', '--family', 'inet6', ...at)).stdout, /prefix\s+nh/)
})

test('bench lists the benchmarks and refuses unknown ones', async (t) => {
  const list = await run('bench', '--list')
  t.is(list.code, 0)
  for (const name of ['codec', 'ksync', 'sim', 'pkt0', 'tables']) t.regex(list.stdout, new RegExp(`^${name} `, 'm'))
  const unknown = await run('bench', 'nosuch')
  t.is(unknown.code, 1)
  t.regex(unknown.stderr, /unknown benchmark nosuch; there are: codec, ksync/)
})

test('every command listed by --help has its own --help', async (t) => {
  const list = (await run('--help')).stdout
  const names = [...list.matchAll(/^ {2}(\S+) {2,}/gm)].map((m) => m[1])
  t.true(names.length >= 12, list)
  for (const name of names) {
    const help = await run(name, '--help')
    t.is(help.code, 0, name)
    t.regex(help.stdout, new RegExp(`usage: vrouter-io ${name}`), name)
  }
})
