// Every example starts, answers, and exits 0 on SIGTERM; the Kubernetes manifest's timings add up
// with the app's options.
import { once } from 'node:events'
import { readFileSync } from 'node:fs'
import { connect as connectHttp2 } from 'node:http2'
import { SHUTDOWN_WAITS } from '@lameduck/core'
import { startFixture } from '@lameduck/test-utils'
import { describe, expect, it } from 'vitest'
import { WebSocket } from 'ws'
import { parse } from 'yaml'
import { hooks, options } from './kubernetes/options.mjs'

// TypeScript examples run their build output (`pnpm build` makes it before the tests).
const entries: Record<string, string> = { nestjs: 'nestjs/dist/main.js' }
const server = (name: string) =>
  new URL(`./${entries[name] ?? `${name}/server.mjs`}`, import.meta.url)

async function start(name: string) {
  const child = await startFixture(
    server(name),
    {},
    { PORT: '0', LAMEDUCK_DELAY: '0', HOST: '127.0.0.1' },
  )
  return child
}

async function stop(child: Awaited<ReturnType<typeof start>>) {
  child.process.kill('SIGTERM')
  expect((await child.exit).code).toBe(0)
}

describe('examples', { timeout: 20_000 }, () => {
  for (const [name, expected] of [
    ['node-http', 'hello'],
    ['fastify', 'hello from fastify'],
    ['express', 'hello from express'],
    ['koa', 'hello from koa'],
    ['hono', 'hello from hono'],
    ['nestjs', 'hello from nestjs'],
    ['kubernetes', 'hello from kubernetes'],
  ] as const) {
    it(`${name}: answers, then exits 0 on SIGTERM`, async () => {
      const child = await start(name)
      const response = await fetch(`http://127.0.0.1:${child.port}/`)
      expect((await response.text()).trim()).toBe(expected)
      if (name !== 'node-http') {
        const health = await fetch(`http://127.0.0.1:${child.port}/healthz`)
        expect(health.status).toBe(200)
      }
      await stop(child)
    })
  }

  it('websocket: the client gets 1001 on SIGTERM, and the server exits 0', async () => {
    const child = await start('websocket')
    const socket = new WebSocket(`ws://127.0.0.1:${child.port}`)
    expect(String((await once(socket, 'message'))[0])).toBe('welcome')
    const closed = once(socket, 'close')
    child.process.kill('SIGTERM')
    expect((await closed)[0]).toBe(1001)
    expect((await child.exit).code).toBe(0)
  })

  it('sse: the stream ends with a last event on SIGTERM, and the server exits 0', async () => {
    const child = await start('sse')
    const response = await fetch(`http://127.0.0.1:${child.port}/events`)
    const reader = response.body!.getReader()
    await reader.read()
    child.process.kill('SIGTERM')
    let rest = ''
    for (;;) {
      const { done, value } = await reader.read()
      if (done) break
      rest += new TextDecoder().decode(value)
    }
    expect(rest).toContain('event: bye')
    expect((await child.exit).code).toBe(0)
  })

  it('http2: answers over h2c, then exits 0 on SIGTERM', async () => {
    const child = await start('http2')
    const session = connectHttp2(`http://127.0.0.1:${child.port}`)
    const stream = session.request({ ':path': '/' })
    let body = ''
    stream.on('data', (chunk) => {
      body += chunk
    })
    await once(stream, 'end')
    expect(body).toBe('hello over HTTP/2\n')
    session.close()
    await stop(child)
  })

  it("kubernetes: the Deployment's timings add up with the app's options", () => {
    const manifest = parse(
      readFileSync(new URL('./kubernetes/deployment.yaml', import.meta.url), 'utf8'),
    )
    const pod = manifest.spec.template.spec
    const [container] = pod.containers
    const readiness = container.readinessProbe
    expect(readiness.httpGet.path).toBe('/readyz')
    expect(container.livenessProbe.httpGet.path).toBe('/healthz')
    expect(container.command[0]).toBe('node')
    // The built-in sleep action, not an exec of a `sleep` binary the image may lack.
    const preStop = container.lifecycle.preStop
    expect(preStop.exec).toBeUndefined()
    const sleep = preStop.sleep.seconds * 1_000
    // The listener stays open for the sleep and then `delay`, while endpoints update.
    const propagation = 2_000
    expect(sleep + options.delay).toBeGreaterThanOrEqual(propagation)
    // The grace period counts from preStop; past the deadline lameduck's own waits are bounded
    // (destroyed sockets closing, the logger flushing).
    const worstCase =
      sleep +
      options.timeout +
      hooks.length * options.hookTimeout +
      SHUTDOWN_WAITS.forcedClose +
      SHUTDOWN_WAITS.flush
    expect(pod.terminationGracePeriodSeconds * 1_000).toBeGreaterThan(worstCase)
  })
})
