// `vrouter-io decode`, `encode` and `frames`: the codec and netlink framing from the shell.

import { decode, encode } from '../codec'
import { messageSchemas, type MessageName } from '../generated/vr'
import { parseFrames } from '../netlink'
import { hexInput, toJson, type Command } from './command'

const decodeCommand: Command = {
  name: 'decode',
  summary: 'decode Sandesh messages from hex',
  help: [
    'usage: vrouter-io decode [HEX | -]',
    '',
    'Decodes the concatenated Sandesh messages in HEX (or standard input) and prints them as JSON:',
    '64-bit values as decimal strings, byte lists as hex.',
  ].join('\n'),
  async run(args) {
    console.log(toJson(decode(hexInput(args[0]))))
    return 0
  },
}

const encodeCommand: Command = {
  name: 'encode',
  summary: 'encode one Sandesh message to hex',
  help: [
    'usage: vrouter-io encode MESSAGE [FIELDS-JSON]',
    '',
    'Encodes MESSAGE (e.g. vr_mpls_req) with the fields in FIELDS-JSON, every other field at its default,',
    'exactly as vRouter encodes it, and prints the bytes as hex. 64-bit fields take decimal strings,',
    'byte lists arrays of octets.',
    '',
    'example: vrouter-io encode vr_mpls_req \'{"h_op": 3, "mr_marker": -1}\'',
    '',
    `messages: ${messageSchemas.map((m) => m.name).join(', ')}`,
  ].join('\n'),
  async run(args) {
    const [name, json = '{}'] = args
    const schema = messageSchemas.find((m) => m.name === name)
    if (!schema) throw new Error(`unknown message ${JSON.stringify(name)}; see vrouter-io encode --help`)
    const given = JSON.parse(json) as Record<string, unknown>
    const fields: Record<string, unknown> = {}
    for (const [k, v] of Object.entries(given)) {
      const f = schema.fields.find((x) => x.name === k)
      if (!f) throw new Error(`${name} has no field ${k}`)
      const wide = (t?: string) => t === 'i64' || t === 'u64'
      fields[k] = wide(f.type) ? BigInt(v as string) : f.type === 'list' && wide(f.elem) ? (v as string[]).map((x) => BigInt(x)) : v
    }
    console.log(Buffer.from(encode(name as MessageName, fields as never)).toString('hex'))
    return 0
  },
}

const framesCommand: Command = {
  name: 'frames',
  summary: 'take netlink frames apart and decode their payloads',
  help: [
    'usage: vrouter-io frames [HEX | -] [--request]',
    '',
    'Takes apart the back-to-back ksync netlink frames in HEX (or standard input), read as replies',
    '(or as requests with --request), and prints each header with its decoded Sandesh messages.',
  ].join('\n'),
  async run(args) {
    const role = args.includes('--request') ? 'request' : 'reply'
    const frames = parseFrames(hexInput(args.find((a) => !a.startsWith('--'))), role)
    console.log(toJson(frames.map(({ payload, ...header }) => ({ ...header, messages: payload ? decode(payload) : [] }))))
    return 0
  },
}

export const codecCommands: Command[] = [decodeCommand, encodeCommand, framesCommand]
