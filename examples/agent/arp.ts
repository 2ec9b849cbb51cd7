// ARP on behalf of the VMs: vRouter traps a VM's ARP request to the agent (TRAP_ARP); the agent answers for the
// addresses it knows, and sends the reply out of the asking VM's interface (AGENT_CMD_SWITCH).

const ETH_ARP = 0x0806
const ARP_REQUEST = 1
const ARP_REPLY = 2

export interface ArpRequest {
  senderMac: Buffer
  senderIp: string
  targetIp: string
}

const ip = (b: Buffer, at: number) => `${b[at]}.${b[at + 1]}.${b[at + 2]}.${b[at + 3]}`

/** The request in an Ethernet frame, or undefined for anything else (a reply, a truncated frame, not ARP). */
export function parseArpRequest(frame: Buffer): ArpRequest | undefined {
  if (frame.length < 42 || frame.readUInt16BE(12) !== ETH_ARP || frame.readUInt16BE(20) !== ARP_REQUEST) return undefined
  return { senderMac: frame.subarray(22, 28), senderIp: ip(frame, 28), targetIp: ip(frame, 38) }
}

/** The reply telling `request`'s sender that `targetIp` is at `mac`. */
export function arpReply(request: ArpRequest, mac: number[]): Buffer {
  const f = Buffer.alloc(60) // minimum Ethernet frame, zero-padded
  request.senderMac.copy(f, 0)
  Buffer.from(mac).copy(f, 6)
  f.writeUInt16BE(ETH_ARP, 12)
  Buffer.from([0, 1, 8, 0, 6, 4]).copy(f, 14) // Ethernet / IPv4, address lengths 6 and 4
  f.writeUInt16BE(ARP_REPLY, 20)
  Buffer.from(mac).copy(f, 22)
  Buffer.from(request.targetIp.split('.').map(Number)).copy(f, 28)
  request.senderMac.copy(f, 32)
  Buffer.from(request.senderIp.split('.').map(Number)).copy(f, 38)
  return f
}

/** An ARP request from `mac`/`senderIp` for `targetIp`: the simulator injects these as the VMs' traffic. */
export function arpRequest(mac: number[], senderIp: string, targetIp: string): Buffer {
  const f = Buffer.alloc(60)
  f.fill(0xff, 0, 6)
  Buffer.from(mac).copy(f, 6)
  f.writeUInt16BE(ETH_ARP, 12)
  Buffer.from([0, 1, 8, 0, 6, 4]).copy(f, 14)
  f.writeUInt16BE(ARP_REQUEST, 20)
  Buffer.from(mac).copy(f, 22)
  Buffer.from(senderIp.split('.').map(Number)).copy(f, 28)
  Buffer.from(targetIp.split('.').map(Number)).copy(f, 38)
  return f
}
