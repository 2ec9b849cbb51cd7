'use strict'
// The Windows smoke test of the Node module, run by node.exe under Wine (scripts/windows/node-smoke.sh copies it
// beside index.js, dist/ and vrouter-io.win32-x64-gnu.node):
//   1. encode -> decode of a vr_interface_req gives back its fields;
//   2. exchange() and the Ksync client over a named pipe that this process serves with node:net (Node's own pipe server, so the addon's
//      overlapped client meets an independent implementation), answered as the Windows driver frames replies; and
//      over a pipe nobody serves (ERR_ENDPOINT_NOT_FOUND);
//   3. the embedded Simulator on its named pipes (and TCP): ksync through the Ksync client (a vif, a GET of vrouter_ops), a
//      trap injected on that vif read by node:net from the pkt0 pipe, a frame written back counted as re-injected;
//      then the same through the Pkt0 class (for await over overlapped reads, sendSwitch, a second opener refused).
// Prints one line, "windows node smoke: <node.exe> <version>: PASS (…)" or "… FAIL (<reason>)", and exits 1 on failure.

const assert = require('node:assert/strict')
const net = require('node:net')

/** The facade, loaded in main() so that a native module that fails to load is reported like any failure. */
let vr

const SUMMARY = 'encode/decode, named-pipe exchange, Ksync over the pipe, the Simulator on named pipes, Pkt0 on its pipe'

function encodeDecode() {
  const fields = {
    h_op: vr.SandeshOp.ADD,
    vifr_idx: 3,
    vifr_type: vr.VifType.VIRTUAL,
    vifr_name: 'tap3',
    vifr_mtu: 1500,
    vifr_ibytes: 1n << 40n,
    vifr_mac: Uint8Array.of(0x02, 0, 0, 0, 0, 3),
  }
  const [message, ...rest] = vr.decode(vr.encode('vr_interface_req', fields))
  assert.equal(rest.length, 0, 'one message decoded')
  assert.equal(message.name, 'vr_interface_req')
  for (const [name, value] of Object.entries(fields)) {
    assert.deepEqual(message.fields[name], value, `field ${name}`)
  }
}

/** Answers each request of each frame with a vr_response and the interface, framed as the Windows driver does. */
function answer(socket) {
  let pending = Buffer.alloc(0)
  socket.on('error', () => {})
  socket.on('data', (chunk) => {
    pending = Buffer.concat([pending, chunk])
    while (pending.length >= 16 && pending.readUInt32LE(0) <= pending.length) {
      const length = Math.max(16, pending.readUInt32LE(0))
      const [request] = vr.parseFrames(pending.subarray(0, length), 'request')
      pending = pending.subarray(length)
      // Every sandesh of the frame is answered, in order, as vRouter answers a bulk frame.
      const parts = vr.decode(request.payload).map((asked) =>
        vr.encodeMany([
          { name: 'vr_response', fields: { h_op: vr.SandeshOp.RESPONSE, resp_code: 0 } },
          { name: 'vr_interface_req', fields: { vifr_idx: asked.fields.vifr_idx, vifr_name: 'tap3', vifr_ibytes: 12345n } },
        ]),
      )
      socket.write(vr.frameReplies(parts, { dialect: 'windows', familyId: request.type, seq: request.seq }))
    }
  })
}

