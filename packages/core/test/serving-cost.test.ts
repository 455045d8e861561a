// While serving, lameduck runs nothing per request: no listener of its own on the events Node
// emits per request or connection, and none on the request, response or socket. Listeners are the
// only way code runs for a request, so counting them is counting lameduck's calls.
import type { EventEmitter } from 'node:events'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import { lameduck } from '@lameduck/core'
import { listenForTest, RawClient } from '@lameduck/test-utils'
import { describe, expect, it, onTestFinished } from 'vitest'

const PER_REQUEST_EVENTS = ['request', 'connection', 'checkContinue', 'checkExpectation']

type Counts = Record<string, number>

function listenerCounts(emitter: EventEmitter): Counts {
  const counts: Counts = {}
  for (const name of emitter.eventNames()) counts[String(name)] = emitter.listenerCount(name)
  return counts
}

/** Serves three keep-alive requests and returns the listeners seen by each, app handler included. */
async function listenersPerRequest(attach: (server: Server) => void) {
  const seen: { req: Counts; res: Counts; socket: Counts; server: number[] }[] = []
  function app(req: IncomingMessage, res: ServerResponse): void {
    seen.push({
      req: listenerCounts(req),
      res: listenerCounts(res),
      socket: listenerCounts(req.socket),
      server: PER_REQUEST_EVENTS.map((event) => server.listenerCount(event)),
    })
    res.end('ok')
  }
  const server = createServer(app)
  attach(server)
  const raw = await RawClient.connect(await listenForTest(server))
  onTestFinished(() => raw.close())
  for (let i = 0; i < 3; i++) expect((await raw.request('GET', '/')).status).toBe(200)
  return { seen, server, app, raw }
}

describe('the cost of serving with lameduck attached', () => {
  it('adds no listener that runs for a request served before the drain', async () => {
    const bare = await listenersPerRequest(() => {})
    const ld = lameduck({ signals: false, idleGrace: 0 })
    const attached = await listenersPerRequest((server) => ld.attach(server))
    expect(attached.seen).toHaveLength(3)
    expect(attached.seen).toEqual(bare.seen)
    expect(attached.server.listeners('request')).toEqual([attached.app])

    // The drain's listener, from its start on: what the counts above would have caught.
    const report = ld.shutdown()
    expect(attached.server.listeners('request')).toHaveLength(2)
    expect(attached.server.listeners('request')[1]).toBe(attached.app)
    await report
  })
})
