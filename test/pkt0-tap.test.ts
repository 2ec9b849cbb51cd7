// pkt0 over a tap device from JavaScript, as with the Linux kernel module: Pkt0.open('tap:NAME') creates the tap (and
// reads it through a TPACKET_V3 ring), the simulator (pkt0Tap) serves pkt0 on that netdev. The agent runs in a child
// process inside a network namespace of its own (`unshare --net`), so the test creates no interface on the host.
// That needs root; without it the test says why it does not run (in CI, as root, it must run).

import { spawnSync } from 'node:child_process'
import { join } from 'node:path'

import test from 'ava'

const canNetns = spawnSync('unshare', ['--net', 'true']).status === 0
const withNetns = canNetns || process.env.CI ? test : test.skip
if (!canNetns) console.warn(`pkt0 tap test ${process.env.CI ? 'fails' : 'skipped'}: making a network namespace (unshare --net) needs root`)

const agent = `
  const { AgentCmd, decode, encode, Pkt0, SandeshOp, Simulator, VifType } = require('./lib/index')
  const { open, request } = require('./test/helpers/ksync-socket')
  ;(async () => {
    const sim = await Simulator.start({ pkt0Tap: 'vrpkt0', flowEntries: 4096, bridgeEntries: 4096 })
    const s = await open(sim.ksync)
    const add = encode('vr_interface_req', { h_op: SandeshOp.ADD, vifr_idx: 3, vifr_type: VifType.VIRTUAL, vifr_name: 'tap3', vifr_os_idx: 103, vifr_vrf: 2, vifr_nh_id: 23 })
    const [f] = await request(s, add, 1)
    const vif = decode(f.payload)[0].fields.resp_code
    s.destroy()
    const pkt0 = await Pkt0.open(sim.pkt0)
    const arp = Buffer.alloc(60)
    arp.fill(0xff, 0, 6)
    arp.writeUInt16BE(0x0806, 12)
    const injected = [sim.inject(arp, { vif: 3 }), sim.inject(arp, { vif: 3 })]
    const got = []
    for await (const p of pkt0) {
      got.push({ header: p.header, frame: p.frame.toString('hex'), rawLength: p.raw.length })
      if (got.length === 2) break
    }
    const back = await Pkt0.open(sim.pkt0)
    // Leaving the loop deleted the tap; open() made it again. The simulator takes up a new tap when it next sends on it,
    // or within its 100 ms receive poll: frames written before then are lost (as frames written to a tap vRouter has
    // not attached to are), and this test then waited for ever. A trap through the new tap makes sure it has.
    sim.inject(arp, { vif: 3 })
    await back[Symbol.asyncIterator]().next()
    back.sendSwitch(arp, 3, 2)
    back.sendRoute(arp, 3, 2)
    back.flush()
    while (sim.stats().reinjected < 2) await new Promise((r) => setTimeout(r, 5))
    const reinjected = sim.reinjected().map((r) => ({ cmd: r.cmd, ifindex: r.ifindex, vrf: r.vrf, packet: r.packet.toString('hex') }))
    await back.close()
    await sim.close()
    console.log(JSON.stringify({ endpoint: sim.pkt0, vif, injected, got, reinjected, arp: arp.toString('hex'), ARP: AgentCmd.TRAP_ARP }))
  })().catch((e) => { console.error(e); process.exit(1) })
`

withNetns('tap:NAME: traps reach the agent through the tap it created; its SWITCH and ROUTE frames are re-injected', (t) => {
  const r = spawnSync('unshare', ['--net', process.execPath, '--import', 'tsx', '-e', agent], { cwd: join(__dirname, '..'), encoding: 'utf8', timeout: 60_000 })
  t.is(r.status, 0, r.stderr)
  const out = JSON.parse(r.stdout)
  t.is(out.endpoint, 'tap:vrpkt0')
  t.is(out.vif, 0)
  t.deepEqual(out.injected, [
    { action: 'trapped', trap: 'TRAP_ARP' },
    { action: 'trapped', trap: 'TRAP_ARP' },
  ])
  t.is(out.got.length, 2)
  for (const p of out.got) {
    t.like(p.header, { cmd: out.ARP, ifindex: 3, vrf: 2 })
    t.is(p.frame, out.arp)
    t.is(p.rawLength, 44 + 60)
  }
  t.deepEqual(out.reinjected, [
    { cmd: 'CMD_SWITCH', ifindex: 3, vrf: 2, packet: out.arp },
    { cmd: 'CMD_ROUTE', ifindex: 3, vrf: 2, packet: out.arp },
  ])
})
