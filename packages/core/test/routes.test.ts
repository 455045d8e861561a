import { InvalidOptionError, lameduck } from '@lameduck/core'
import { healthRouteMatcher, healthRoutes, ROUTE_DEFAULTS } from '@lameduck/core/adapter'
import { describe, expect, it } from 'vitest'

describe('healthRoutes', () => {
  it('defaults to /healthz and /readyz', () => {
    const routes = healthRoutes(lameduck({ signals: false }))
    expect(routes.map((r) => [r.kind, r.path])).toEqual([
      ['health', ROUTE_DEFAULTS.health],
      ['readiness', ROUTE_DEFAULTS.readiness],
    ])
  })

  it('takes a path, { path }, or false', () => {
    const ld = lameduck({ signals: false })
    expect(healthRoutes(ld, { health: '/live', readiness: { path: '/ready' } })).toMatchObject([
      { kind: 'health', path: '/live' },
      { kind: 'readiness', path: '/ready' },
    ])
    expect(healthRoutes(ld, { health: false })).toMatchObject([{ kind: 'readiness' }])
  })

  it.each([
    [{ health: 'healthz' }, 'health'],
    [{ readiness: 42 }, 'readiness'],
    [{ readiness: { path: '/r', method: 'POST' } }, 'readiness'],
    [{ health: '/same', readiness: '/same' }, 'readiness'],
  ])('rejects %j naming %s', (options, option) => {
    const error = (() => {
      try {
        healthRoutes(lameduck({ signals: false }), options as never)
      } catch (e) {
        return e
      }
    })()
    expect(error).toBeInstanceOf(InvalidOptionError)
    expect(error).toMatchObject({ option })
  })

  it('answers liveness and readiness in framework-neutral form', async () => {
    const ld = lameduck({ signals: false })
    ld.addReadinessCheck('db', () => true)
    const [health, readiness] = healthRoutes(ld)
    expect(await health!.reply()).toEqual({
      status: 200,
      headers: { 'cache-control': 'no-store' },
      body: { status: 'ok', state: 'serving' },
    })
    expect(await readiness!.reply()).toMatchObject({ status: 200, body: { status: 'ready' } })
    const done = ld.shutdown()
    expect(await readiness!.reply()).toMatchObject({
      status: 503,
      headers: { 'retry-after': '1' },
      body: { status: 'draining' },
    })
    expect(await health!.reply()).toMatchObject({ status: 200, body: { state: 'draining' } })
    await done
  })
})

describe('healthRouteMatcher', () => {
  const ld = lameduck({ signals: false })
  const match = healthRouteMatcher(healthRoutes(ld, { readiness: '/ready' }))

  it('matches GET and HEAD on a health path, the query string ignored', () => {
    expect(match('GET', '/healthz')).toMatchObject({ kind: 'health' })
    expect(match('HEAD', '/ready?verbose=1')).toMatchObject({ kind: 'readiness', path: '/ready' })
    expect(match('GET', '/healthz?')).toMatchObject({ kind: 'health' })
  })

  it.each([
    ['POST', '/healthz'],
    ['get', '/healthz'],
    ['GET', '/readyz'],
    ['GET', '/healthz/'],
    ['GET', '/healthzz'],
    ['GET', '/read'],
    ['GET', '/'],
    ['GET', '/x?/healthz'],
    [undefined, '/healthz'],
    ['GET', undefined],
  ])('leaves %s %s to the app', (method, url) => {
    expect(match(method, url)).toBeUndefined()
  })
})
