// Builds the addon with node-gyp into prebuilds/<platform>-<arch>/, where the package loads it
// from. `--if-missing` (the install script) keeps a prebuilt binary and never fails the install:
// without the addon the package reports itself unavailable and @lameduck/core closes listeners
// the plain way.
import { execFileSync } from 'node:child_process'
import { copyFileSync, existsSync, mkdirSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('..', import.meta.url))
const target = join(root, 'prebuilds', `${process.platform}-${process.arch}`, 'syn_guard.node')
const ifMissing = process.argv.includes('--if-missing')

function nodeGyp() {
  if (process.env.npm_config_node_gyp) return [process.execPath, process.env.npm_config_node_gyp]
  const bundled = join(
    dirname(dirname(process.execPath)),
    'lib/node_modules/npm/node_modules/node-gyp/bin/node-gyp.js',
  )
  return existsSync(bundled) ? [process.execPath, bundled] : ['node-gyp']
}

function build() {
  const args = ['rebuild']
  // Headers installed next to node spare node-gyp a download.
  const prefix = dirname(dirname(process.execPath))
  if (existsSync(join(prefix, 'include/node/node_api.h'))) args.push(`--nodedir=${prefix}`)
  const [command, ...first] = nodeGyp()
  execFileSync(command, [...first, ...args], { cwd: root, stdio: 'inherit' })
  mkdirSync(dirname(target), { recursive: true })
  copyFileSync(join(root, 'build/Release/syn_guard.node'), target)
}

if (process.platform !== 'linux') {
  process.stderr.write('@lameduck/syn-guard: Linux only, nothing to build\n')
} else if (!(ifMissing && existsSync(target))) {
  try {
    build()
  } catch (error) {
    if (!ifMissing) throw error
    console.warn(`@lameduck/syn-guard: not built (${error.message}); listeners close the plain way`)
  }
}
