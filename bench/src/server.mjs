// The server under measurement, in its own process so the load generator does not share its CPU
// or heap. argv: mode and idleGrace. Modes: bare and lameduck (node:http), and
// <framework>-bare / <framework>-lameduck for fastify, express, koa, hono, hono+mw, hono+ldmw, nestjs, next
// and h2 (node:http2), and ws-lameduck (a WebSocket server). Answers the harness over IPC (ipc.mjs).
import { createServer } from 'node:http'
import { lameduck } from '@lameduck/core'
import { answerCommands } from './ipc.mjs'

const [mode = 'bare', grace = '1000'] = process.argv.slice(2)
const [framework, variant] = mode.includes('-') ? mode.split('-') : ['node', mode]
const withLameduck = variant === 'lameduck'
const options = { signals: false, idleGrace: Number(grace) }

async function start() {
  if (framework === 'h2') {
    const { createServer: createH2Server } = await import('node:http2')
    const server = createH2Server()
    server.on('stream', (stream) => {
      stream.respond({ ':status': 200 })
      stream.end('ok')
    })
    const ld = withLameduck ? lameduck(options) : undefined
    ld?.attach(server)
    await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
    return { server, shutdown: () => ld?.shutdown() ?? new Promise((r) => server.close(() => r())) }
  }
  if (framework === 'ws') {
    const { WebSocketServer } = await import('ws')
    const { closeWebSocketsOnDrain } = await import('@lameduck/core')
    const server = createServer()
    const ld = lameduck(options)
    ld.attach(server)
    closeWebSocketsOnDrain(ld, new WebSocketServer({ server }))
    await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
    return { server, shutdown: () => ld.shutdown() }
  }
  if (framework === 'fastify') {
    const { default: Fastify } = await import('fastify')
    const app = Fastify()
    if (withLameduck) await app.register((await import('@lameduck/fastify')).default, options)
    app.get('/', async () => 'ok')
    await app.listen({ port: 0, host: '127.0.0.1' })
    return {
      server: app.server,
      shutdown: () => (withLameduck ? app.graceful.shutdown() : app.close()),
    }
  }
  if (framework === 'express' || framework === 'koa') {
    const adapter = withLameduck
      ? (await import(`@lameduck/${framework}`)).lameduck(options)
      : undefined
    let handler
    if (framework === 'express') {
      const app = (await import('express')).default()
      adapter?.routes(app)
      app.get('/', (_req, res) => res.send('ok'))
      handler = app
    } else {
      const app = new (await import('koa')).default()
      if (adapter) app.use(adapter.middleware())
      app.use(async (ctx) => {
        ctx.body = 'ok'
      })
      handler = app.callback()
    }
    const server = createServer(handler)
    adapter?.attach(server)
    await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
    return { server, shutdown: () => adapter?.shutdown() ?? new Promise((r) => server.close(r)) }
  }
  if (framework.startsWith('hono')) {
    const { serve } = await import('@hono/node-server')
    const { Hono } = await import('hono')
    const ld = withLameduck ? (await import('@lameduck/hono')).lameduck(options) : undefined
    const app = new Hono()
    // hono+ldmw: lameduck's health routes as a first middleware; otherwise through the router.
    if (ld && framework === 'hono+ldmw') app.use(ld.middleware())
    else ld?.routes(app)
    // hono+mw: the app has a middleware of its own (a pass-through, where a logger or CORS would
    // be), so with or without lameduck's, Hono runs its middleware chain, not its one-handler path.
    if (framework === 'hono+mw') app.use((_c, next) => next())
    app.get('/', (c) => c.text('ok'))
    const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' })
    ld?.attach(server)
    await new Promise((resolve) => server.once('listening', resolve))
    return { server, shutdown: () => ld?.shutdown() ?? new Promise((r) => server.close(() => r())) }
  }
  if (framework === 'nestjs') {
    const { Controller, Get, Module } = await import('@nestjs/common')
    const { NestFactory } = await import('@nestjs/core')
    const { LameduckModule, Lameduck } = await import('@lameduck/nestjs')
    class Hello {
      hello() {
        return 'ok'
      }
    }
    Controller()(Hello)
    Get()(Hello.prototype, 'hello', Object.getOwnPropertyDescriptor(Hello.prototype, 'hello'))
    class AppModule {}
    const { signals: _, ...moduleOptions } = options
    Module({
      imports: withLameduck ? [LameduckModule.forRoot(moduleOptions)] : [],
      controllers: [Hello],
    })(AppModule)
    const app = await NestFactory.create(AppModule, { logger: false })
    await app.listen(0, '127.0.0.1')
    const ld = withLameduck ? app.get(Lameduck) : undefined
    return {
      server: app.getHttpServer(),
      shutdown: async () => {
        await app.close()
        return ld?.shutdown()
      },
    }
  }
  if (framework === 'next') {
    // examples/nextjs as a custom server; with lameduck, attached as @lameduck/next's preload does.
    const { createRequire } = await import('node:module')
    const dir = new URL('../../examples/nextjs/', import.meta.url)
    const next = createRequire(new URL('package.json', dir))('next')
    const app = next({ dev: false, dir: new URL('.', dir).pathname, quiet: true })
    await app.prepare()
    const handle = app.getRequestHandler()
    const server = createServer((req, res) => handle(req, res))
    const ld = withLameduck ? lameduck(options) : undefined
    ld?.attach(server)
    await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
    return { server, shutdown: () => ld?.shutdown() ?? new Promise((r) => server.close(() => r())) }
  }
  const server = createServer((_req, res) => res.end('ok'))
  const ld = withLameduck ? lameduck(options) : undefined
  ld?.attach(server)
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve))
  return { server, shutdown: () => ld?.shutdown() ?? new Promise((r) => server.close(() => r())) }
}

const { server, shutdown } = await start()
server.keepAliveTimeout = 60_000

answerCommands(server, {
  async shutdown() {
    const started = performance.now()
    const report = await shutdown()
    return { ms: performance.now() - started, report }
  },
})
