import { subscribe, unsubscribe } from 'node:diagnostics_channel'
import { once } from 'node:events'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { CHANNELS, type Lameduck, lameduck } from '@lameduck/core'
import { describe, expect, it, onTestFinished } from 'vitest'

async function serve(ld: Lameduck) {
  const server = createServer((req, res) =>
    req.url === '/healthz' ? ld.health(req, res) : ld.readiness(req, res),
  )
  ld.attach(server)
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  onTestFinished(() => {
    server.closeAllConnections()
    server.close()
  })
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  return async (path: string) => {
    const res = await fetch(base + path)
    return { status: res.status, body: await res.json(), cache: res.headers.get('cache-control') }
  }
}

describe('readiness and liveness', () => {
  it('is ready while serving and every check passes', async () => {
    const ld = lameduck({ signals: false })
    ld.addReadinessCheck('db', () => 'pong')
    const get = await serve(ld)
    const ready = await get('/readyz')
    expect(ready.status).toBe(200)
    expect(ready.cache).toBe('no-store')
    expect(ready.body).toMatchObject({ status: 'ready', checks: { db: { status: 'ok' } } })
  })

  it('answers 503 naming the check that failed or timed out', async () => {
    const ld = lameduck({ signals: false, checkTimeout: 30 })
    ld.addReadinessCheck('db', () => Promise.reject(new Error('connection refused')))
    ld.addReadinessCheck('cache', () => new Promise(() => {}))
    ld.addReadinessCheck('queue', async () => true, { timeout: 1_000 })
    const get = await serve(ld)
    const result = await get('/readyz')
    expect(result.status).toBe(503)
    expect(result.body).toMatchObject({
      status: 'unready',
      checks: {
        db: { status: 'error', message: 'connection refused' },
        cache: { status: 'timeout' },
        queue: { status: 'ok' },
      },
    })
  })

  it('flips to 503 the moment draining starts, while liveness stays 200', async () => {
    const ld = lameduck({ signals: false, delay: 200, timeout: 1_000 })
    const get = await serve(ld)
    expect(ld.signal.aborted).toBe(false)
    const done = ld.shutdown('test')
    expect(ld.state).toBe('draining')
    expect(ld.signal.aborted).toBe(true)
    expect(await ld.checkReadiness()).toEqual({ ready: false, state: 'draining', checks: {} })
    expect(await get('/readyz')).toMatchObject({ status: 503, body: { status: 'draining' } })
    expect(await get('/healthz')).toMatchObject({ status: 200, body: { state: 'draining' } })
    expect((await done).reason).toBe('test')
  })

  it("with readinessFailsAt: 'close', stays ready through the delay with its checks, then fails", async () => {
    const ld = lameduck({ signals: false, delay: 200, timeout: 1_000, readinessFailsAt: 'close' })
    ld.addReadinessCheck('db', () => 'pong')
    const get = await serve(ld)
    const closing = new Promise<void>((resolve) => {
      const onPhase = (message: unknown) => {
        if ((message as { phase: string }).phase !== 'drain') return
        unsubscribe(CHANNELS.phase, onPhase)
        resolve()
      }
      subscribe(CHANNELS.phase, onPhase)
    })
    const done = ld.shutdown('test')
    expect(await ld.checkReadiness()).toMatchObject({ ready: true, state: 'draining' })
    expect(await get('/readyz')).toMatchObject({
      status: 200,
      body: { status: 'ready', state: 'draining', checks: { db: { status: 'ok' } } },
    })
    await closing
    expect(await ld.checkReadiness()).toEqual({ ready: false, state: 'draining', checks: {} })
    await done
  })
})