async function pipeExchange() {
  const pipe = `\\\\.\\pipe\\vrouter-io-smoke-${process.pid}`
  const server = net.createServer(answer)
  await new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(pipe, resolve)
  })
  try {
    const get = vr.encode('vr_interface_req', { h_op: vr.SandeshOp.GET, vifr_idx: 3 })
    const request = vr.frameRequest(get, { familyId: vr.FamilyId.WINDOWS, seq: 77 })
    const replies = await vr.exchange(pipe, request, { timeoutMs: 30_000 })
    const frames = vr.parseFrames(replies)
    // A GET is answered with one message: vr_response, then the object.
    assert.deepEqual(
      frames.map((f) => [f.kind, f.seq, f.multi]),
      [['sandesh', 77, false]],
    )
    const [response, iface] = vr.decode(frames[0].payload)
    assert.equal(response.fields.resp_code, 0)
    assert.equal(iface.name, 'vr_interface_req')
    assert.equal(iface.fields.vifr_idx, 3)
    assert.equal(iface.fields.vifr_name, 'tap3')
    assert.equal(iface.fields.vifr_ibytes, 12345n)

    // The ksync client over the same pipe: one GET, then a bulk packed into frames.
    const ksync = await vr.Ksync.connect(pipe)
    try {
      const got = await ksync.get('vr_interface_req', { vifr_idx: 7 }, { timeoutMs: 30_000 })
      assert.equal(got.vifr_idx, 7)
      assert.equal(got.vifr_name, 'tap3')
      const many = await ksync.bulk(Array.from({ length: 20 }, (_, i) => ({ name: 'vr_interface_req', op: 'get', fields: { vifr_idx: i } })), {
        timeoutMs: 30_000,
      })
      assert.deepEqual(
        many.map((r) => r.ok && r.reply.objects[0].fields.vifr_idx),
        Array.from({ length: 20 }, (_, i) => i),
      )
    } finally {
      await ksync.close()
    }
  } finally {
    server.close()
  }
  // And a pipe nobody serves: the Win32 error must reach JavaScript classified.
  const missing = await vr.exchange(`${pipe}-missing`, vr.frameRequest(vr.encode('vrouter_ops', {}), { familyId: 1, seq: 1 })).then(
    () => undefined,
    (e) => e,
  )
  assert.ok(missing instanceof vr.TransportError, `a missing pipe gives a TransportError, got ${missing}`)
  assert.equal(missing.code, 'ERR_ENDPOINT_NOT_FOUND')
}

/** Resolves with the next `n` bytes read from `socket`. */
function readBytes(socket, n) {
  return new Promise((resolve, reject) => {
    let got = Buffer.alloc(0)
    const onData = (chunk) => {
      got = Buffer.concat([got, chunk])
      if (got.length >= n) {
        socket.off('data', onData)
        socket.off('error', reject)
        resolve(got)
      }
    }
    socket.on('data', onData)
    socket.once('error', reject)
  })
}

async function simulator() {
  const sim = await vr.Simulator.start({ dialect: 'windows', tcpPort: 0 })
  try {
    assert.match(sim.ksync, /^\\\\\.\\pipe\\.*-ksync$/, `ksync endpoint ${sim.ksync}`)
    assert.match(sim.pkt0, /^\\\\\.\\pipe\\.*-pkt0$/, `pkt0 endpoint ${sim.pkt0}`)
    // ksync on TCP as well (node:net as the client): an absent label is ENOENT, aligned as the Windows driver aligns.
    const m = /^tcp:127\.0\.0\.1:(\d+)$/.exec(sim.ksyncTcp)
    assert.ok(m, `TCP endpoint ${sim.ksyncTcp}`)
    const tcp = net.connect(Number(m[1]), '127.0.0.1')
    await new Promise((resolve, reject) => tcp.once('connect', resolve).once('error', reject))
    try {
      tcp.write(vr.frameRequest(vr.encode('vr_mpls_req', { h_op: vr.SandeshOp.GET, mr_label: 9 }), { familyId: 1, seq: 3 }))
      const tcpReply = vr.parseFrames(await readBytes(tcp, 56))
      assert.deepEqual(tcpReply.map((f) => [f.kind, f.seq]), [['sandesh', 3]])
      assert.equal(vr.decode(tcpReply[0].payload)[0].fields.resp_code, -2)
    } finally {
      tcp.destroy()
    }
    const ksync = await vr.Ksync.connect(sim.ksync)
    try {
      await ksync.add('vr_interface_req', { vifr_idx: 3, vifr_type: vr.VifType.VIRTUAL, vifr_name: 'tap3', vifr_os_idx: 103, vifr_vrf: 2 })
      const ops = await ksync.get('vrouter_ops', {}, { timeoutMs: 30_000 })
      assert.equal(ops.vo_interfaces, 4355)
    } finally {
      await ksync.close()
    }

    // The agent's side of pkt0, read in byte mode by node:net (messages arrive back to back).
    const agent = net.connect(sim.pkt0)
    await new Promise((resolve, reject) => agent.once('connect', resolve).once('error', reject))
    try {
      const arp = Buffer.alloc(60)
      arp.fill(0xff, 0, 6)
      arp.writeUInt16BE(0x0806, 12)
      // The simulator takes the connection on its own thread: until then a trap finds no agent and is dropped.
      for (let dropped = 0; ; ) {
        assert.deepEqual(sim.inject(arp, { vif: 3 }), { action: 'trapped', trap: 'TRAP_ARP' })
        const now = sim.stats().trapsDroppedAbsent
        if (now === dropped) break
        dropped = now
        assert.ok(dropped < 500, 'the simulator never took the pkt0 connection')
        await new Promise((r) => setTimeout(r, 10))
      }
      const frame = await readBytes(agent, 44 + 60)
      assert.equal(frame.readUInt16BE(14), 3, 'agent header: ifindex 3')
      assert.equal(frame.readUInt16BE(18), 2, 'agent header: cmd TRAP_ARP')
      assert.deepEqual(frame.subarray(44), arp)
      // A frame written back (SWITCH to vif 3) is re-injected.
      const back = Buffer.concat([Buffer.alloc(14), Buffer.alloc(30), arp])
      back.writeUInt16BE(3, 14)
      agent.write(back)
      for (let i = 0; i < 500 && sim.stats().reinjected === 0; i++) await new Promise((r) => setTimeout(r, 10))
      assert.equal(sim.stats().reinjected, 1)
      assert.equal(sim.reinjected()[0].cmd, 'CMD_SWITCH')
    } finally {
      agent.destroy()
    }
    await pkt0Channel(sim)
  } finally {
    await sim.close()
  }
}

