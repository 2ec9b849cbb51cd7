// What a `vrouter-io` subcommand is, and the small helpers they share.

import { readFileSync } from 'node:fs'

export interface Command {
  name: string
  /** One line for the command list. */
  summary: string
  /** The whole `--help` text. */
  help: string
  /** Runs with the arguments after the command name; resolves to the exit code. */
  run(args: string[]): Promise<number>
}

/** Bytes from a hex argument, or from standard input when the argument is `-` or absent. */
export function hexInput(arg: string | undefined): Uint8Array {
  const text = arg === undefined || arg === '-' ? readFileSync(0, 'utf8') : arg
  const hex = text.replace(/\s+/g, '')
  if (!/^([0-9a-fA-F]{2})*$/.test(hex)) throw new Error('expected hex bytes (an even number of 0-9a-f digits)')
  return new Uint8Array(Buffer.from(hex, 'hex'))
}

/** JSON with bigints as decimal strings and byte arrays as hex, for printing messages. */
export function toJson(value: unknown): string {
  return JSON.stringify(
    value,
    (_k, v) => (typeof v === 'bigint' ? v.toString() : v instanceof Uint8Array ? Buffer.from(v).toString('hex') : v),
    2,
  )
}
