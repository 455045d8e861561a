// The report's HTTP/2 counts, each stream counted by its own outcome. Counting "open at the drain
// minus forced" called a stream whose client went away drained, and counting on 'close' events
// would depend on their order, which Node 26.3 changed for sessions and their streams
// (nodejs/node#63414).
import { once } from 'node:events'
import { type ClientHttp2Session, connect, createServer, type ServerHttp2Stream } from 'node:http2'
import type { AddressInfo } from 'node:net'
import { lameduck } from '@lameduck/core'
import { describe, expect, it, onTestFinished } from 'vitest'

function session(port: number): ClientHttp2Session {
  const client = connect(`http://127.0.0.1:${port}`)
  client.on('error', () => {})
  onTestFinished(() => client.destroy())
  return client
}

function request(client: ClientHttp2Session, path: string): Promise<string> {
  return new Promise((resolve) => {
    const stream = client.request({ ':path': path })
    stream.on('response', (headers) => resolve(String(headers[':status'])))
    stream.on('error', () => resolve('reset'))
    stream.on('close', () => resolve('reset'))
    stream.resume()
  })
}

describe(`HTTP/2 report counts on ${process.version}`, { timeout: 10_000 }, () => {
  it('counts each stream once: answered during the drain, cut at the deadline, or gone with its client', async () => {
    const server = createServer()
    let toAnswer: ServerHttp2Stream | undefined
    let open = 0
    let allOpen: () => void = () => {}
    const arrived = new Promise<void>((resolve) => {
      allOpen = resolve
    })
    server.on('stream', (stream, headers) => {
      stream.on('error', () => {})
      if (headers[':path'] === '/answer') toAnswer = stream
      if (++open === 5) allOpen()
    })
    const ld = lameduck({ signals: false, idleGrace: 20, timeout: 400 })
    ld.attach(server)
    server.listen(0, '127.0.0.1')
    await once(server, 'listening')
    onTestFinished(() => {
      if (server.listening) server.close()
    })
    const { port } = server.address() as AddressInfo
    const a = session(port)
    const b = session(port)
    const gone = session(port)
    const answered = request(a, '/answer')
    const hungA = request(a, '/hang')
    const hungB1 = request(b, '/hang')
    const hungB2 = request(b, '/hang')
    request(gone, '/hang')
    await arrived
    const report = ld.shutdown()
    // One is answered during the drain; one client goes away with its stream still open.
    toAnswer!.respond({ ':status': 200 })
    toAnswer!.end('ok')
    expect(await answered).toBe('200')
    gone.destroy()
    const result = await report
    expect(await Promise.all([hungA, hungB1, hungB2])).toEqual(['reset', 'reset', 'reset'])
    expect(result.requests).toEqual({ drained: 1, forced: 3 })
    expect(result.sockets.forced).toBe(2)
  })
})
