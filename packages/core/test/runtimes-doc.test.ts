// docs/runtimes.md names the supported Node lines in its table; engines, CI and every package
// README must say the same. The facts are read from tables, code and manifests, not sentences.
import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { PROBES } from '../src/node-internals.js'
import { TESTED_NODE_MAJORS } from '../src/support.js'

const root = new URL('../../../', import.meta.url).pathname
const read = (path: string) => readFileSync(join(root, path), 'utf8')
const doc = read('docs/runtimes.md')

interface Manifest {
  name: string
  path: string
  private?: boolean
  engines?: { node?: string }
}
/** Every package of the workspace, as pnpm finds it from pnpm-workspace.yaml. */
const workspace = (
  JSON.parse(
    execFileSync('pnpm', ['ls', '-r', '--json', '--depth=-1'], { cwd: root, encoding: 'utf8' }),
  ) as Manifest[]
).map(({ path, private: isPrivate }) => ({
  path,
  isPrivate,
  manifest: JSON.parse(readFileSync(join(path, 'package.json'), 'utf8')) as Manifest,
}))
const published = workspace.filter((pkg) => pkg.isPrivate !== true)

/** The Node lines of the doc's "Supported" table, newest first. */
const documentedLines = [...doc.matchAll(/^\| Node\.js (\d+)\s+\|/gm)]
  .map((m) => Number(m[1]))
  .sort((a, b) => b - a)
/** The Node lines a `| Node.js | 26, 24, … |` table row lists. */
const rowLines = (row: string) => [...row.matchAll(/\d+/g)].map(Number).sort((a, b) => b - a)
const tableCell = (cell: string) => cell.replaceAll('\\|', '|')

describe('docs/runtimes.md', () => {
  it('is read against every public package of the workspace', () => {
    expect(published.map((pkg) => pkg.manifest.name)).toContain('@lameduck/core')
    expect(published.length).toBeGreaterThanOrEqual(9)
  })

  it('names the one engines range that every published package and the root declare', () => {
    const ranges = [...doc.matchAll(/^\| `(\^[^`]+)`/gm)].map((m) => tableCell(m[1]!))
    expect(ranges).toHaveLength(1)
    const engines = Object.fromEntries(
      [...published, { manifest: JSON.parse(read('package.json')) as Manifest }].map((pkg) => [
        pkg.manifest.name,
        pkg.manifest.engines?.node,
      ]),
    )
    expect(new Set(Object.values(engines))).toEqual(new Set(ranges))
    const majors = ranges[0]!.split('||').map((range) => Number(/\^(\d+)/.exec(range)![1]))
    expect(majors.sort((a, b) => b - a)).toEqual(documentedLines)
  })

  it('names the Node lines .ci/run and the GitHub workflow test', () => {
    const run = read('.ci/run')
    const extra = /for major in ([\d ]+); do/.exec(run)![1]!.split(' ').map(Number)
    // The first test stage runs on the Node CI starts with, which .ci/run's header names.
    const first = Number(/a fresh clone with only Node (\d+)/.exec(run)![1])
    expect([first, ...extra].sort((a, b) => b - a)).toEqual(documentedLines)
    const matrix = /node: \[([\d, ]+)\]/.exec(read('.github/workflows/ci.yml'))![1]!
    expect(rowLines(matrix)).toEqual(documentedLines)
  })

  it('names the Node lines the support check trusts without probing: those CI tests', () => {
    expect([...TESTED_NODE_MAJORS].sort((a, b) => b - a)).toEqual(documentedLines)
  })

  it('lists every probe of the support check', () => {
    for (const probe of PROBES)
      expect(doc).toContain(probe.name.replace(' extending ', '` extending `'))
  })

  it('is what the support table of every published package README says', () => {
    for (const { path, manifest } of published) {
      const readme = readFileSync(join(path, 'README.md'), 'utf8')
      expect(readme, manifest.name).toContain('../../docs/runtimes.md')
      for (const [row] of readme.matchAll(/^\| Node\.js\s*\|.*$/gm))
        expect(rowLines(row), `${manifest.name}: ${row}`).toEqual(documentedLines)
    }
  })
})
