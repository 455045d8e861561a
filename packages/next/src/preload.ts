// `node --require @lameduck/next/preload`: drains the first HTTP server the process listens on,
// with no change to the app: `next start`, Next's standalone `server.js`, or any other server.
// Found through Node's `net.server.listen` tracing channel, not by replacing a method.
import { subscribe, unsubscribe } from 'node:diagnostics_channel'
import { Server as HttpServer } from 'node:http'
import { Server as HttpsServer } from 'node:https'
import { lameduck } from '@lameduck/core'
import { validateDuration } from '@lameduck/core/adapter'
import { isSupervisedWorker } from '@lameduck/core/worker'

// Next's own SIGTERM/SIGINT handler closes the listener at once (no readiness delay, no
// `Connection: close`) and exits 143 when the server closes: lameduck handles them instead.
process.env.NEXT_MANUAL_SIG_HANDLE ??= 'true'

const LISTEN = 'tracing:net.server.listen:asyncStart'

/** `LAMEDUCK_DELAY` and `LAMEDUCK_TIMEOUT` (ms) when set, checked now rather than at listen. */
function options(): { delay?: number; timeout?: number } {
  const read = (name: string, min: number) => {
    const value = process.env[name]
    if (value === undefined || value === '') return undefined
    return validateDuration(name, /^\d+$/.test(value) ? Number(value) : value, min)
  }
  const delay = read('LAMEDUCK_DELAY', 0)
  const timeout = read('LAMEDUCK_TIMEOUT', 1)
  return {
    ...(delay === undefined ? {} : { delay }),
    ...(timeout === undefined ? {} : { timeout }),
  }
}

// Under `lameduck run` the supervisor's preload hands the server its socket and drains it.
if (!isSupervisedWorker()) {
  const config = options()
  // The handle (and its signal handlers) only once a server listens: a process that never serves
  // HTTP, such as `next build` with the preload in NODE_OPTIONS, is left alone.
  const onListen = (message: unknown) => {
    const { server } = message as { server: unknown }
    if (!(server instanceof HttpServer || server instanceof HttpsServer)) return
    unsubscribe(LISTEN, onListen)
    lameduck(config).attach(server)
  }
  subscribe(LISTEN, onListen)
}
