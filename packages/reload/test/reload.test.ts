import { once } from 'node:events'
import { get as httpsGet } from 'node:https'
import { defaultControlPath, type SupervisorStatus, sendControl } from '@lameduck/reload'
import {
  connectOutcome,
  keepAliveLoad,
  type LoadClient,
  testCertificate,
} from '@lameduck/test-utils'
import { describe, expect, it } from 'vitest'
import { runSupervisor, startSupervisor, text } from './run.js'

/** A request that takes 1.5 s, on its own connection, so it spans a reload. */
const slow = (port: number) => text(port, '/slow')

describe('lameduck run: reloads under load', { timeout: 40_000 }, () => {
  for (const client of ['undici', 'node-agent'] satisfies LoadClient[]) {
    it(`3 reloads under 50 keep-alive connections (${client}): nothing fails, the version changes`, async () => {
      const sup = await runSupervisor('v1')
      const load = keepAliveLoad({ port: sup.port, client, connections: 50, maxDuration: 15_000 })
      const slowAnswers: Promise<string>[] = []
      const versions = [await text(sup.port)]
      for (const version of ['v2', 'v3', 'v4']) {
        // Paced by the load itself: 200 answers between reloads, and a 1.5 s request in flight
        // across each reload.
        await load.answered(200)
        const slowIn = sup.line(/^app: slow request in/)
        slowAnswers.push(slow(sup.port))
        await slowIn
        sup.setVersion(version)
        expect((await sup.cli('reload')).code).toBe(0)
        versions.push(await text(sup.port))
      }
      // And 200 more from the last generation.
      await load.answered(200)
      const result = await load.stop()
      expect(result.lost).toEqual([])
      expect(result.refused).toBe(0)
      expect(result.non2xx).toBe(0)
      expect(result.ok).toBeGreaterThanOrEqual(800)
      expect(versions).toEqual(['v1', 'v2', 'v3', 'v4'])
      expect(await Promise.all(slowAnswers)).toEqual(['v1 slow', 'v2 slow', 'v3 slow'])
      sup.process.kill('SIGTERM')
      expect(await sup.exit).toBe(0)
    })
  }
})

describe('lameduck run: several workers', { timeout: 30_000 }, () => {
  it('--workers 2: a whole generation is replaced under load without a failed request', async () => {
    const sup = await runSupervisor('v1', ['--workers', '2'])
    const load = keepAliveLoad({
      port: sup.port,
      client: 'undici',
      connections: 50,
      maxDuration: 10_000,
    })
    const generations = async () =>
      JSON.parse((await sup.cli('status')).output)
        .workers.filter((w: { state: string }) => w.state === 'ready')
        .map((w: { generation: number }) => w.generation)
    expect(await generations()).toEqual([1, 1])
    sup.setVersion('v2')
    expect((await sup.cli('reload')).code).toBe(0)
    expect(await generations()).toEqual([2, 2])
    expect(await text(sup.port)).toBe('v2')
    const result = await load.stop()
    expect(result).toMatchObject({ lost: [], refused: 0, non2xx: 0 })
  })
})

describe('lameduck run: bad deploys roll back', { timeout: 30_000 }, () => {
  it('a new version that crashes at start-up: reload exits 1, the old one keeps serving', async () => {
    const sup = await runSupervisor('v1')
    const load = keepAliveLoad({
      port: sup.port,
      client: 'undici',
      connections: 20,
      maxDuration: 10_000,
    })
    sup.setVersion('crash')
    const reload = await sup.cli('reload')
    expect(reload.code).toBe(1)
    expect(JSON.parse(reload.output)).toMatchObject({ ok: false, generation: 1 })
    expect(await text(sup.port)).toBe('v1')
    const result = await load.stop()
    expect(result).toMatchObject({ lost: [], refused: 0, non2xx: 0 })
    expect(sup.log.some((line) => line.startsWith('lameduck: reload failed'))).toBe(true)
  })

  it('a new version that never gets ready: rolled back after the ready timeout', async () => {
    const sup = await runSupervisor('v1', ['--ready-timeout', '1000'])
    sup.setVersion('never-ready')
    const reload = await sup.cli('reload')
    expect(reload.code).toBe(1)
    expect(JSON.parse(reload.output).error).toMatch(/not ready after 1000 ms/)
    expect(await text(sup.port)).toBe('v1')
    const status = JSON.parse((await sup.cli('status')).output)
    expect(status.workers).toHaveLength(1)
    expect(status.generation).toBe(1)
  })
})

