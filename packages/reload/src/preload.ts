// Loaded into every worker of `lameduck run` (`node --require`), for apps that do not call
// `ld.listen()`: the first HTTP server the app starts listening is handed the supervisor's socket
// instead of its own port and drained through @lameduck/core. Apps that call `ld.listen()` pass
// straight through. This is the one place lameduck replaces a Node method, and only in workers.
import { Server as HttpServer } from 'node:http'
import type { Http2Server } from 'node:http2'
import { Server as HttpsServer } from 'node:https'
import { Server as NetServer } from 'node:net'
import { lameduck, WORKER_ENV } from '@lameduck/core'

type Listen = (this: NetServer, ...args: unknown[]) => NetServer

const original = NetServer.prototype.listen as Listen

function listensOnFd(args: unknown[]): boolean {
  const [first] = args
  return typeof first === 'object' && first !== null && 'fd' in first
}

if (process.env[WORKER_ENV.fds] !== undefined && typeof process.send === 'function') {
  NetServer.prototype.listen = function listen(this: NetServer, ...args: unknown[]) {
    const http =
      this instanceof HttpServer ||
      this instanceof HttpsServer ||
      typeof (this as Partial<Http2Server>).updateSettings === 'function'
    if (!http || listensOnFd(args)) return original.apply(this, args)
    NetServer.prototype.listen = original as typeof NetServer.prototype.listen
    const callback = args.find((arg): arg is () => void => typeof arg === 'function')
    if (callback !== undefined) this.once('listening', callback)
    lameduck()
      .listen(this as HttpServer, { port: 0 })
      .catch((error: Error) => this.emit('error', error))
    return this
  } as typeof NetServer.prototype.listen
}
