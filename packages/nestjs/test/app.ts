import type { EventEmitter } from 'node:events'
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { PassThrough } from 'node:stream'
import { InjectLameduck, Lameduck, LameduckModule } from '@lameduck/nestjs'
import type { ContractApp, ContractOptions, TestCertificate } from '@lameduck/test-utils'
import {
  type BeforeApplicationShutdown,
  Controller,
  Get,
  HttpCode,
  Injectable,
  Module,
  type OnApplicationShutdown,
  Post,
  Query,
  Req,
  Res,
  StreamableFile,
} from '@nestjs/common'
import { NestFactory } from '@nestjs/core'
import { ExpressAdapter } from '@nestjs/platform-express'
import { FastifyAdapter } from '@nestjs/platform-fastify'

export type Platform = 'express' | 'fastify'
/** `http2` is HTTP/2 over TLS (HTTP/1.1 allowed too), `h2c` cleartext HTTP/2 only. */
export type Transport = 'http' | 'https' | 'http2' | 'h2c'

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** The contract's routes as a Nest controller. */
@Controller()
class ContractController {
  constructor(@InjectLameduck() private readonly ld: Lameduck) {}

  @Get('fast')
  fast() {
    return 'ok'
  }

  @Get('slow')
  async slow(@Query('ms') ms: string) {
    await sleep(Number(ms ?? 0))
    return 'slow'
  }

  @Get('hang')
  hang() {
    return new Promise(() => {})
  }

  @Get('stream')
  stream(@Query('ms') ms: string) {
    const body = new PassThrough()
    body.write('first,')
    setTimeout(() => body.end('last'), Number(ms ?? 0))
    return new StreamableFile(body)
  }

  @Get('events')
  events(@Res() response: { raw?: NodeJS.WritableStream; hijack?: () => void }) {
    response.hijack?.()
    const raw = (response.raw ?? response) as ServerResponse
    raw.writeHead(200, { 'content-type': 'text/event-stream' })
    raw.write('data: hello\n\n')
    this.ld.endOnDrain(raw, (r) => r.end('event: bye\ndata: shutting down\n\n'))
  }

  @Post('upload')
  @HttpCode(200)
  async upload(@Req() request: { body?: unknown } & AsyncIterable<Buffer>) {
    if (Buffer.isBuffer(request.body)) return String(request.body.length)
    let bytes = 0
    for await (const chunk of request) bytes += chunk.length
    return String(bytes)
  }
}

/** Records the order of Nest's shutdown hooks against the drain. */
@Injectable()
export class ShutdownRecorder implements BeforeApplicationShutdown, OnApplicationShutdown {
  static readonly events: string[] = []
  constructor(@InjectLameduck() private readonly ld: Lameduck) {}
  beforeApplicationShutdown() {
    ShutdownRecorder.events.push(`beforeApplicationShutdown while ${this.ld.state}`)
  }
  onApplicationShutdown() {
    ShutdownRecorder.events.push(`onApplicationShutdown while ${this.ld.state}`)
  }
}

export function appModule(options: Parameters<typeof LameduckModule.forRoot>[0]) {
  @Module({
    imports: [LameduckModule.forRoot(options)],
    controllers: [ContractController],
    providers: [ShutdownRecorder],
  })
  class AppModule {}
  return AppModule
}

/** A Nest app on either platform and transport, with LameduckModule imported. */
export async function createNestApp(
  platform: Platform,
  transport: Transport,
  options: Parameters<typeof LameduckModule.forRoot>[0],
  certificate?: TestCertificate,
  probe?: EventEmitter,
) {
  const tls = transport === 'https' || transport === 'http2' ? { ...certificate } : undefined
  const adapter =
    platform === 'express'
      ? new ExpressAdapter()
      : new FastifyAdapter(
          transport === 'h2c'
            ? { http2: true }
            : transport === 'http2'
              ? { http2: true, https: { ...tls, allowHTTP1: true } }
              : tls === undefined
                ? {}
                : { https: tls },
        )
  const app = await NestFactory.create(appModule(options), adapter, {
    logger: false,
    abortOnError: false,
    bodyParser: false,
    ...(platform === 'express' && tls !== undefined ? { httpsOptions: tls } : {}),
  })
  // 'arrived' as soon as a request is in, before its body is read.
  // 'finished' once its response is written.
  const arrived = (url: string | undefined, req: IncomingMessage, res: ServerResponse) => {
    const path = url?.split('?')[0]
    if (path === '/healthz' || path === '/readyz') return
    probe?.emit('arrived', path, req.socket.remotePort)
    res.once('finish', () => probe?.emit('finished', path, res.statusCode))
  }
  if (platform === 'express') {
    app.use((req: IncomingMessage, res: ServerResponse, next: () => void) => {
      arrived(req.url, req, res)
      next()
    })
  } else {
    const fastify = (adapter as FastifyAdapter).getInstance()
    fastify.removeAllContentTypeParsers()
    fastify.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body))
    fastify.addHook('onRequest', async (request, reply) =>
      arrived(request.url, request.raw, reply.raw as ServerResponse),
    )
  }
  return app
}

export async function startNestApp(
  platform: Platform,
  transport: Transport,
  options: ContractOptions,
  probe: EventEmitter,
  certificate?: TestCertificate,
): Promise<ContractApp> {
  const app = await createNestApp(platform, transport, options, certificate, probe)
  await app.listen(0, '127.0.0.1')
  const server = app.getHttpServer()
  const ld = app.get(Lameduck)
  let closed: Promise<void> | undefined
  return {
    tls: transport === 'https' || transport === 'http2',
    port: (server.address() as AddressInfo).port,
    async shutdown() {
      closed ??= app.close()
      await closed
      return ld.shutdown()
    },
    async dispose() {
      server.closeAllConnections?.()
      closed ??= app.close()
      await closed
    },
  }
}