describe('lameduck run: the supervisor', { timeout: 30_000 }, () => {
  it('respawns a worker killed under load; the socket stays open, nothing is refused', async () => {
    const sup = await runSupervisor('v1')
    const load = keepAliveLoad({
      port: sup.port,
      client: 'undici',
      connections: 20,
      maxDuration: 10_000,
    })
    const before = Number(await text(sup.port, '/pid'))
    const respawned = sup.line(/^lameduck: worker \d+ started .*"generation":1/)
    process.kill(before, 'SIGKILL')
    await respawned
    // Served by the new worker, from connections that waited in the socket's backlog.
    const after = Number(await text(sup.port, '/pid'))
    await load.answered(100)
    const result = await load.stop()
    expect(after).not.toBe(before)
    expect(result.refused).toBe(0)
    expect(result.non2xx).toBe(0)
    // Only requests already inside the killed process can fail.
    expect(result.lost.length).toBeLessThanOrEqual(20)
    expect(sup.log.some((line) => line.startsWith('lameduck: worker died while serving'))).toBe(
      true,
    )
  })

  it('coalesces reloads asked for during a reload: at most 2 generations alive, the latest code wins', async () => {
    const sup = await runSupervisor('v1')
    const pid = sup.process.pid
    const control = defaultControlPath(pid)
    sup.setVersion('v2')
    const second = sup.line(/^lameduck: worker \d+ started .*"generation":2/)
    sup.process.kill('SIGHUP')
    await second
    // Four more while generation 2 starts: they are all answered by one reload after it.
    sup.setVersion('v6')
    const third = sup.line(/^lameduck: worker \d+ started .*"generation":3/)
    const answers = Promise.all([1, 2, 3, 4].map(() => sendControl(control, 'reload')))
    await third
    // Generation 3 starts only once generation 1 has drained and exited.
    const status = (await sendControl(control, 'status')) as SupervisorStatus
    expect(new Set(status.workers.map((w) => w.generation)).size).toBeLessThanOrEqual(2)
    expect(await answers).toEqual(
      [1, 2, 3, 4].map(() => expect.objectContaining({ ok: true, generation: 3 })),
    )
    expect(await text(sup.port)).toBe('v6')
    expect(JSON.parse((await sup.cli('status')).output)).toMatchObject({ pid, generation: 3 })
  })

  it('SIGTERM drains the in-flight request and exits 0; a second SIGTERM exits 143', async () => {
    const first = await runSupervisor('v1')
    const firstIn = first.line(/^app: slow request in/)
    const inFlight = slow(first.port)
    await firstIn
    const draining = first.line(/^app: draining/)
    first.process.kill('SIGTERM')
    // While the request is still in flight, new connections are already refused, not queued:
    // the supervisor closed its socket before telling the worker, which closed its listener.
    await draining
    expect(await connectOutcome(first.port)).toBe('ECONNREFUSED')
    expect(await inFlight).toBe('v1 slow')
    expect(await first.exit).toBe(0)

    const second = await runSupervisor('v1')
    const secondIn = second.line(/^app: slow request in/)
    const cut = slow(second.port).catch(() => 'cut')
    await secondIn
    const stopping = second.line(/^lameduck: stopping/)
    second.process.kill('SIGTERM')
    await stopping
    second.process.kill('SIGTERM')
    expect(await second.exit).toBe(143)
    expect(await cut).toBe('cut')
  })
})

describe('lameduck run: around the supervisor', { timeout: 20_000 }, () => {
  it('a worker whose supervisor vanished drains and exits', async () => {
    const sup = await runSupervisor('v1')
    const exited = sup.line(/^app: exit/)
    // The worker shares the supervisor's stderr pipe, which closes once the worker is gone too.
    const workerGone = once(sup.process.stderr!, 'close')
    sup.process.kill('SIGKILL')
    await sup.exit
    expect(await exited, sup.log.join('\n')).toBe('app: exit 0')
    await workerGone
  })

  it('a worker whose supervisor vanished while it was starting drains and exits once ready', async () => {
    const sup = startSupervisor('ready-once-orphaned')
    const exited = sup.line(/^app: exit/)
    const workerGone = once(sup.process.stderr!, 'close')
    await sup.line(/^app: checking readiness/)
    sup.process.kill('SIGKILL')
    await sup.exit
    expect(await exited, sup.log.join('\n')).toBe('app: exit 0')
    await workerGone
  })

  it('takes its socket from systemd socket activation (LISTEN_FDS) when given one', async () => {
    const sup = await runSupervisor('v1', [], { activate: true })
    expect(await text(sup.port)).toBe('v1')
    expect(sup.log.find((line) => line.startsWith('lameduck: serving'))).toContain(
      `"port":${sup.port}`,
    )
  })
})

