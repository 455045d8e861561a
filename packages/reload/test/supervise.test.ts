import { spawn } from 'node:child_process'
import { once } from 'node:events'
import {
  mkdirSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs'
import { type AddressInfo, createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { InvalidOptionError, WorkerFailedError } from '@lameduck/core'
import { parseListen, supervise } from '@lameduck/reload'
import { describe, expect, it, onTestFinished } from 'vitest'
import { text } from './run.js'

const entry = fileURLToPath(new URL('./fixtures/app.mjs', import.meta.url))

/** A path in a directory of its own, removed when the test ends. */
function tempFile(name: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'lameduck-test-'))
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }))
  return join(dir, name)
}

describe('supervise()', { timeout: 20_000 }, () => {
  it('runs, reloads and stops a generation in process, keeping one listening socket', async () => {
    const versionFile = tempFile('version')
    writeFileSync(versionFile, 'v1')
    const supervisor = await supervise({
      entry,
      listen: [{ host: '127.0.0.1', port: 0 }],
      env: { APP_VERSION_FILE: versionFile },
    })
    onTestFinished(async () => {
      await supervisor.stop()
    })
    const { port } = supervisor.status().listening[0]!
    expect(await text(port)).toBe('v1')
    writeFileSync(versionFile, 'v2')
    expect(await supervisor.reload()).toMatchObject({ ok: true, generation: 2 })
    expect(await text(port)).toBe('v2')
    expect(supervisor.status()).toMatchObject({ pid: process.pid, generation: 2 })
    expect(await supervisor.stop()).toEqual({ ok: true })
    await expect(text(port)).rejects.toMatchObject({ code: 'ECONNREFUSED' })
  })

  it('returns from a reload without waiting for an old worker that never says its listener closed', async () => {
    const versionFile = tempFile('version')
    writeFileSync(versionFile, 'v1')
    const supervisor = await supervise({
      entry: fileURLToPath(new URL('./fixtures/no-closed-app.mjs', import.meta.url)),
      listen: [{ host: '127.0.0.1', port: 0 }],
      env: { APP_VERSION_FILE: versionFile },
      drainTimeout: 2_000,
      killGrace: 1_000,
    })
    onTestFinished(async () => {
      await supervisor.stop()
    })
    writeFileSync(versionFile, 'v2')
    expect(await supervisor.reload()).toMatchObject({ ok: true, generation: 2 })
    // Returned after its bounded wait, while the old worker, killed only at 3 s, still drains.
    expect(supervisor.status().workers).toContainEqual(
      expect.objectContaining({ generation: 1, state: 'draining' }),
    )
    expect(await text(supervisor.status().listening[0]!.port)).toBe('v2')
  })

  it('rejects invalid options with typed errors', async () => {
    await expect(supervise({ entry: '', listen: [] })).rejects.toBeInstanceOf(InvalidOptionError)
    await expect(
      supervise({ entry, listen: [{ host: '127.0.0.1', port: 0 }], workers: 0 }),
    ).rejects.toMatchObject({ option: 'workers' })
    await expect(
      supervise({ entry, listen: [{ host: '127.0.0.1', port: 0 }], readyTimeout: -1 }),
    ).rejects.toMatchObject({ option: 'readyTimeout' })
    await expect(supervise({ entry, listen: [{ host: 'x', port: 99_999 }] })).rejects.toMatchObject(
      {
        option: 'listen',
      },
    )
    await expect(
      supervise({
        entry,
        listen: [{ host: '127.0.0.1', port: 0 }],
        respawnBackoff: { min: 5, max: 1 },
      }),
    ).rejects.toMatchObject({ option: 'respawnBackoff.max' })
    await expect(
      supervise({
        entry,
        listen: [{ host: '127.0.0.1', port: 0 }],
        logger: { info() {} } as never,
      }),
    ).rejects.toMatchObject({ option: 'logger' })
    await expect(
      supervise({ entry, listen: [{ host: '127.0.0.1', port: 0 }], watch: '/no/such/path' }),
    ).rejects.toMatchObject({ option: 'watch' })
    expect(() => parseListen('localhost:abc')).toThrow(InvalidOptionError)
  })

  it('watch: swapping a `current` symlink to a new release reloads onto it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lameduck-test-'))
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }))
    for (const release of ['r1', 'r2']) {
      mkdirSync(join(dir, release))
      writeFileSync(join(dir, release, 'version'), release)
    }
    const current = join(dir, 'current')
    symlinkSync('r1', current)
    let onReloaded = () => {}
    const reloaded = new Promise<void>((resolve) => {
      onReloaded = resolve
    })
    const supervisor = await supervise({
      entry,
      listen: [{ host: '127.0.0.1', port: 0 }],
      env: { APP_VERSION_FILE: join(current, 'version') },
      watch: current,
      logger: {
        debug() {},
        info: (_object, message) => {
          // The old worker has stopped accepting once it is drained.
          if (/^lameduck: worker \d+ drained/.test(message ?? '')) onReloaded()
        },
        warn() {},
        error() {},
      },
    })
    onTestFinished(async () => {
      await supervisor.stop()
    })
    const { port } = supervisor.status().listening[0]!
    expect(await text(port)).toBe('r1')
    // As a deploy does it: a new link, renamed over the old one in one step.
    symlinkSync('r2', join(dir, 'next'))
    renameSync(join(dir, 'next'), current)
    await reloaded
    expect(supervisor.status().lastReload).toMatchObject({ ok: true, generation: 2 })
    expect(await text(port)).toBe('r2')
  })

  it('rejects with a WorkerFailedError when the first generation does not start', async () => {
    const versionFile = tempFile('version')
    writeFileSync(versionFile, 'crash')
    const failed = supervise({
      entry,
      listen: [{ host: '127.0.0.1', port: 0 }],
      env: { APP_VERSION_FILE: versionFile },
    })
    await expect(failed).rejects.toBeInstanceOf(WorkerFailedError)
    await expect(failed).rejects.toMatchObject({
      code: 'LAMEDUCK_ERR_WORKER_FAILED',
      pid: expect.any(Number),
      message: expect.stringMatching(/^worker \d+ exited with 1 before it was ready$/),
    })
  })

  it('fails with LAMEDUCK_ERR_LISTEN when the port is taken, rather than serving another one', async () => {
    const taken = createServer().listen(0, '127.0.0.1')
    await once(taken, 'listening')
    onTestFinished(() => {
      taken.close()
    })
    const { port } = taken.address() as AddressInfo
    await expect(supervise({ entry, listen: [{ host: '127.0.0.1', port }] })).rejects.toMatchObject(
      { code: 'LAMEDUCK_ERR_LISTEN', message: expect.stringContaining(`${port}`) },
    )
  })

  it('leaves the exit to an app with signals: false, after draining it', async () => {
    const exitedFile = tempFile('exited')
    const supervisor = await supervise({
      entry: fileURLToPath(new URL('./fixtures/signals-false-app.mjs', import.meta.url)),
      listen: [{ host: '127.0.0.1', port: 0 }],
      env: { EXITED_FILE: exitedFile },
    })
    expect(await text(supervisor.status().listening[0]!.port)).toBe('ok')
    expect(await supervisor.stop()).toEqual({ ok: true })
    expect(readFileSync(exitedFile, 'utf8')).toBe('app, ok true')
  })

  it('lameduck run without an app fails with an InvalidOptionError and the usage', async () => {
    const cli = fileURLToPath(new URL('../dist/cli.mjs', import.meta.url))
    const run = spawn(process.execPath, [cli, 'run', '--listen', '127.0.0.1:0'], {
      stdio: ['ignore', 'ignore', 'pipe'],
    })
    let stderr = ''
    run.stderr!.on('data', (chunk) => {
      stderr += chunk
    })
    // 'close', not 'exit': stderr is read to its end.
    const [code] = await once(run, 'close')
    expect(code).toBe(1)
    expect(stderr).toMatch(/^lameduck: Invalid option "app": expected the app to run/)
    expect(stderr).toContain('usage:')
  })

  it('parses --listen forms', () => {
    expect(parseListen('3000')).toEqual({ host: '0.0.0.0', port: 3000 })
    expect(parseListen('127.0.0.1:8080')).toEqual({ host: '127.0.0.1', port: 8080 })
    expect(parseListen('[::1]:8080')).toEqual({ host: '::1', port: 8080 })
  })
})
