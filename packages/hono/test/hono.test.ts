import { EventEmitter, once } from 'node:events'
import { connect, createSecureServer } from 'node:http2'
import type { AddressInfo } from 'node:net'
import { serve } from '@hono/node-server'
import { lameduck } from '@lameduck/hono'
import { keepAliveLoad, sigtermDuring, startFixture, testCertificate } from '@lameduck/test-utils'
import { Hono } from 'hono'
import { describe, expect, it, onTestFinished } from 'vitest'
import { honoApp } from './app.js'

describe('@lameduck/hono', () => {
  it('answers liveness and readiness before the app’s other middleware', async () => {
    const { app, ld } = honoApp({ delay: 500, timeout: 2_000 })
    let reached = false
    app.use(async () => {
      reached = true
    })
    const health = await app.request('/healthz')
    expect([health.status, await health.json()]).toEqual([200, { status: 'ok', state: 'serving' }])
    const ready = await app.request('/readyz')
    expect(ready.headers.get('cache-control')).toBe('no-store')
    expect(await ready.json()).toEqual({ status: 'ready', state: 'serving', checks: {} })
    expect((await app.request('/readyz', { method: 'HEAD' })).status).toBe(200)
    expect(reached).toBe(false)
    const done = ld.shutdown()
    const draining = await app.request('/readyz')
    expect([draining.status, await draining.json()]).toEqual([
      503,
      { status: 'draining', state: 'draining' },
    ])
    expect((await app.request('/healthz')).status).toBe(200)
    await done
  })

  it('registers the health routes through Hono’s router with routes(app), leaving the rest to it', async () => {
    const ld = lameduck({ signals: false, readiness: { path: '/ready' } })
    const app = new Hono()
    expect(ld.routes(app)).toBe(app)
    app.get('/', (c) => c.text('hello'))
    // Hono's router, not a middleware: nothing runs in front of the app's own routes.
    expect(app.routes.map((r) => [r.method, r.path])).toEqual([
      ['GET', '/healthz'],
      ['GET', '/ready'],
      ['GET', '/'],
    ])
    const health = await app.request('/healthz')
    expect([health.status, await health.json()]).toEqual([200, { status: 'ok', state: 'serving' }])
    const head = await app.request('/ready', { method: 'HEAD' })
    expect([head.status, head.headers.get('cache-control')]).toEqual([200, 'no-store'])
    expect((await app.request('/')).status).toBe(200)
    expect((await app.request('/readyz')).status).toBe(404)
    const done = ld.shutdown()
    expect((await app.request('/ready')).status).toBe(503)
    await done
    expect(() => ld.routes(undefined as never)).toThrow(
      expect.objectContaining({ code: 'LAMEDUCK_ERR_INVALID_OPTION', option: 'routes(app)' }),
    )
  })

  it('reports a failing readiness check with 503', async () => {
    const { app, ld } = honoApp({ checkTimeout: 20 })
    ld.addReadinessCheck('db', () => new Promise(() => {}))
    const response = await app.request('/readyz')
    expect(response.status).toBe(503)
    expect(await response.json()).toMatchObject({
      status: 'unready',
      checks: { db: { status: 'timeout' } },
    })
  })

  it('mounts configured paths, leaves others and other methods to the app', async () => {
    const { app } = honoApp({ health: '/live', readiness: false })
    expect((await app.request('/live')).status).toBe(200)
    expect((await app.request('/readyz')).status).toBe(404)
    expect((await app.request('/live', { method: 'POST' })).status).toBe(404)
  })

  it('rejects invalid options with a typed error', () => {
    expect(() => honoApp({ readiness: 'readyz' })).toThrow(
      expect.objectContaining({ code: 'LAMEDUCK_ERR_INVALID_OPTION', option: 'readiness' }),
    )
  })

  it('aborts a handler’s c.req.raw.signal when the deadline destroys its request', async () => {
    const probe = new EventEmitter()
    const { app, ld } = honoApp({ timeout: 200 }, probe)
    const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' })
    ld.attach(server)
    await once(server, 'listening')
    const port = (server.address() as AddressInfo).port
    const arrived = once(probe, 'arrived')
    fetch(`http://127.0.0.1:${port}/hang`).catch(() => {})
    await arrived
    const aborted = once(probe, 'aborted')
    const report = await ld.shutdown()
    await aborted
    expect(report.requests.forced).toBe(1)
  })
})

describe('@lameduck/hono over HTTP/2 (createServer: http2.createSecureServer)', () => {
  it('lets in-flight streams finish, ends a server-sent event stream, and closes the session', async () => {
    const { app, ld } = honoApp({ idleGrace: 50 })
    const server = serve({
      fetch: app.fetch,
      port: 0,
      hostname: '127.0.0.1',
      createServer: createSecureServer,
      serverOptions: { ...(await testCertificate()) },
    })
    ld.attach(server)
    await once(server, 'listening')
    const session = connect(`https://127.0.0.1:${(server.address() as AddressInfo).port}`, {
      rejectUnauthorized: false,
    })
    session.on('error', () => {})
    onTestFinished(() => session.destroy())
    const read = (path: string) => {
      const stream = session.request({ ':path': path })
      const response = once(stream, 'response')
      let body = ''
      stream.setEncoding('utf8').on('data', (chunk: string) => {
        body += chunk
      })
      return { response, body: once(stream, 'end').then(() => body) }
    }
    const slow = read('/slow?ms=200')
    const events = read('/events')
    const [[headers]] = await Promise.all([events.response, slow.response.catch(() => [])])
    expect(headers[':status']).toBe(200)
    const closed = once(session, 'close')
    const report = await ld.shutdown()
    expect(await slow.body).toBe('slow')
    expect(await events.body).toBe('data: hello\n\nevent: bye\ndata: shutting down\n\n')
    await closed
    expect(report).toMatchObject({ ok: true, requests: { forced: 0 } })
  })
})

describe('@lameduck/hono in a child process', { timeout: 15_000 }, () => {
  it('SIGTERM under 50 keep-alive connections and a slow request: nothing lost, 200, exit 0', async () => {
    const fixture = new URL('./fixtures/server.mjs', import.meta.url)
    const child = await startFixture(fixture, { delay: 100 })
    const load = keepAliveLoad({ port: child.port, client: 'undici', connections: 50 })
    const { response, exit } = await sigtermDuring(child, '/slow')
    expect(response).toMatchObject({ status: 200, headers: { connection: 'close' }, body: 'slow' })
    expect(exit).toEqual({ code: 0, signal: null })
    const result = await load.done
    expect(result).toMatchObject({ lost: [], non2xx: 0 })
    expect(result.ok).toBeGreaterThan(50)
  })
})
