// Loaded into every worker of `lameduck run` (`node --require`), for apps that do not call
// `ld.listen()`: the first HTTP server the app starts listening is handed the supervisor's socket
// instead of its own port and drained through @lameduck/core. Apps that call `ld.listen()` pass
// straight through; an app that attached a handle of its own is drained through it. This is the
// one place lameduck replaces a Node method, and only in workers
// (node-internals.ts checks that it can).
import type { Server as NetServer } from 'node:net'
import { lameduck } from '@lameduck/core'
import { isAttachableServer } from '@lameduck/core/adapter'
import { attachedHandle, isSupervisedWorker } from '@lameduck/core/worker'
import { replaceListen } from './node-internals.js'

function listensOnFd(args: unknown[]): boolean {
  const [first] = args
  return typeof first === 'object' && first !== null && 'fd' in first
}

if (isSupervisedWorker()) {
  const { restore } = replaceListen(
    (original) =>
      function listen(this: NetServer, ...args: unknown[]) {
        if (!isAttachableServer(this) || listensOnFd(args)) return original.apply(this, args)
        restore()
        const callback = args.find((arg): arg is () => void => typeof arg === 'function')
        if (callback !== undefined) this.once('listening', callback)
        // An app that attaches its own handle does so as listen() returns (`ld.attach(app.listen())`):
        // drain through that handle, so its hooks run when the supervisor says drain.
        queueMicrotask(() => {
          ;(attachedHandle(this) ?? lameduck())
            .listen(this, { port: 0 })
            .catch((error: Error) => this.emit('error', error))
        })
        return this
      },
  )
}
