#!/usr/bin/env node
// The `vrouter-io` command: one subcommand per job, each in lib/cli/.

import { benchCommand } from './cli/bench'
import { codecCommands } from './cli/codec'
import type { Command } from './cli/command'
import { ksyncCommands } from './cli/ksync'
import { pkt0Command } from './cli/pkt0'
import { simCommand } from './cli/sim'
import { tablesCommands } from './cli/tables'

const commands: Command[] = [...codecCommands, ...ksyncCommands, ...tablesCommands, simCommand, pkt0Command, benchCommand]

function usage(): string {
  const width = Math.max(...commands.map((c) => c.name.length))
  return [
    'usage: vrouter-io <command> [options]',
    '',
    'commands:',
    ...commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    'vrouter-io <command> --help shows a command\'s options.',
  ].join('\n')
}

async function main(argv: string[]): Promise<number> {
  const [name, ...args] = argv
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    console.log(usage())
    return name === undefined ? 2 : 0
  }
  if (name === '--version' || name === '-v') {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    console.log(require('../package.json').version)
    return 0
  }
  const command = commands.find((c) => c.name === name)
  if (!command) {
    console.error(`vrouter-io: unknown command ${JSON.stringify(name)}\n\n${usage()}`)
    return 2
  }
  if (args.includes('--help') || args.includes('-h')) {
    console.log(command.help)
    return 0
  }
  return command.run(args)
}

main(process.argv.slice(2)).then(
  (code) => (process.exitCode = code),
  (e: Error) => {
    console.error(`vrouter-io: ${e.message}`)
    process.exitCode = 1
  },
)
