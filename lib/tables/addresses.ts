// Addresses between their text and their bytes: IPv4 keys parsed for the native lookups, the
// columns' 16-byte addresses and 6-byte MACs written as text, MACs parsed for bridge lookups.

/** `a.b.c.d` as a host-order integer, or −1 when the string is not a dotted-quad IPv4 address. */
export function ipv4Number(s: string): number {
  let value = 0
  let part = 0
  let digits = 0
  let dots = 0
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i)
    if (c === 46) {
      if (digits === 0 || ++dots > 3) return -1
      value = value * 256 + part
      part = 0
      digits = 0
    } else if (c >= 48 && c <= 57 && digits < 3) {
      part = part * 10 + (c - 48)
      if (part > 255) return -1
      digits++
    } else {
      return -1
    }
  }
  if (dots !== 3 || digits === 0) return -1
  return value * 256 + part
}

export function ipv4(a: Uint8Array, o: number): string {
  return `${a[o]}.${a[o + 1]}.${a[o + 2]}.${a[o + 3]}`
}

export function ipv6(a: Uint8Array, o: number): string {
  const groups: string[] = []
  for (let i = 0; i < 16; i += 2) groups.push(((a[o + i] << 8) | a[o + i + 1]).toString(16))
  // The longest run of zero groups (two or more) becomes '::', as RFC 5952 writes it.
  let best = -1
  let bestLen = 1
  for (let i = 0; i < 8; ) {
    if (groups[i] !== '0') {
      i++
      continue
    }
    let j = i
    while (j < 8 && groups[j] === '0') j++
    if (j - i > bestLen) [best, bestLen] = [i, j - i]
    i = j
  }
  if (best < 0) return groups.join(':')
  return `${groups.slice(0, best).join(':')}::${groups.slice(best + bestLen).join(':')}`
}

export function macOf(a: Uint8Array, o: number): string {
  let s = ''
  for (let i = 0; i < 6; i++) s += (i ? ':' : '') + a[o + i].toString(16).padStart(2, '0')
  return s
}

export function parseMac(mac: string): Uint8Array {
  const parts = mac.split(/[:-]/)
  if (parts.length !== 6 || parts.some((p) => !/^[0-9a-f]{1,2}$/i.test(p))) throw new TypeError(`${JSON.stringify(mac)} is not a MAC address`)
  return Uint8Array.from(parts.map((p) => parseInt(p, 16)))
}
