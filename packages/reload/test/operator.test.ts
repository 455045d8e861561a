// What `lameduck run` tells its operator on stderr, one line per event: a worker ready, the old
// generation draining, a worker drained or failed or killed, and why the supervisor stopped.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it, onTestFinished } from 'vitest'
import { runSupervisor, text } from './run.js'

describe('lameduck run: the operator lines', { timeout: 30_000 }, () => {
  it('a reload and a stop: ready, serving and draining, drained, stopped', async () => {
    const sup = await runSupervisor('v1')
    const first = sup.log.find((line) => /^lameduck: worker \d+ ready in \d+ ms/.test(line))
    expect(first).toBeDefined()
    sup.setVersion('v2')
    const drained = sup.line(/^lameduck: worker \d+ drained in \d+ ms, exit 0 /)
    expect((await sup.cli('reload')).code).toBe(0)
    expect(await text(sup.port)).toBe('v2')
    const oldPid = JSON.parse(first!.slice(first!.indexOf('{'))).pid
    expect(await drained).toMatch(new RegExp(`^lameduck: worker ${oldPid} drained`))
    const reloaded = sup.log.find((line) => line.startsWith('lameduck: reloaded in'))
    expect(reloaded).toMatch(
      /^lameduck: reloaded in \d+ ms: generation 2 serving, generation 1 draining /,
    )
    expect(
      sup.log.filter((line) => /^lameduck: worker \d+ ready in \d+ ms .*"generation":2/.test(line)),
    ).toHaveLength(1)
    sup.process.kill('SIGTERM')
    expect(await sup.exit).toBe(0)
    expect(sup.log.at(-1)).toMatch(/^lameduck: stopped, exit 0: SIGTERM, every worker drained /)
  })

  it("a worker's hook throws: its drain failed, the supervisor exits 1 and says why", async () => {
    const sup = await runSupervisor('hook-throws')
    sup.process.kill('SIGTERM')
    expect(await sup.exit).toBe(1)
    const failed = sup.log.find((line) => line.includes('drain failed'))
    expect(failed).toMatch(/^lameduck: worker \d+ drain failed: exit 1 after \d+ ms/)
    expect(sup.log.at(-1)).toMatch(
      /^lameduck: stopped, exit 1: SIGTERM, and a worker's drain failed/,
    )
  })

  it('a worker still busy at drainTimeout + killGrace is killed, and the line says so', async () => {
    const sup = await runSupervisor('v1', ['--drain-timeout', '200', '--kill-grace', '100'])
    const slowIn = sup.line(/^app: slow request in/)
    const cut = text(sup.port, '/slow').catch(() => 'cut')
    await slowIn
    sup.process.kill('SIGTERM')
    expect(await sup.exit).toBe(1)
    expect(await cut).toBe('cut')
    expect(sup.log.find((line) => line.includes('killed at the deadline'))).toMatch(
      /^lameduck: worker \d+ killed at the deadline: still running \d+ ms after it was told to drain/,
    )
    expect(sup.log.at(-1)).toMatch(/^lameduck: stopped, exit 1: /)
  })

  it('a second SIGTERM: the line says which workers it killed and the exit code', async () => {
    const sup = await runSupervisor('v1')
    const slowIn = sup.line(/^app: slow request in/)
    const cut = text(sup.port, '/slow').catch(() => 'cut')
    await slowIn
    const stopping = sup.line(/^lameduck: stopping/)
    sup.process.kill('SIGTERM')
    await stopping
    sup.process.kill('SIGTERM')
    expect(await sup.exit).toBe(143)
    expect(await cut).toBe('cut')
    expect(sup.log.find((line) => line.includes('a second SIGTERM'))).toMatch(
      /^lameduck: stopped, exit 143: a second SIGTERM killed 1 draining worker\(s\) /,
    )
  })

  it('--pid-file holds the supervisor PID (the one in its serving line) until it exits', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lameduck-pidfile-'))
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }))
    const pidFile = join(dir, 'lameduck.pid')
    const sup = await runSupervisor('v1', ['--pid-file', pidFile])
    expect(readFileSync(pidFile, 'utf8')).toBe(`${sup.process.pid}\n`)
    const serving = sup.log.find((line) => line.startsWith('lameduck: serving'))!
    expect(JSON.parse(serving.slice(serving.indexOf('{'))).pid).toBe(sup.process.pid)
    sup.setVersion('v2')
    const reloaded = sup.line(/^lameduck: reloaded in/)
    process.kill(Number(readFileSync(pidFile, 'utf8')), 'SIGHUP')
    await reloaded
    expect(await text(sup.port)).toBe('v2')
    sup.process.kill('SIGTERM')
    expect(await sup.exit).toBe(0)
    expect(existsSync(pidFile)).toBe(false)
  })
})
