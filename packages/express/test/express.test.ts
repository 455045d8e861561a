import { lameduck } from '@lameduck/express'
import { sigtermDuring, startFixture } from '@lameduck/test-utils'
import request from 'supertest'
import { describe, expect, it } from 'vitest'
import { expressApp, expressMajors } from './app.js'

/** Where Express 5 (`router`) and 4 (`_router`) keep the app's layers. */
interface Layer {
  name: string
  route?: { path: string }
}
interface RouterHolder {
  router?: { stack: Layer[] }
  _router?: { stack: Layer[] }
}

for (const [name, express] of Object.entries(expressMajors)) {
  describe(`@lameduck/express on ${name}`, () => {
    it('answers liveness and readiness before the app’s other middleware', async () => {
      const { app, ld } = expressApp(express, { delay: 500, timeout: 2_000 })
      let reached = false
      app.use(() => {
        reached = true
      })
      await request(app).get('/healthz').expect(200, { status: 'ok', state: 'serving' })
      await request(app)
        .get('/readyz')
        .expect('cache-control', 'no-store')
        .expect(200, { status: 'ready', state: 'serving', checks: {} })
      await request(app).head('/readyz').expect(200)
      expect(reached).toBe(false)
      const done = ld.shutdown()
      await request(app).get('/readyz').expect(503, { status: 'draining', state: 'draining' })
      await request(app).get('/healthz').expect(200, { status: 'ok', state: 'draining' })
      await done
    })

    it('registers the health routes through Express’s router with routes(app), leaving the rest to it', async () => {
      const ld = lameduck({ signals: false, readiness: { path: '/ready' }, delay: 500 })
      const app = express()
      expect(ld.routes(app)).toBe(app)
      app.get('/', (_req, res) => {
        res.send('hello')
      })
      // Express 4 keeps its layers in _router, and throws on reading app.router.
      const holder = app as unknown as RouterHolder
      const stack = (holder._router ?? holder.router)?.stack ?? []
      // Routes, not a middleware: a request for another path runs nothing of lameduck's.
      expect(stack.filter((layer) => layer.route).map((layer) => layer.route?.path)).toEqual([
        '/healthz',
        '/ready',
        '/',
      ])
      expect(stack.filter((layer) => !layer.route).map((layer) => layer.name)).toEqual(
        name === 'express 4' ? ['query', 'expressInit'] : [],
      )
      await request(app).get('/healthz').expect(200, { status: 'ok', state: 'serving' })
      await request(app).head('/ready').expect('cache-control', 'no-store').expect(200)
      await request(app)
        .get('/ready?probe=1')
        .expect(200, { status: 'ready', state: 'serving', checks: {} })
      await request(app).get('/').expect(200, 'hello')
      // Express's own routing settings apply: case-insensitive, trailing slash allowed.
      await request(app).get('/HEALTHZ/').expect(200)
      await request(app).get('/readyz').expect(404)
      await request(app).post('/healthz').expect(404)
      const done = ld.shutdown()
      await request(app).get('/ready').expect(503, { status: 'draining', state: 'draining' })
      await done
      expect(() => ld.routes(undefined as never)).toThrow(
        expect.objectContaining({ code: 'LAMEDUCK_ERR_INVALID_OPTION', option: 'routes(app)' }),
      )
    })

    it('reports a failing readiness check with 503', async () => {
      const { app, ld } = expressApp(express, { checkTimeout: 20 })
      ld.addReadinessCheck('db', () => new Promise(() => {}))
      const response = await request(app).get('/readyz').expect(503)
      expect(response.body).toMatchObject({
        status: 'unready',
        checks: { db: { status: 'timeout' } },
      })
    })

    it('mounts configured paths, leaves others and other methods to the app', async () => {
      const { app } = expressApp(express, { health: '/live', readiness: false })
      await request(app).get('/live').expect(200)
      await request(app).get('/readyz').expect(404)
      await request(app).post('/live').expect(404)
    })

    it('rejects invalid options with a typed error', () => {
      expect(() => expressApp(express, { readiness: 'readyz' })).toThrow(
        expect.objectContaining({ code: 'LAMEDUCK_ERR_INVALID_OPTION', option: 'readiness' }),
      )
    })
  })
}

describe('@lameduck/express in a child process', { timeout: 15_000 }, () => {
  it('SIGTERM during a slow request: 200 and exit 0', async () => {
    const child = await startFixture(new URL('./fixtures/server.mjs', import.meta.url))
    const { response, exit } = await sigtermDuring(child, '/slow')
    expect(response).toMatchObject({ status: 200, headers: { connection: 'close' }, body: 'slow' })
    expect(exit).toEqual({ code: 0, signal: null })
  })
})
