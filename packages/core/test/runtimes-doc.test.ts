// docs/runtimes.md names the supported Node lines; engines, CI and every package README must say
// the same.
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { PROBES } from '../src/node-internals.js'

const read = (path: string) => readFileSync(new URL(`../../../${path}`, import.meta.url), 'utf8')
const doc = read('docs/runtimes.md')
const PACKAGES = ['core', 'express', 'fastify', 'koa', 'reload']

const documentedLines = () =>
  [...doc.matchAll(/^\| Node\.js (\d+)\s+\|/gm)].map((m) => Number(m[1])).sort((a, b) => a - b)

describe('docs/runtimes.md', () => {
  it('names the engines every published package declares', () => {
    const engines = /The packages' `engines` say the same: `([^`]+)`/.exec(doc)![1]
    for (const name of PACKAGES) {
      const pkg = JSON.parse(read(`packages/${name}/package.json`)) as { engines: { node: string } }
      expect(pkg.engines.node, name).toBe(engines)
    }
    const majors = engines!.split('||').map((range) => Number(/\^(\d+)/.exec(range)![1]))
    expect(majors).toEqual(documentedLines())
  })

  it('names the Node lines .ci/run and the GitHub workflow test', () => {
    const run = read('.ci/run')
    const extra = /for major in ([\d ]+); do/.exec(run)![1]!.split(' ').map(Number)
    // The first test stage runs on the Node CI starts with, which .ci/run's header names.
    const first = Number(/a fresh clone with only Node (\d+)/.exec(run)![1])
    expect([first, ...extra].sort((a, b) => a - b)).toEqual(documentedLines())
    const matrix = /node: \[([\d, ]+)\]/.exec(read('.github/workflows/ci.yml'))![1]
    expect(matrix!.split(', ').map(Number)).toEqual(documentedLines())
  })

  it('lists every probe of the support check', () => {
    for (const probe of PROBES)
      expect(doc).toContain(probe.name.replace(' extending ', '` extending `'))
  })

  it.each(PACKAGES)('is what the %s README says', (name) => {
    const readme = read(`packages/${name}/README.md`)
    const lines = documentedLines().reverse().join(', ').replace(/20$/, '20 (end of life')
    const listed = readme.replace(/ and 20/, ', 20')
    expect(listed).toContain(lines)
    expect(readme).toContain('../../docs/runtimes.md')
  })
})
