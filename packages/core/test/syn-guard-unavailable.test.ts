// @lameduck/syn-guard installed but unusable (no binary for the platform, one that does not
// load): core says so once, in the log and in the report, for a listener the process bound.
// Real packages in a real node_modules layout, copied from this workspace, in a child process.
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it, onTestFinished } from 'vitest'

const packages = fileURLToPath(new URL('../../', import.meta.url))
const fixture = fileURLToPath(new URL('./fixtures/guard-app.mjs', import.meta.url))

type Binary = 'missing' | 'corrupt'

/** An app dir with copies of core and syn-guard, syn-guard's binary `binary`. */
function install(binary: Binary): string {
  const dir = mkdtempSync(join(tmpdir(), 'lameduck-guard-'))
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }))
  for (const name of ['core', 'syn-guard']) {
    const to = join(dir, 'node_modules', '@lameduck', name)
    mkdirSync(to, { recursive: true })
    cpSync(join(packages, name, 'package.json'), join(to, 'package.json'))
    cpSync(join(packages, name, 'dist'), join(to, 'dist'), { recursive: true })
  }
  if (binary === 'corrupt') {
    const prebuild = join(
      dir,
      'node_modules/@lameduck/syn-guard/prebuilds',
      `linux-${process.arch}`,
    )
    mkdirSync(prebuild, { recursive: true })
    writeFileSync(join(prebuild, 'syn_guard.node'), 'not an ELF file')
  }
  cpSync(fixture, join(dir, 'app.mjs'))
  return dir
}

/** Runs the app: the JSON lines it printed. */
async function run(binary: Binary, listenOn: ('port' | 'handle')[]) {
  const dir = install(binary)
  const child = spawn(process.execPath, [join(dir, 'app.mjs')], {
    env: { ...process.env, FIXTURE: JSON.stringify({ listenOn }) },
    stdio: ['ignore', 'pipe', 'inherit'],
    timeout: 20_000,
  })
  let output = ''
  child.stdout.on('data', (chunk) => {
    output += chunk
  })
  const [code] = await once(child, 'exit')
  expect(code).toBe(0)
  return output
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as Record<string, string | null>)
}

describe('@lameduck/syn-guard installed but unusable', () => {
  it('with no binary for this platform: one warning for two listeners, and the report says why', async () => {
    const lines = await run('missing', ['port', 'port'])
    const warnings = lines.filter((line) => line.level === 'warn')
    expect(warnings).toHaveLength(1)
    expect(warnings[0]!.message).toMatch(/syn-guard is installed but cannot be used here/)
    expect(warnings[0]!.err).toMatch(new RegExp(`no addon for linux-${process.arch}`))
    expect(lines.at(-1)!.synGuardUnavailable).toBe(warnings[0]!.err)
  })

  it('with a binary that does not load: the warning and the report name it and the loader error', async () => {
    const lines = await run('corrupt', ['port'])
    const warnings = lines.filter((line) => line.level === 'warn')
    expect(warnings).toHaveLength(1)
    expect(warnings[0]!.err).toMatch(
      /addon that loads on linux-.*the addon did not load: .*syn_guard\.node: .*(invalid ELF header|too short)/,
    )
    expect(lines.at(-1)!.synGuardUnavailable).toBe(warnings[0]!.err)
  })

  it('says nothing for a listener on a socket it was given (the helper is not for those)', async () => {
    const lines = await run('corrupt', ['handle'])
    expect(lines.filter((line) => line.level === 'warn')).toEqual([])
    expect(lines.at(-1)!.synGuardUnavailable).toBeNull()
  })
})