describe('lameduck run: a stop while a worker is starting', { timeout: 20_000 }, () => {
  // A worker that never served and dies of the stop's SIGTERM is a clean stop; one that exits 1 of
  // its own accord on the way is not.
  it.each([
    { version: 'slow-start', code: 0 },
    { version: 'crash-while-starting', code: 1 },
  ])('a stop while a respawned worker ($version) loads exits $code', async ({ version, code }) => {
    const sup = await runSupervisor('v1')
    const first = Number(await text(sup.port, '/pid'))
    sup.setVersion(version)
    const loading = sup.line(/^app: loading/)
    process.kill(first, 'SIGKILL')
    await loading
    sup.process.kill('SIGTERM')
    expect(await sup.exit, sup.log.join('\n')).toBe(code)
    const stoppedWhileStarting = sup.log.some((line) => /stopped while starting/.test(line))
    expect(stoppedWhileStarting).toBe(code === 0)
  })

  it("stops a reload's new generation still starting, with the old one drained: exit 0", async () => {
    const sup = await runSupervisor('v1')
    sup.setVersion('slow-start')
    const loading = sup.line(/^app: loading/)
    const workersGone = once(sup.process.stderr!, 'close')
    sup.process.kill('SIGHUP')
    await loading
    sup.process.kill('SIGTERM')
    expect(await sup.exit, sup.log.join('\n')).toBe(0)
    expect(sup.log.some((line) => /reload failed/.test(line))).toBe(false)
    // No worker of either generation outlives the supervisor.
    await workersGone
  })
})

describe('lameduck run: an app that does not use lameduck', { timeout: 20_000 }, () => {
  it('is handed the socket, reloaded and drained all the same', async () => {
    const sup = await runSupervisor('v1', [], { app: 'plain-app.mjs' })
    expect(await text(sup.port)).toBe('v1')
    sup.setVersion('v2')
    expect((await sup.cli('reload')).code).toBe(0)
    expect(await text(sup.port)).toBe('v2')
    const slowIn = sup.line(/^app: slow request in/)
    const inFlight = text(sup.port, '/slow')
    await slowIn
    sup.process.kill('SIGTERM')
    expect(await inFlight).toBe('v2 slow')
    expect(await sup.exit).toBe(0)
  })
})

describe('lameduck run: an app that attaches its own handle', { timeout: 20_000 }, () => {
  it("is drained through that handle on a reload, so the app's hooks run", async () => {
    const sup = await runSupervisor('v1', [], { app: 'attach-app.mjs' })
    expect(await text(sup.port)).toBe('v1')
    const hookRan = sup.line(/^app: hook ran \(v1\)/)
    sup.setVersion('v2')
    expect((await sup.cli('reload')).code).toBe(0)
    expect(await text(sup.port)).toBe('v2')
    await hookRan
  })

  it('hands the exit to the delegate of a handle with signals: false once the drain has started', async () => {
    const sup = await runSupervisor('v1', [], { app: 'delegate-app.mjs' })
    expect(await text(sup.port)).toBe('v1')
    const delegated = sup.line(/^app: exit delegated while draining \(v1\)/)
    const drained = sup.line(/^app: drained, ok true \(v1\)/)
    sup.setVersion('v2')
    expect((await sup.cli('reload')).code).toBe(0)
    expect(await text(sup.port)).toBe('v2')
    await delegated
    await drained
    // The second generation's delegate ends it too, with 0: the supervisor's stop is clean.
    sup.process.kill('SIGTERM')
    expect(await sup.exit).toBe(0)
  })
})

describe('lameduck run: HTTPS apps', { timeout: 20_000 }, () => {
  it('share TLS session-ticket keys across generations', async () => {
    const { key, cert } = await testCertificate()
    const sup = await runSupervisor('v1', [], {
      app: 'tls-app.mjs',
      env: { APP_TLS_KEY: key, APP_TLS_CERT: cert },
    })
    const keys = () => httpsText(sup.port)
    const before = await keys()
    expect((await sup.cli('reload')).code).toBe(0)
    expect(await keys()).toBe(before)
    expect(before).toMatch(/^[0-9a-f]{96}$/)
  })
})

function httpsText(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = httpsGet(
      { host: '127.0.0.1', port, rejectUnauthorized: false, agent: false },
      (res) => {
        let body = ''
        res.on('data', (chunk) => {
          body += chunk
        })
        res.on('end', () => resolve(body))
      },
    )
    req.on('error', reject)
  })
}
