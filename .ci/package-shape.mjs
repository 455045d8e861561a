// `pnpm publint`: every public package of the workspace, packed as `pnpm publish` would pack it,
// checked three ways: every file its package.json names is in the tarball (the `@lameduck/source`
// condition points at src/, which is not shipped), publint --strict, and attw under every
// resolution it knows (node10, node16 from CJS and from ESM, bundler). Packages are found from
// the workspace itself, so a new one is checked without being listed here.
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

const root = new URL('..', import.meta.url).pathname
const bin = (name) => join(root, 'node_modules/.bin', name)
const run = (file, args, cwd) => execFileSync(file, args, { cwd, encoding: 'utf8' })

/** Every path a package.json field hands to Node, TypeScript or npm. */
function namedFiles(pkg) {
  const files = []
  const walk = (value) => {
    if (typeof value === 'string') files.push(value)
    else if (Array.isArray(value)) value.forEach(walk)
    else if (value !== null && typeof value === 'object') Object.values(value).forEach(walk)
  }
  walk([pkg.exports, pkg.main, pkg.module, pkg.types, pkg.typings, pkg.bin, pkg.typesVersions])
  return [
    ...new Set(files.filter((file) => !file.includes('*')).map((f) => f.replace(/^\.\//, ''))),
  ]
}

const packages = JSON.parse(run('pnpm', ['ls', '-r', '--json', '--depth=-1'], root)).filter(
  (pkg) => pkg.private !== true,
)
const out = mkdtempSync(join(tmpdir(), 'lameduck-pack-'))
let failed = 0
try {
  for (const { name, path } of packages) {
    console.log(`\n=== ${name}`)
    const dest = join(out, name.replace('/', '+'))
    run('pnpm', ['pack', '--pack-destination', dest], path)
    const tarball = join(dest, run('ls', [dest], path).trim())
    const listed = run('tar', ['tzf', tarball])
      .split('\n')
      .filter((line) => line !== '')
    const shipped = new Set(listed.map((file) => file.replace(/^package\//, '')))
    run('tar', ['xzf', tarball, '-C', dest, 'package/package.json'])
    const packed = JSON.parse(readFileSync(join(dest, 'package/package.json'), 'utf8'))
    const missing = namedFiles(packed).filter((file) => !shipped.has(file))
    // publishConfig.exports replaces exports in the pack: an entry added to one only is lost.
    const source = JSON.parse(readFileSync(join(path, 'package.json'), 'utf8'))
    const lost = Object.keys(source.exports ?? {}).filter((key) => !(key in (packed.exports ?? {})))
    let ok = missing.length === 0 && lost.length === 0
    console.log(
      missing.length === 0
        ? `every file the packed package.json names is in the tarball (${shipped.size} files)`
        : `the packed package.json names files that are not in the tarball: ${missing.join(', ')}`,
    )
    if (lost.length > 0)
      console.log(`exports missing from the packed package.json: ${lost.join(', ')}`)
    try {
      process.stdout.write(run(bin('publint'), ['--strict'], path))
      process.stdout.write(run(bin('attw'), [tarball, '--format', 'table-flipped'], path))
    } catch (error) {
      ok = false
      process.stdout.write(`${error.stdout ?? ''}${error.stderr ?? ''}`)
    }
    if (!ok) failed++
  }
} finally {
  rmSync(out, { recursive: true, force: true })
}
console.log(`\n${packages.length - failed} of ${packages.length} packages pass`)
process.exitCode = failed === 0 ? 0 : 1
