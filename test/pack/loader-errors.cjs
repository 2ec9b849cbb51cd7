'use strict'
// The loader's errors, checked in a project where vrouter-io was installed from its tarballs (run there by
// scripts/pack/test-pack.mjs with the host's platform triple as argument). Each case breaks the installation in one
// way, loads vrouter-io in a fresh process, checks that the error names the expected package and the reason, and
// restores the installation. Prints one line per case; exits 1 on the first mismatch.

const assert = require('node:assert/strict')
const { execFileSync } = require('node:child_process')
const { copyFileSync, readFileSync, renameSync, writeFileSync } = require('node:fs')
const { join } = require('node:path')

const triple = process.argv[2]
/** A module that needs glibc 2.99 (made by test-pack.mjs where a C compiler exists), for the "glibc too old" case. */
const futureGlibcModule = process.argv[3]
const pkgName = `vrouter-io-${triple}`
const pkgDir = join(process.cwd(), 'node_modules', pkgName)
const version = require('vrouter-io/package.json').version

/** Loads vrouter-io in a fresh Node, after `prelude`; returns the error's fields (or fails if it loaded). */
function loadError(prelude = '') {
  const script = `${prelude};try{require('vrouter-io');console.log('null')}catch(e){console.log(JSON.stringify({code:e.code,reason:e.reason,packageName:e.packageName,message:e.message}))}`
  const error = JSON.parse(execFileSync(process.execPath, ['-e', script], { encoding: 'utf8' }).trim())
  assert.ok(error, 'vrouter-io loaded, but should have failed')
  assert.equal(error.code, 'ERR_VROUTER_IO_NATIVE')
  return error
}

function withChange(apply, undo, check) {
  apply()
  try {
    check()
  } finally {
    undo()
  }
}

const cases = {
  'unsupported platform': () => {
    const e = loadError("Object.defineProperty(process,'arch',{value:'riscv64'})")
    assert.equal(e.reason, 'unsupported')
    assert.match(e.message, new RegExp(`no prebuilt native module for ${process.platform}-riscv64`))
  },
  'unsupported libc (musl)': () => {
    if (process.platform !== 'linux') return false
    // What process.report says under musl: no glibc version.
    const e = loadError('process.report.getReport=()=>({header:{}})')
    assert.equal(e.reason, 'unsupported')
    assert.match(e.message, new RegExp(`no prebuilt native module for linux-${process.arch} with musl libc`))
  },
  'platform package not installed': () => {
    const away = `${pkgDir}.away`
    withChange(
      () => renameSync(pkgDir, away),
      () => renameSync(away, pkgDir),
      () => {
        const e = loadError()
        assert.equal(e.reason, 'missing')
        assert.equal(e.packageName, pkgName)
        assert.match(e.message, new RegExp(`package ${pkgName}, which is not installed`))
        assert.match(e.message, new RegExp(`npm install ${pkgName}@${version.replace(/\./g, '\\.')}`))
      },
    )
  },
  'damaged native module': () => {
    const file = join(pkgDir, require(join(pkgDir, 'package.json')).main)
    withChange(
      () => (copyFileSync(file, `${file}.good`), writeFileSync(file, 'not a shared library')),
      () => renameSync(`${file}.good`, file),
      () => {
        const e = loadError()
        assert.equal(e.reason, 'load')
        assert.equal(e.packageName, pkgName)
        assert.match(e.message, new RegExp(`the package ${pkgName} is installed .* but its native module failed to load: `))
      },
    )
  },
  'native module needs a newer glibc': () => {
    if (!futureGlibcModule) return false
    const file = join(pkgDir, require(join(pkgDir, 'package.json')).main)
    withChange(
      () => (copyFileSync(file, `${file}.good`), copyFileSync(futureGlibcModule, file)),
      () => renameSync(`${file}.good`, file),
      () => {
        const e = loadError()
        assert.equal(e.reason, 'load')
        assert.equal(e.packageName, pkgName)
        assert.match(e.message, /version `GLIBC_2\.99' not found/)
        assert.match(e.message, /\(it needs glibc 2\.99; this system has glibc [0-9.]+, and the prebuilt packages need at least 2\.28\)/)
      },
    )
  },
  'platform package of another version': () => {
    const manifest = join(pkgDir, 'package.json')
    const original = readFileSync(manifest, 'utf8')
    withChange(
      () => writeFileSync(manifest, JSON.stringify({ ...JSON.parse(original), version: '0.0.1' })),
      () => writeFileSync(manifest, original),
      () => {
        const e = loadError()
        assert.equal(e.reason, 'load')
        assert.match(e.message, new RegExp(`needs ${pkgName} ${version.replace(/\./g, '\\.')}, but 0\\.0\\.1 is installed`))
      },
    )
  },
}

let ran = 0
for (const [name, run] of Object.entries(cases)) {
  if (run() === false) continue
  ran++
  console.log(`loader error, ${name}: ok`)
}
console.log(`loader errors: ${ran} cases ok`)
