// Checks what publishing would upload of @lameduck/syn-guard, from the output of
// `pnpm -r publish --dry-run` (CI and the release workflow run it before publishing): every
// prebuild is in the tarball, and each is a shared object for its architecture that needs no
// C library (no DT_NEEDED entry, no interpreter), so it loads on glibc and musl alike.
//
//   pnpm -r publish --dry-run --no-git-checks 2>&1 | tee publish.txt
//   node packages/syn-guard/scripts/check-pack.mjs publish.txt
import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

const PACKAGE = '@lameduck/syn-guard'
/** Each prebuild, and the machine `readelf -h` must report for it. */
const PREBUILDS = {
  'prebuilds/linux-x64/syn_guard.node': 'Advanced Micro Devices X86-64',
  'prebuilds/linux-arm64/syn_guard.node': 'AArch64',
}

/** The files npm lists in the package's "Tarball Contents". */
function packed(output) {
  const files = []
  let inside = false
  let contents = false
  for (const line of output.split('\n')) {
    const text = line.replace(/^npm notice ?/, '')
    if (/📦\s+/.test(text)) inside = text.includes(`${PACKAGE}@`)
    else if (inside && text === 'Tarball Contents') contents = true
    else if (inside && text === 'Tarball Details') contents = inside = false
    else if (contents) files.push(text.trim().split(/\s+/).slice(1).join(' '))
  }
  return files
}

const [input] = process.argv.slice(2)
if (input === undefined)
  throw new Error('usage: check-pack.mjs <output of pnpm -r publish --dry-run>')
const files = packed(readFileSync(input, 'utf8'))
if (files.length === 0) throw new Error(`${PACKAGE} is not in ${input}`)
const root = fileURLToPath(new URL('..', import.meta.url))
const problems = []
for (const [file, machine] of Object.entries(PREBUILDS)) {
  if (!files.includes(file)) {
    problems.push(`${file} is not in the tarball`)
    continue
  }
  const path = `${root}${file}`
  const header = execFileSync('readelf', ['-h', path], { encoding: 'utf8' })
  const dynamic = execFileSync('readelf', ['-d', path], { encoding: 'utf8' })
  const segments = execFileSync('readelf', ['-lW', path], { encoding: 'utf8' })
  if (!header.includes('DYN (Shared object file)')) problems.push(`${file}: not a shared object`)
  if (!header.includes(`Machine:                           ${machine}`)) {
    problems.push(`${file}: not built for ${machine}`)
  }
  if (dynamic.includes('(NEEDED)')) problems.push(`${file}: needs a library:\n${dynamic}`)
  if (segments.includes('INTERP')) problems.push(`${file}: names an interpreter`)
}
if (problems.length > 0) throw new Error(`${PACKAGE}'s pack:\n${problems.join('\n')}`)
process.stdout.write(
  `${PACKAGE}'s pack has ${Object.keys(PREBUILDS).join(', ')}, none needing a C library\n`,
)