/** The Pkt0 class on the simulator's pkt0 pipe: a trap through for await (overlapped reads), a SWITCH sent back. */
async function pkt0Channel(sim) {
  // The pipe takes one agent at a time: the previous one may still be letting go.
  let pkt0
  for (let i = 0; !pkt0; i++) {
    try {
      pkt0 = await vr.Pkt0.open(sim.pkt0)
    } catch (e) {
      if (e.code !== 'ERR_ENDPOINT_BUSY' || i > 500) throw e
      await new Promise((r) => setTimeout(r, 10))
    }
  }
  const arp = Buffer.alloc(60)
  arp.fill(0xff, 0, 6)
  arp.writeUInt16BE(0x0806, 12)
  const before = sim.stats().reinjected
  for (let dropped = sim.stats().trapsDroppedAbsent; ; ) {
    sim.inject(arp, { vif: 3 })
    const now = sim.stats().trapsDroppedAbsent
    if (now === dropped) break
    dropped = now
    await new Promise((r) => setTimeout(r, 10))
  }
  for await (const p of pkt0) {
    assert.equal(p.header.cmd, vr.AgentCmd.TRAP_ARP)
    assert.equal(p.header.ifindex, 3)
    assert.deepEqual(p.frame, arp)
    const back = await vr.Pkt0.open(sim.pkt0).catch((e) => e)
    assert.equal(back.code, 'ERR_ENDPOINT_BUSY', 'one opener at a time')
    pkt0.sendSwitch(arp, 3, 2)
    pkt0.flush()
    break
  }
  for (let i = 0; i < 500 && sim.stats().reinjected === before; i++) await new Promise((r) => setTimeout(r, 10))
  assert.equal(sim.stats().reinjected, before + 1, 'the SWITCH from Pkt0 was re-injected')
  assert.equal(pkt0.stats().delivered, 1)
}

async function main() {
  const who = `windows node smoke: ${process.execPath} ${process.version}`
  try {
    vr = require('./dist/index.js')
    encodeDecode()
    await pipeExchange()
    await simulator()
  } catch (e) {
    const reason = (e instanceof Error ? e.message : String(e)).replace(/\s+/g, ' ').slice(0, 400)
    console.log(`${who}: FAIL (${reason})`)
    if (e instanceof Error) console.log(e.stack)
    process.exitCode = 1
    return
  }
  console.log(`${who}: PASS (${SUMMARY})`)
}

main()
