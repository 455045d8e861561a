import { once } from 'node:events'
import { type ClientHttp2Session, connect } from 'node:http2'
import { WebSocket } from 'ws'
import { alternatePairs, round, type ServerProcess, startServer } from './harness.js'

/** Shutdown time with `count` open WebSockets, each closed with 1001 at drain start. */
export async function websocketShutdown(count: number) {
  const server = await startServer('ws-lameduck')
  const clients: WebSocket[] = []
  for (let i = 0; i < count; i += 100) {
    const batch = Array.from({ length: 100 }, () => new WebSocket(`ws://127.0.0.1:${server.port}`))
    await Promise.all(batch.map((client) => once(client, 'open')))
    clients.push(...batch)
  }
  const closed = Promise.all(clients.map((client) => once(client, 'close')))
  const { ms, report } = await server.ask('shutdown')
  await closed
  await server.stop()
  return { count, ms: round(ms), ok: report.ok, forced: report.sockets.forced }
}

/** Shutdown time with `count` open HTTP/2 sessions that have each completed a request. */
export async function http2Shutdown(count: number) {
  const server = await startServer('h2-lameduck')
  const sessions: ClientHttp2Session[] = []
  for (let i = 0; i < count; i += 100) {
    const batch = Array.from({ length: 100 }, () => connect(`http://127.0.0.1:${server.port}`))
    await Promise.all(batch.map((session) => request(session)))
    sessions.push(...batch)
  }
  for (const session of sessions) session.on('error', () => {})
  const { ms, report } = await server.ask('shutdown')
  for (const session of sessions) session.destroy()
  await server.stop()
  return { count, ms: round(ms), ok: report.ok, forced: report.sockets.forced }
}

/** HTTP/2 throughput, lameduck attached vs bare: 10 sessions × 10 concurrent streams. */
export function http2Throughput(rounds: number, seconds: number) {
  return alternatePairs(rounds, async (variant) => {
    const server = await startServer(`h2-${variant}`)
    const result = await load(server, seconds)
    await server.stop()
    return result
  })
}

async function load(server: ServerProcess, seconds: number) {
  const sessions = Array.from({ length: 10 }, () => connect(`http://127.0.0.1:${server.port}`))
  await Promise.all(sessions.map((session) => request(session)))
  const before = await server.ask('cpu')
  const until = performance.now() + seconds * 1_000
  let completed = 0
  const loop = async (session: ClientHttp2Session) => {
    while (performance.now() < until) {
      await request(session)
      completed++
    }
  }
  const started = performance.now()
  await Promise.all(sessions.flatMap((session) => Array.from({ length: 10 }, () => loop(session))))
  const elapsed = (performance.now() - started) / 1_000
  const after = await server.ask('cpu')
  for (const session of sessions) session.close()
  return { rate: completed / elapsed, cpu: (after.micros - before.micros) / completed }
}

function request(session: ClientHttp2Session): Promise<void> {
  return new Promise((resolve, reject) => {
    const stream = session.request({ ':path': '/' })
    stream.on('error', reject)
    stream.resume()
    stream.on('end', resolve)
  })
}
