// Builds the addon.
//
//   node scripts/build.mjs              every prebuild: prebuilds/linux-x64 and linux-arm64
//   node scripts/build.mjs --host       the prebuild for this machine's architecture only
//   node scripts/build.mjs --if-missing the install script: nothing when a prebuild fits this
//                                       architecture, else a build from source with node-gyp
//
// A prebuild is built with no C library (-nostdlib, system calls made directly, src/kernel.h):
// it needs nothing from the host but the Node-API functions Node exports, so one binary per
// architecture loads on glibc and on musl (Alpine) alike, and no compiler is needed at install.
// It needs only a C compiler for the target (gcc, or aarch64-linux-gnu-gcc from Debian's
// gcc-aarch64-linux-gnu on x64) and Node's headers (include/node, next to the node binary).
// The build from source, for other architectures, goes through the C library, into
// build/Release/. It never fails the install: without the addon the package reports itself
// unavailable and @lameduck/core says so and closes listeners the plain way.
import { execFileSync } from 'node:child_process'
import { existsSync, mkdirSync } from 'node:fs'
import { arch } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('..', import.meta.url))
/** Node's name for each architecture a prebuild is made for, and the compilers that target it. */
const TARGETS = {
  x64: ['x86_64-linux-gnu-gcc', 'gcc'],
  arm64: ['aarch64-linux-gnu-gcc', 'gcc'],
}
const FLAGS = [
  '-std=c11',
  '-O2',
  '-Wall',
  '-Wextra',
  '-Werror',
  '-fPIC',
  '-shared',
  '-nostdlib',
  '-ffreestanding',
  '-fno-stack-protector',
  '-fno-asynchronous-unwind-tables',
  '-fvisibility=hidden',
  '-DSYN_GUARD_NOLIBC',
  '-DNAPI_VERSION=8',
  '-DNODE_GYP_MODULE_NAME=syn_guard',
  // Both hash tables, so that any dynamic loader finds the one exported symbol.
  '-Wl,--hash-style=both',
  '-Wl,-z,noexecstack',
  '-Wl,-z,relro',
  '-Wl,--build-id=none',
  '-s',
]
const SOURCES = ['src/syn_guard.c', 'src/notify.c', 'src/nolibc.c']

function prebuildPath(architecture) {
  return join(root, 'prebuilds', `linux-${architecture}`, 'syn_guard.node')
}

function nodeHeaders() {
  const headers = join(dirname(dirname(process.execPath)), 'include', 'node')
  if (!existsSync(join(headers, 'node_api.h'))) {
    throw new Error(`Node's headers are not at ${headers} (node_api.h): use a Node that ships them`)
  }
  return headers
}

/** The first compiler on PATH that targets `architecture` (plain gcc only on that architecture). */
function compilerFor(architecture) {
  for (const cc of TARGETS[architecture]) {
    if (cc === 'gcc' && arch() !== architecture) continue
    try {
      execFileSync(cc, ['--version'], { stdio: 'ignore' })
      return cc
    } catch {}
  }
  throw new Error(
    `no C compiler for linux-${architecture} on PATH (tried ${TARGETS[architecture].join(', ')})`,
  )
}

function prebuild(architecture) {
  const target = prebuildPath(architecture)
  mkdirSync(dirname(target), { recursive: true })
  const cc = compilerFor(architecture)
  execFileSync(cc, [...FLAGS, `-I${nodeHeaders()}`, ...SOURCES, '-o', target], {
    cwd: root,
    stdio: 'inherit',
  })
  process.stdout.write(`@lameduck/syn-guard: built ${target} with ${cc}\n`)
}

function nodeGyp() {
  if (process.env.npm_config_node_gyp) return [process.execPath, process.env.npm_config_node_gyp]
  const bundled = join(
    dirname(dirname(process.execPath)),
    'lib/node_modules/npm/node_modules/node-gyp/bin/node-gyp.js',
  )
  return existsSync(bundled) ? [process.execPath, bundled] : ['node-gyp']
}

function buildFromSource() {
  const args = ['rebuild']
  // Headers installed next to node spare node-gyp a download.
  const prefix = dirname(dirname(process.execPath))
  if (existsSync(join(prefix, 'include/node/node_api.h'))) args.push(`--nodedir=${prefix}`)
  const [command, ...first] = nodeGyp()
  execFileSync(command, [...first, ...args], { cwd: root, stdio: 'inherit' })
}

const mode = process.argv[2]
if (process.platform !== 'linux') {
  process.stderr.write('@lameduck/syn-guard: Linux only, nothing to build\n')
} else if (mode === '--if-missing') {
  if (!existsSync(prebuildPath(process.arch))) {
    try {
      buildFromSource()
    } catch (error) {
      console.warn(
        `@lameduck/syn-guard: not built (${error.message}); listeners close the plain way`,
      )
    }
  }
} else if (mode === '--host') {
  if (process.arch in TARGETS) prebuild(process.arch)
  else buildFromSource()
} else if (mode === undefined) {
  for (const architecture of Object.keys(TARGETS)) prebuild(architecture)
} else {
  throw new Error(`unknown option ${mode}: --host, --if-missing or none`)
}
