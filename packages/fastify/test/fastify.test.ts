import { once } from 'node:events'
import { connect as connectHttp2 } from 'node:http2'
import { Writable } from 'node:stream'
import { InvalidStateError } from '@lameduck/core'
import graceful, { lameduckFastify } from '@lameduck/fastify'
import { get, RawClient, sigtermDuring, startFixture } from '@lameduck/test-utils'
import Fastify, { type FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import { describe, expect, it, onTestFinished } from 'vitest'

async function listen(app: FastifyInstance) {
  await app.listen({ port: 0, host: '127.0.0.1' })
  onTestFinished(() => app.close())
  return (app.server.address() as { port: number }).port
}

/** A Fastify app logging from info up, its lines kept as objects. */
function loggingApp() {
  const lines: Record<string, unknown>[] = []
  const stream = new Writable({
    write(chunk, _encoding, done) {
      lines.push(JSON.parse(String(chunk)))
      done()
    },
  })
  return { app: Fastify({ logger: { level: 'info', stream } }), lines }
}

async function client(port: number) {
  const raw = await RawClient.connect(port)
  onTestFinished(() => raw.close())
  return raw
}

describe('@lameduck/fastify', () => {
  it('exports the plugin as default and by name', () => {
    expect(lameduckFastify).toBe(graceful)
  })

  it('refuses to be registered twice on one instance', async () => {
    const app = Fastify()
    onTestFinished(() => app.close())
    await app.register(graceful, { signals: false })
    await expect(app.register(graceful, { signals: false })).rejects.toThrow(InvalidStateError)
  })

  it('rejects invalid options at register time with a typed error', async () => {
    const app = Fastify()
    onTestFinished(() => app.close())
    await expect(app.register(graceful, { timeout: -1 })).rejects.toMatchObject({
      code: 'LAMEDUCK_ERR_INVALID_OPTION',
      option: 'timeout',
    })
  })

  it("takes Fastify's own register options: prefix, logLevel and logSerializers", async () => {
    const { app, lines } = loggingApp()
    await app.register(graceful, {
      signals: false,
      prefix: '/internal',
      logLevel: 'debug',
      logSerializers: { reason: (reason: string) => `because ${reason}` },
    })
    const port = await listen(app)
    expect((await get(port, '/internal/healthz')).status).toBe(200)
    expect((await get(port, '/healthz')).status).toBe(404)
    await app.graceful.shutdown('test')
    const own = lines.filter((line) => line.name === 'lameduck')
    // Debug lines get through although the app logs from info up: lameduck's child has its level.
    expect(own).toContainEqual(expect.objectContaining({ level: 20, phase: 'drain' }))
    expect(own).toContainEqual(
      expect.objectContaining({ msg: 'lameduck: draining', reason: 'because test' }),
    )
    // The health routes log at logLevel too: their request lines show (at 'warn' they would not).
    expect(lines).toContainEqual(
      expect.objectContaining({
        msg: 'incoming request',
        req: expect.objectContaining({ url: '/internal/healthz' }),
      }),
    )
  })

  it.each([
    [{ prefix: 'internal' }, 'prefix'],
    [{ logLevel: 'loud' }, 'logLevel'],
  ])('rejects the register option %j with a typed error', async (options, option) => {
    const app = Fastify()
    onTestFinished(() => app.close())
    await expect(
      app.register(graceful, { signals: false, ...options } as never),
    ).rejects.toMatchObject({
      code: 'LAMEDUCK_ERR_INVALID_OPTION',
      option,
    })
  })

  it('is visible outside the context it was registered in', async () => {
    const app = Fastify()
    onTestFinished(() => app.close())
    await app.register(
      fp(async (child) => {
        await child.register(graceful, { signals: false })
      }),
    )
    await app.ready()
    expect(app.graceful.state).toBe('serving')
  })

  for (const path of ['graceful.shutdown()', 'app.close()'] as const) {
    it(`${path}: drains, runs lameduck hooks, then Fastify's close hooks`, async () => {
      const events: string[] = []
      const app = Fastify()
      await app.register(graceful, { signals: false })
      app.graceful.onShutdown('db', () => {
        events.push('lameduck hook')
      })
      app.addHook('preClose', async () => {
        events.push('preClose')
      })
      app.addHook('onClose', async () => {
        events.push('onClose')
      })
      app.get('/slow', async () => {
        await new Promise((resolve) => setTimeout(resolve, 100))
        return 'slow'
      })
      app.addHook('onResponse', async (_request, reply) => {
        events.push(`response ${reply.getHeader('connection')}`)
      })
      const arrived = new Promise((resolve) => app.addHook('onRequest', async () => resolve(1)))
      const raw = await client(await listen(app))
      raw.send('GET', '/slow')
      await arrived
      const closed = path === 'app.close()' ? app.close() : app.graceful.shutdown()
      expect((await raw.read()).headers.connection).toBe('close')
      await closed
      await app.close()
      // The same order either way: lameduck's preClose hook, registered first, drains before
      // the app's own preClose hooks run.
      expect(events).toEqual(['response close', 'lameduck hook', 'preClose', 'onClose'])
      const report = await app.graceful.shutdown()
      expect(report.hooks.map((h) => [h.name, h.status])).toEqual([
        ['db', 'ok'],
        ['fastify', 'ok'],
      ])
    })
  }

  it('app.close() with return503OnClosing (the default): Fastify answers 503 during the drain', async () => {
    const app = Fastify()
    await app.register(graceful, { signals: false, idleGrace: 2_000 })
    app.get('/fast', async () => 'ok')
    const raw = await client(await listen(app))
    expect((await raw.request('GET', '/fast')).status).toBe(200)
    const closed = app.close()
    const during = await raw.request('GET', '/fast')
    expect(during.status).toBe(503)
    expect(during.headers.connection).toBe('close')
    await closed
  })

  it('honours forceCloseConnections: true after the drain', async () => {
    const app = Fastify({ forceCloseConnections: true })
    await app.register(graceful, { signals: false })
    app.get('/slow', async () => {
      await new Promise((resolve) => setTimeout(resolve, 100))
      return 'slow'
    })
    const arrived = new Promise((resolve) => app.addHook('onRequest', async () => resolve(1)))
    const raw = await client(await listen(app))
    raw.send('GET', '/slow')
    await arrived
    const closed = app.close()
    expect(await raw.read()).toMatchObject({ status: 200, body: 'slow' })
    await closed
  })

  it('logs through a child of fastify.log', async () => {
    const { app, lines } = loggingApp()
    await app.register(graceful, { signals: false })
    await listen(app)
    await app.graceful.shutdown()
    expect(lines).toContainEqual(
      expect.objectContaining({ name: 'lameduck', msg: 'lameduck: draining' }),
    )
  })

  it('mounts readiness and liveness, configurable or off', async () => {
    const app = Fastify()
    await app.register(graceful, { signals: false, health: false, readiness: '/ready' })
    const port = await listen(app)
    const raw = await client(port)
    expect(await raw.request('GET', '/ready')).toMatchObject({
      status: 200,
      headers: { 'cache-control': 'no-store' },
    })
    expect((await raw.request('GET', '/healthz')).status).toBe(404)
  })

  it('drains an HTTP/2 server (http2: true): an in-flight stream completes, readiness answers', async () => {
    const app = Fastify({ http2: true })
    await app.register(graceful, { signals: false })
    let arrive: (value: unknown) => void = () => {}
    const arrived = new Promise((resolve) => {
      arrive = resolve
    })
    app.get('/slow', async () => {
      arrive(1)
      await new Promise((resolve) => setTimeout(resolve, 100))
      return 'slow'
    })
    await app.listen({ port: 0, host: '127.0.0.1' })
    onTestFinished(() => app.close())
    const { port } = app.server.address() as { port: number }
    const session = connectHttp2(`http://127.0.0.1:${port}`)
    session.on('error', () => {})
    onTestFinished(() => session.destroy())
    const ready = session.request({ ':path': '/readyz' })
    expect((await once(ready, 'response'))[0][':status']).toBe(200)
    ready.resume()
    const slow = session.request({ ':path': '/slow' })
    let body = ''
    slow.on('data', (chunk) => {
      body += chunk
    })
    const ended = once(slow, 'end')
    await arrived
    const report = await app.graceful.shutdown()
    await ended
    expect(body).toBe('slow')
    expect(report).toMatchObject({ ok: true, requests: { forced: 0 } })
  })
})

describe('@lameduck/fastify in a child process', { timeout: 15_000 }, () => {
  it('SIGTERM during a slow request: 200, onClose hooks run, exit 0', async () => {
    const child = await startFixture(new URL('./fixtures/server.mjs', import.meta.url))
    const { response, exit } = await sigtermDuring(child, '/slow')
    expect(response).toMatchObject({ status: 200, headers: { connection: 'close' }, body: 'slow' })
    expect(exit).toEqual({ code: 0, signal: null })
    expect(child.lines).toContain('onClose ran')
  })
})
