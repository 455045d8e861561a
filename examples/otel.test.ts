// The OpenTelemetry recipe with the real SDK and OTLP/HTTP exporter: spans batched when SIGTERM
// arrives reach a collector (a stand-in on 127.0.0.1) before the process exits, and pino's lines
// from the hooks are written.
import { once } from 'node:events'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { startFixture } from '@lameduck/test-utils'
import { expect, it, onTestFinished } from 'vitest'

interface ExportedSpans {
  resourceSpans: { scopeSpans: { spans: { name: string }[] }[] }[]
}

/** Collects what OTLP/HTTP exporters POST to /v1/traces, JSON-encoded. */
async function collector() {
  const received: ExportedSpans[] = []
  const server = createServer((req, res) => {
    let body = ''
    req.on('data', (chunk) => {
      body += chunk
    })
    req.on('end', () => {
      if (req.url === '/v1/traces') received.push(JSON.parse(body))
      res.setHeader('content-type', 'application/json')
      res.end('{}')
    })
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  onTestFinished(() => {
    server.close()
  })
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/traces`
  const spanNames = () =>
    received.flatMap((r) => r.resourceSpans.flatMap((rs) => rs.scopeSpans.flatMap((s) => s.spans)))
  return { url, spanNames: () => spanNames().map((span) => span.name) }
}

it('otel: the last hook exports the batched spans and flushes pino before the exit', {
  timeout: 20_000,
}, async () => {
  const otlp = await collector()
  const child = await startFixture(
    new URL('./otel/server.mjs', import.meta.url),
    {},
    { PORT: '0', HOST: '127.0.0.1', OTLP_TRACES_URL: otlp.url },
  )
  const response = await fetch(`http://127.0.0.1:${child.port}/orders`)
  expect(await response.text()).toBe('hello from otel\n')
  // The BatchSpanProcessor waits 5 s before an export: nothing has left yet.
  expect(otlp.spanNames()).toEqual([])
  child.process.kill('SIGTERM')
  expect((await child.exit).code).toBe(0)
  expect(otlp.spanNames()).toEqual(['GET /orders'])
  const logged = child.lines.filter((line) => line.startsWith('{"level"')).map((l) => JSON.parse(l))
  expect(logged.map((entry) => entry.msg)).toContain('closing the database pool')
})
