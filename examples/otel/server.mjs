// OpenTelemetry and pino flushed in lameduck's last cleanup hook: spans and log lines written
// during the drain and by the other hooks still leave the process. No SIGTERM handler of its own:
// one that calls sdk.shutdown() and process.exit would cut the drain short.
import { createServer } from 'node:http'
import { lameduck } from '@lameduck/core'
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http'
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base'
import pino from 'pino'

const exporter = new OTLPTraceExporter({ url: process.env.OTLP_TRACES_URL })
const provider = new BasicTracerProvider({ spanProcessors: [new BatchSpanProcessor(exporter)] })
const tracer = provider.getTracer('example-otel')
const logger = pino(pino.destination({ sync: false }))
const ld = lameduck({ logger, delay: Number(process.env.LAMEDUCK_DELAY ?? 0) })

// Hooks run last registered first: registered first, this one runs after every other.
ld.onShutdown('telemetry', async () => {
  await provider.shutdown() // exports the spans still batched
  await new Promise((resolve) => logger.flush(resolve))
})
ld.onShutdown('database', () => logger.info('closing the database pool'))

const server = createServer((req, res) => {
  tracer.startActiveSpan(`${req.method} ${req.url}`, (span) => {
    res.end('hello from otel\n')
    span.end()
  })
})
await ld.listen(server, {
  port: Number(process.env.PORT ?? 3000),
  host: process.env.HOST ?? '127.0.0.1',
})
console.log(`listening on http://127.0.0.1:${server.address().port}`)
