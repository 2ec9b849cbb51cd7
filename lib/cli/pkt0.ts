// `vrouter-io pkt0 capture`: open pkt0 as the agent does and write what crosses it to a classic pcap file.

import { defaultPkt0Endpoint, Pkt0 } from '../pkt0'
import type { Command } from './command'

const help = [
  'usage: vrouter-io pkt0 capture -w FILE [--endpoint ENDPOINT] [--count N] [--duration SECONDS]',
  '',
  'Opens pkt0 as the agent does (it takes the agent\'s place: run it where no agent holds the channel) and writes',
  'every frame received to FILE as classic pcap (linktype Ethernet): each record the whole pkt0 frame, outer',
  'Ethernet header and 30-byte agent header included. Stops after N frames, after SECONDS, or on SIGINT/SIGTERM,',
  'then prints what it saw.',
  '',
  '  -w FILE              the pcap file to write (replaced)',
  `  --endpoint ENDPOINT  unix:PATH (DPDK: the agent's socket, …/agent_pkt0) or tap:NAME (default here: ${defaultPkt0Endpoint()})`,
  '  --count N            stop after N frames',
  '  --duration SECONDS   stop after this long',
].join('\n')

function parse(args: string[]): { file: string; endpoint: string; count?: number; duration?: number } {
  let file: string | undefined
  let endpoint = defaultPkt0Endpoint()
  let count: number | undefined
  let duration: number | undefined
  for (let i = 0; i < args.length; i += 2) {
    const [name, value] = [args[i], args[i + 1]]
    if (value === undefined) throw new Error(`${name} needs a value`)
    if (name === '-w') file = value
    else if (name === '--endpoint') endpoint = value
    else if (name === '--count') {
      if (!/^\d+$/.test(value) || Number(value) === 0) throw new Error(`--count takes a positive whole number, not ${value}`)
      count = Number(value)
    } else if (name === '--duration') {
      if (!(Number(value) > 0)) throw new Error(`--duration takes a positive number of seconds, not ${value}`)
      duration = Number(value)
    } else throw new Error(`unknown option ${name}; see vrouter-io pkt0 --help`)
  }
  if (file === undefined) throw new Error('-w FILE is required')
  return { file, endpoint, count, duration }
}

export const pkt0Command: Command = {
  name: 'pkt0',
  summary: 'capture the pkt0 channel to a pcap file (pkt0 capture -w FILE)',
  help,
  async run(args) {
    const [sub, ...rest] = args
    if (sub !== 'capture') throw new Error(`unknown pkt0 command ${JSON.stringify(sub ?? '')}; see vrouter-io pkt0 --help`)
    const { file, endpoint, count, duration } = parse(rest)
    const ac = new AbortController()
    const stop = () => ac.abort()
    process.once('SIGINT', stop)
    process.once('SIGTERM', stop)
    const timer = duration === undefined ? undefined : setTimeout(stop, duration * 1000)
    let frames = 0
    try {
      const pkt0 = await Pkt0.open(endpoint, { signal: ac.signal })
      const capture = pkt0.capture(file)
      console.error(`capturing ${endpoint} to ${file}`)
      try {
        for await (const _ of pkt0.batches()) {
          frames += _.length
          if (count !== undefined && frames >= count) break
        }
      } catch (e) {
        if (!ac.signal.aborted) throw e
      }
      const records = await capture.close()
      const s = pkt0.stats()
      await pkt0.close()
      console.error(`${records} frames written; received ${s.received}, invalid ${s.invalidShort + s.oversize}, dropped ${s.dropped}`)
    } catch (e) {
      if (!ac.signal.aborted) throw e
    } finally {
      if (timer) clearTimeout(timer)
      process.off('SIGINT', stop)
      process.off('SIGTERM', stop)
    }
    return 0
  },
}
