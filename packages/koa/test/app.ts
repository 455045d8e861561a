import type { EventEmitter } from 'node:events'
import { createServer } from 'node:http'
import { closeWebSocketsOnDrain } from '@lameduck/core'
import { type LameduckKoaOptions, lameduck } from '@lameduck/koa'
import { type ContractApp, type ContractOptions, serveContract } from '@lameduck/test-utils'
import Koa3 from 'koa'
import Koa2 from 'koa2'
import { WebSocketServer } from 'ws'

export const koaMajors = { 'koa 3': Koa3, 'koa 2': Koa2 as unknown as typeof Koa3 }

/** The contract's routes on Koa, with @lameduck/koa mounted first. */
export function koaApp(Koa: typeof Koa3, options: LameduckKoaOptions, probe?: EventEmitter) {
  const ld = lameduck({ signals: false, ...options })
  const app = new Koa()
  app.use(ld.middleware())
  app.use(async (ctx) => {
    probe?.emit('arrived', ctx.path, ctx.req.socket.remotePort)
    const ms = Number(ctx.query.ms ?? 0)
    switch (`${ctx.method} ${ctx.path}`) {
      case 'GET /fast':
        ctx.body = 'ok'
        return
      case 'GET /slow':
        await new Promise((resolve) => setTimeout(resolve, ms))
        ctx.body = 'slow'
        return
      case 'GET /hang':
        await new Promise(() => {})
        return
      case 'GET /stream':
        ctx.respond = false
        ctx.res.write('first,')
        setTimeout(() => ctx.res.end('last'), ms)
        return
      case 'GET /events':
        ctx.respond = false
        ctx.res.writeHead(200, { 'content-type': 'text/event-stream' })
        ctx.res.write('data: hello\n\n')
        ld.endOnDrain(ctx.res, (r) => r.end('event: bye\ndata: shutting down\n\n'))
        return
      case 'POST /upload': {
        let bytes = 0
        for await (const chunk of ctx.req) bytes += (chunk as Buffer).length
        ctx.body = String(bytes)
        return
      }
    }
  })
  return { app, ld }
}

export async function startKoaApp(
  Koa: typeof Koa3,
  options: ContractOptions,
  probe: EventEmitter,
): Promise<ContractApp> {
  const { app, ld } = koaApp(Koa, options, probe)
  const server = createServer(app.callback())
  ld.attach(server)
  closeWebSocketsOnDrain(ld, new WebSocketServer({ server, path: '/ws' }))
  return serveContract(server, () => ld.shutdown())
}
