// A minimal ksync exchange over node:net, for tests that check the simulator from outside
// (the library's own client is native; this one is deliberately independent of it).

import { connect, type Socket } from 'node:net'

import { frameRequest, parseFrames, type Frame } from '../../lib/index'

/** Connects to `unix:PATH` or `tcp:HOST:PORT`. */
export async function open(endpoint: string): Promise<Socket> {
  const s = endpoint.startsWith('unix:')
    ? connect(endpoint.slice(5))
    : connect(Number(endpoint.slice(endpoint.lastIndexOf(':') + 1)), endpoint.slice(4, endpoint.lastIndexOf(':')))
  await new Promise<void>((resolve, reject) => {
    s.once('connect', resolve)
    s.once('error', reject)
  })
  return s
}

/** Sends one request frame with `payload`; resolves with its reply frames (until one without MULTI, or DONE). */
export function request(s: Socket, payload: Uint8Array, seq: number): Promise<Frame[]> {
  return new Promise((resolve, reject) => {
    let buf = Buffer.alloc(0)
    const frames: Frame[] = []
    const onData = (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk])
      while (buf.length >= 16 && buf.readUInt32LE(0) <= buf.length) {
        const len = buf.readUInt32LE(0)
        const [f] = parseFrames(buf.subarray(0, len))
        buf = buf.subarray(len)
        frames.push(f)
        if (f.kind === 'done' || !f.multi) {
          s.off('data', onData)
          s.off('error', reject)
          return resolve(frames)
        }
      }
    }
    s.on('data', onData)
    s.once('error', reject)
    s.write(frameRequest(payload, { familyId: 24, seq }))
  })
}
