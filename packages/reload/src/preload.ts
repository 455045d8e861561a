// Loaded into every worker of `lameduck run` (`node --require`), for apps that do not call
// `ld.listen()`: the first HTTP server the app starts listening is handed the supervisor's socket
// instead of its own port and drained through @lameduck/core. Apps that call `ld.listen()` pass
// straight through; an app that attached a handle of its own is drained through it. This is the
// one place lameduck replaces a Node method, and only in workers
// (node-internals.ts checks that it can).
import { Server as HttpServer } from 'node:http'
import type { Http2Server } from 'node:http2'
import { Server as HttpsServer } from 'node:https'
import type { Server as NetServer } from 'node:net'
import { lameduck } from '@lameduck/core'
import { attachedHandle, WORKER_ENV } from '@lameduck/core/adapter'
import { replaceListen } from './node-internals.js'

function listensOnFd(args: unknown[]): boolean {
  const [first] = args
  return typeof first === 'object' && first !== null && 'fd' in first
}

if (process.env[WORKER_ENV.fds] !== undefined && typeof process.send === 'function') {
  const { restore } = replaceListen(
    (original) =>
      function listen(this: NetServer, ...args: unknown[]) {
        const http =
          this instanceof HttpServer ||
          this instanceof HttpsServer ||
          typeof (this as Partial<Http2Server>).updateSettings === 'function'
        if (!http || listensOnFd(args)) return original.apply(this, args)
        restore()
        const callback = args.find((arg): arg is () => void => typeof arg === 'function')
        if (callback !== undefined) this.once('listening', callback)
        // An app that attaches its own handle does so as listen() returns (`ld.attach(app.listen())`):
        // drain through that handle, so its hooks run when the supervisor says drain.
        queueMicrotask(() => {
          const server = this as HttpServer
          ;(attachedHandle(server) ?? lameduck())
            .listen(server, { port: 0 })
            .catch((error: Error) => this.emit('error', error))
        })
        return this
      },
  )
}
