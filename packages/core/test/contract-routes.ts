// The contract's routes (see ContractApp in @lameduck/test-utils), free of test-runner imports so
// a child process on another runtime can serve them too (fixtures/contract-child.ts).
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Lameduck } from '@lameduck/core'

/** Emits `'arrived'` with the path and the client's port, as the contract expects. */
export interface Probe {
  emit(event: 'arrived', path: string, port: number | undefined): unknown
}

/** The contract's routes as a plain node:http request listener. */
export function contractRoutes(ld: Lameduck, probe: Probe) {
  return (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://x')
    const ms = Number(url.searchParams.get('ms') ?? 0)
    if (url.pathname === '/readyz') return ld.readiness(req, res)
    if (url.pathname === '/healthz') return ld.health(req, res)
    probe.emit('arrived', url.pathname, req.socket.remotePort)
    switch (url.pathname) {
      case '/fast':
        return res.end('ok')
      case '/slow':
        return setTimeout(() => res.end('slow'), ms)
      case '/hang':
        return
      case '/stream':
        res.write('first,')
        return setTimeout(() => res.end('last'), ms)
      case '/events':
        res.writeHead(200, { 'content-type': 'text/event-stream' })
        res.write('data: hello\n\n')
        ld.endOnDrain(res, (r) => r.end('event: bye\ndata: shutting down\n\n'))
        return
      case '/upload': {
        let bytes = 0
        req.on('data', (chunk: Buffer) => {
          bytes += chunk.length
        })
        return req.on('end', () => res.end(String(bytes)))
      }
      default:
        res.statusCode = 404
        return res.end()
    }
  }
}
