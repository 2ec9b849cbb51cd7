// The simulator's own measurements (what bench/sim reports): every request answered, every trap accounted for.

import test from 'ava'

import { encode, exchange, frameRequest, SandeshOp, Simulator, VifFlag, VifType } from '../lib/index'

test('measureKsync: every pipelined request is answered, over a connection and in process', async (t) => {
  await using sim = await Simulator.start({ flowEntries: 4096 })
  const over = await sim.measureKsync({ frames: 2000 })
  t.is(over.requests, 2000)
  t.true(over.requestsPerSecond > 0)
  const bulk = await sim.measureKsync({ frames: 100, perFrame: 16, label: 7 })
  t.is(bulk.requests, 1600, 'an absent label is answered too (ENOENT)')
  const direct = await sim.measureKsync({ frames: 2000, inProcess: true })
  t.is(direct.requests, 2000)
  t.is(sim.stats().requestsServed, 2000 + 100 + 2000, 'the service counted every frame')
})

test('measureTraps: each new flow traps once; what the socket took, the agent received', async (t) => {
  await using sim = await Simulator.start({ flowEntries: 65536, flowHoldLimit: 0 })
  const vif = encode('vr_interface_req', {
    h_op: SandeshOp.ADD, vifr_idx: 3, vifr_type: VifType.VIRTUAL, vifr_name: 'tap3', vifr_os_idx: 103, vifr_flags: VifFlag.POLICY_ENABLED,
  })
  await exchange(sim.ksync, frameRequest(vif, { familyId: 24, seq: 1 }))
  const m = await sim.measureTraps({ flows: 5000 })
  t.is(m.trapped, 5000)
  t.true(m.sent > 0 && m.sent <= 5000)
  t.is(m.received, m.sent, 'every frame the socket took reached the reading agent')
  t.is(sim.stats().flowsCreated, 5000)
  const again = await sim.measureTraps({ flows: 5000, readingAgent: false })
  t.is(again.trapped, 0, 'the same flows do not trap twice')
  t.is(again.received, 0)

  const socket = await sim.measurePkt0Socket(3000, 100)
  t.like(socket, { sent: 3000, received: 3000 }, 'a sender that waits for room loses nothing')
})
