'use strict'
// Loads the native module: the file that a build in a clone of vrouter-io put beside this one, or else the
// prebuilt platform package that npm installed as an optional dependency (packages under npm/ in the repository).
// When nothing loads, the error names the package it expected and says which of three things went wrong:
//   reason 'unsupported' — no prebuilt package exists for this platform, architecture and libc;
//   reason 'missing'     — the platform package exists but is not installed (npm skipped the optional dependency);
//   reason 'load'        — the package is installed but its module failed to load (glibc too old, a damaged
//                          file, a version that does not match this package's).

const { existsSync } = require('node:fs')
const { dirname, join } = require('node:path')

const NAME = 'vrouter-io'
const VERSION = ownVersion()
/** The oldest glibc the linux packages accept (scripts/pack/check-glibc.sh holds every build to it). */
const GLIBC_FLOOR = '2.28'

/** The prebuilt packages, by `${platform}-${arch}[-${libc}]`, in the order tried (msvc first: Windows' own ABI). */
const PREBUILT = {
  'linux-x64-gnu': ['linux-x64-gnu'],
  'linux-arm64-gnu': ['linux-arm64-gnu'],
  'win32-x64': ['win32-x64-msvc', 'win32-x64-gnu'],
  'darwin-x64': ['darwin-x64'],
  'darwin-arm64': ['darwin-arm64'],
}

/** This package's version, which the platform package must match (undefined where package.json is not beside this file). */
function ownVersion() {
  try {
    return require('./package.json').version
  } catch {
    return undefined
  }
}

let glibc
/** glibc's version on Linux (e.g. '2.36'), or undefined under another libc (musl). Asked once: a report costs ms. */
function glibcVersion() {
  if (glibc === undefined) {
    const report = process.report && typeof process.report.getReport === 'function' ? process.report.getReport() : undefined
    glibc = (report && report.header && report.header.glibcVersionRuntime) || null
  }
  return glibc || undefined
}

/** This process's platform key: 'linux-x64-gnu', 'linux-x64-musl', 'win32-x64', 'darwin-arm64', … */
function platformKey() {
  const { platform, arch } = process
  if (platform === 'linux') return `${platform}-${arch}-${glibcVersion() ? 'gnu' : 'musl'}`
  return `${platform}-${arch}`
}

function describe(key) {
  if (key.endsWith('-gnu')) return `${key.slice(0, -4)} with glibc ${glibcVersion()}`
  if (key.endsWith('-musl')) return `${key.slice(0, -5)} with musl libc`
  return key
}

function nativeError(reason, message, packageName, cause) {
  const err = new Error(`${NAME}: ${message}`, cause ? { cause } : undefined)
  err.code = 'ERR_VROUTER_IO_NATIVE'
  err.reason = reason
  if (packageName) err.packageName = packageName
  return err
}

/** Why a module failed to load, with what the usual causes mean for the user. */
function loadFailure(what, e) {
  let message = `${what} failed to load: ${e.message}`
  const needed = /GLIBC_([0-9.]+)' not found/.exec(e.message)
  if (needed) message += `\n(it needs glibc ${needed[1]}; this system has glibc ${glibcVersion()}, and the prebuilt packages need at least ${GLIBC_FLOOR})`
  return message
}

/** A build made in a clone of the repository (`npm install` / `npm run build:native` put it beside this file). */
function loadLocal(triples) {
  let failed
  for (const triple of triples) {
    const file = join(__dirname, `${NAME}.${triple}.node`)
    if (!existsSync(file)) continue
    try {
      return { module: require(file) }
    } catch (e) {
      failed = failed || { error: nativeError('load', loadFailure(`the local build ${file}`, e), undefined, e) }
    }
  }
  return failed
}

/** The platform package `vrouter-io-<triple>`: its module, or why it could not be had. */
function loadPackage(triple) {
  const packageName = `${NAME}-${triple}`
  let manifest
  try {
    manifest = require.resolve(`${packageName}/package.json`)
  } catch {
    return {
      missing: true,
      error: nativeError(
        'missing',
        `the native module for ${triple} comes in the package ${packageName}, which is not installed.\n` +
          'npm installs it as an optional dependency of vrouter-io; it is left out by --omit=optional (or --no-optional), ' +
          'or by a package-lock.json written on another platform without it.\n' +
          `Install it with: npm install ${packageName}@${VERSION || 'latest'}`,
        packageName,
      ),
    }
  }
  const installed = require(manifest).version
  if (VERSION !== undefined && installed !== VERSION) {
    return {
      error: nativeError(
        'load',
        `${NAME} ${VERSION} needs ${packageName} ${VERSION}, but ${installed} is installed (in ${dirname(manifest)}).\n` +
          `Install the matching one with: npm install ${packageName}@${VERSION}`,
        packageName,
      ),
    }
  }
  try {
    return { module: require(packageName) }
  } catch (e) {
    return { error: nativeError('load', loadFailure(`the package ${packageName} is installed (in ${dirname(manifest)}) but its native module`, e), packageName, e) }
  }
}

function load() {
  const key = platformKey()
  const triples = PREBUILT[key]
  const local = loadLocal(triples || [key])
  if (local && local.module) return local.module
  if (!triples) {
    if (local) throw local.error
    throw nativeError(
      'unsupported',
      `no prebuilt native module for ${describe(key)}.\n` +
        `Prebuilt packages exist for: linux-x64 and linux-arm64 with glibc >= ${GLIBC_FLOOR}, win32-x64, darwin-x64, darwin-arm64.\n` +
        'Elsewhere, build it in a clone of vrouter-io with `npm install` (needs Rust).',
    )
  }
  const failures = []
  for (const triple of triples) {
    const attempt = loadPackage(triple)
    if (attempt.module) return attempt.module
    failures.push(attempt)
  }
  // One expected package: its own error. Several (Windows): a load failure outranks "not installed".
  const chosen = failures.find((f) => !f.missing) || failures[0]
  if (failures.length > 1 && chosen.missing) {
    const names = triples.map((t) => `${NAME}-${t}`)
    throw nativeError(
      'missing',
      `the native module for ${process.platform}-${process.arch} comes in ${names.join(' or ')}, and neither is installed.\n` +
        'npm installs them as optional dependencies of vrouter-io; they are left out by --omit=optional (or --no-optional), ' +
        'or by a package-lock.json written on another platform without them.\n' +
        `Install one with: npm install ${names[0]}@${VERSION || 'latest'}`,
      names[0],
    )
  }
  if (local) chosen.error.message += `\n(the local build failed as well: ${local.error.message})`
  throw chosen.error
}

module.exports = load()
