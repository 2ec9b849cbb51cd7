// Ethernet frames the tests inject into the simulator's datapath, as a VM behind vif 3 would send them.

/** A broadcast ARP request from 02:00:00:00:00:03. */
export function arpFrame(): Buffer {
  const f = Buffer.alloc(60)
  f.fill(0xff, 0, 6)
  Buffer.from([2, 0, 0, 0, 0, 3, 0x08, 0x06, 0, 1, 8, 0, 6, 4, 0, 1]).copy(f, 6)
  return f
}

/** A DHCP DISCOVER-shaped frame: IPv4 UDP 68 → 67. */
export function dhcpFrame(): Buffer {
  const f = Buffer.alloc(300)
  Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 2, 0, 0, 0, 0, 3, 0x08, 0x00]).copy(f, 0)
  Buffer.from([0x45, 0, 0x01, 0x1e, 0, 1, 0, 0, 64, 17, 0, 0, 0, 0, 0, 0, 255, 255, 255, 255]).copy(f, 14)
  f.writeUInt16BE(68, 34)
  f.writeUInt16BE(67, 36)
  f.writeUInt16BE(266, 38)
  return f
}

/** An IPv4 TCP SYN from 10.0.3.2:sport to 172.16.0.1:80. */
export function tcpFrame(sport: number): Buffer {
  const f = Buffer.alloc(60)
  Buffer.from([0, 0, 0x5e, 0, 1, 0, 2, 0, 0, 0, 0, 3, 0x08, 0x00]).copy(f, 0)
  Buffer.from([0x45, 0, 0, 40, 0, 1, 0x40, 0, 64, 6, 0, 0, 10, 0, 3, 2, 172, 16, 0, 1]).copy(f, 14)
  f.writeUInt16BE(sport, 34)
  f.writeUInt16BE(80, 36)
  f[46] = 0x50
  f[47] = 0x02
  return f
}
