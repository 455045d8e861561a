import type { EventEmitter } from 'node:events'
import { createServer } from 'node:http'
import { closeWebSocketsOnDrain } from '@lameduck/core'
import { type LameduckExpressOptions, lameduck } from '@lameduck/express'
import { type ContractApp, type ContractOptions, serveContract } from '@lameduck/test-utils'
import express5 from 'express'
import express4 from 'express4'
import { WebSocketServer } from 'ws'

export const expressMajors = {
  'express 5': express5,
  'express 4': express4 as unknown as typeof express5,
}

/** The contract's routes on Express, with @lameduck/express mounted first. */
export function expressApp(
  express: typeof express5,
  options: LameduckExpressOptions,
  probe?: EventEmitter,
) {
  const ld = lameduck({ signals: false, ...options })
  const app = express()
  app.use(ld.middleware())
  app.use((req, _res, next) => {
    probe?.emit('arrived', req.path, req.socket.remotePort)
    next()
  })
  app.get('/fast', (_req, res) => {
    res.send('ok')
  })
  app.get('/slow', (req, res) => {
    setTimeout(() => res.send('slow'), Number(req.query.ms))
  })
  app.get('/hang', () => {})
  app.get('/stream', (req, res) => {
    res.write('first,')
    setTimeout(() => res.end('last'), Number(req.query.ms))
  })
  app.get('/events', (_req, res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream' })
    res.write('data: hello\n\n')
    ld.endOnDrain(res, (r) => r.end('event: bye\ndata: shutting down\n\n'))
  })
  app.post('/upload', (req, res) => {
    let bytes = 0
    req.on('data', (chunk: Buffer) => {
      bytes += chunk.length
    })
    req.on('end', () => res.send(String(bytes)))
  })
  return { app, ld }
}

export async function startExpressApp(
  express: typeof express5,
  options: ContractOptions,
  probe: EventEmitter,
): Promise<ContractApp> {
  const { app, ld } = expressApp(express, options, probe)
  const server = createServer(app)
  ld.attach(server)
  closeWebSocketsOnDrain(ld, new WebSocketServer({ server, path: '/ws' }))
  return serveContract(server, () => ld.shutdown())
}
