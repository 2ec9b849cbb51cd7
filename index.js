'use strict'
// Loads the native module: the file `npm install` built in this folder, or else the prebuilt
// platform package. A failure names what was tried and why each attempt failed.

const { existsSync } = require('node:fs')
const { join } = require('node:path')

function platformTriples() {
  const { platform, arch } = process
  if (platform === 'linux') {
    const glibc = process.report?.getReport?.().header?.glibcVersionRuntime
    return [`linux-${arch}-${glibc ? 'gnu' : 'musl'}`]
  }
  if (platform === 'win32') return [`win32-${arch}-msvc`, `win32-${arch}-gnu`]
  return [`${platform}-${arch}`]
}

function load() {
  const failures = []
  for (const triple of platformTriples()) {
    const local = join(__dirname, `vrouter-io.${triple}.node`)
    if (existsSync(local)) {
      try {
        return require(local)
      } catch (e) {
        failures.push(`${local}: ${e.message}`)
      }
    } else {
      failures.push(`${local}: not built`)
    }
    const pkg = `vrouter-io-${triple}`
    try {
      return require(pkg)
    } catch (e) {
      failures.push(`package ${pkg}: ${e.code === 'MODULE_NOT_FOUND' ? 'not installed' : e.message}`)
    }
  }
  const err = new Error(
    `vrouter-io: no native module for ${process.platform}-${process.arch}. Tried:\n  ${failures.join('\n  ')}\n` +
      'Install the platform package named above, or run `npm install` in a clone of vrouter-io to build it (needs Rust).',
  )
  err.code = 'ERR_VROUTER_IO_NATIVE'
  throw err
}

module.exports = load()
