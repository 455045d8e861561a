import { execFileSync, spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it, onTestFinished } from 'vitest'

const root = fileURLToPath(new URL('..', import.meta.url))
const prebuild = join(root, 'prebuilds', `linux-${process.arch}`, 'syn_guard.node')

const EXPECTED = [
  'exports dropNewHandshakes',
  'exports pendingConnections',
  'exports notify',
  'pendingConnections: 0',
  'filter instructions: 5',
  'dropNewHandshakes(0) threw: the fd is not a listening TCP socket',
]

/** Builds test/fixtures/napi-host.c with `cc` and runs it on the prebuild: its output lines. */
function hostRun(cc: string, libraries: string[]): { lines: string[]; interpreter: string } {
  const dir = mkdtempSync(join(tmpdir(), 'syn-guard-host-'))
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }))
  const host = join(dir, 'host')
  execFileSync(cc, [
    '-O2',
    '-rdynamic',
    join(root, 'test/fixtures/napi-host.c'),
    '-o',
    host,
    ...libraries,
  ])
  const segments = execFileSync('readelf', ['-lW', host], { encoding: 'utf8' })
  const interpreter = /Requesting program interpreter: ([^\]]+)\]/.exec(segments)?.[1] ?? ''
  const run = spawnSync(host, [prebuild], { encoding: 'utf8', timeout: 10_000 })
  expect(run.status, run.stdout + run.stderr).toBe(0)
  return { lines: run.stdout.trim().split('\n'), interpreter }
}

describe('the prebuild for this architecture, without Node', () => {
  it('needs no C library: no DT_NEEDED entry, no GLIBC_ symbol version', () => {
    const dynamic = execFileSync('readelf', ['-d', '-V', prebuild], { encoding: 'utf8' })
    expect(dynamic).not.toContain('(NEEDED)')
    expect(dynamic).not.toContain('GLIBC_')
  })

  it("loads and works under musl's dynamic loader (a musl-gcc host giving it Node-API)", () => {
    const { lines, interpreter } = hostRun('musl-gcc', [])
    expect(interpreter).toMatch(/ld-musl-/)
    expect(lines).toEqual(EXPECTED)
  })

  it("loads and works under glibc's dynamic loader (the same host built with gcc)", () => {
    const { lines, interpreter } = hostRun('gcc', ['-ldl'])
    expect(interpreter).toMatch(/ld-linux-/)
    expect(lines).toEqual(EXPECTED)
  })
})
