import { sigtermDuring, startFixture } from '@lameduck/test-utils'
import request from 'supertest'
import { describe, expect, it } from 'vitest'
import { koaApp, koaMajors } from './app.js'

for (const [name, Koa] of Object.entries(koaMajors)) {
  describe(`@lameduck/koa on ${name}`, () => {
    it('answers liveness and readiness before the app’s other middleware', async () => {
      const { app, ld } = koaApp(Koa, { delay: 500, timeout: 2_000 })
      let reached = false
      app.use(async () => {
        reached = true
      })
      await request(app.callback()).get('/healthz').expect(200, { status: 'ok', state: 'serving' })
      await request(app.callback())
        .get('/readyz')
        .expect('cache-control', 'no-store')
        .expect(200, { status: 'ready', state: 'serving', checks: {} })
      await request(app.callback()).head('/readyz').expect(200)
      expect(reached).toBe(false)
      const done = ld.shutdown()
      await request(app.callback())
        .get('/readyz')
        .expect(503, { status: 'draining', state: 'draining' })
      await request(app.callback()).get('/healthz').expect(200, { status: 'ok', state: 'draining' })
      await done
    })

    it('reports a failing readiness check with 503', async () => {
      const { app, ld } = koaApp(Koa, { checkTimeout: 20 })
      ld.addReadinessCheck('db', () => new Promise(() => {}))
      const response = await request(app.callback()).get('/readyz').expect(503)
      expect(response.body).toMatchObject({
        status: 'unready',
        checks: { db: { status: 'timeout' } },
      })
    })

    it('mounts configured paths, leaves others and other methods to the app', async () => {
      const { app } = koaApp(Koa, { health: '/live', readiness: false })
      await request(app.callback()).get('/live').expect(200)
      await request(app.callback()).get('/live?probe=kubelet').expect(200)
      await request(app.callback()).get('/readyz').expect(404)
      await request(app.callback()).post('/live').expect(404)
    })

    it('rejects invalid options with a typed error', () => {
      expect(() => koaApp(Koa, { readiness: 'readyz' })).toThrow(
        expect.objectContaining({ code: 'LAMEDUCK_ERR_INVALID_OPTION', option: 'readiness' }),
      )
    })
  })
}

describe('@lameduck/koa in a child process', { timeout: 15_000 }, () => {
  it('SIGTERM during a slow request: 200 and exit 0', async () => {
    const child = await startFixture(new URL('./fixtures/server.mjs', import.meta.url))
    const { response, exit } = await sigtermDuring(child, '/slow')
    expect(response).toMatchObject({ status: 200, headers: { connection: 'close' }, body: 'slow' })
    expect(exit).toEqual({ code: 0, signal: null })
  })
})
