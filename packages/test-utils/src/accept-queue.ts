import { Worker } from 'node:worker_threads'

/** What happened to each connection: `answered <status>`, or the error that ended it. */
export type QueuedOutcome = string

// Runs in a worker thread, so that it can connect while the test's own thread is blocked.
const CLIENT = `
const { connect } = require('node:net')
const { workerData, parentPort } = require('node:worker_threads')
const { port, count, request, signal } = workerData
const flag = new Int32Array(signal)
const outcomes = []
let connected = 0
for (let i = 0; i < count; i++) {
  let answer = ''
  let error
  const socket = connect(port, '127.0.0.1', () => {
    socket.write(request, () => {
      if (++connected === count) {
        Atomics.store(flag, 0, 1)
        Atomics.notify(flag, 0)
      }
    })
  })
  socket.setEncoding('latin1')
  socket.on('data', (chunk) => { answer += chunk })
  socket.on('error', (e) => { error = e.code ?? e.message })
  socket.on('close', () => {
    const status = /^HTTP\\/1\\.1 (\\d+)/.exec(answer)?.[1]
    outcomes.push(status !== undefined ? 'answered ' + status : (error ?? 'closed without an answer'))
    if (outcomes.length === count) parentPort.postMessage(outcomes)
  })
}
`

/**
 * Connects `count` clients to 127.0.0.1:`port` and sends `request` on each while this thread is
 * blocked, so that the server's event loop cannot accept them: when it returns, the kernel holds
 * them completed in the listener's accept queue, their requests sent. The returned promise
 * resolves once every connection has closed, with what each one saw.
 */
export function queueConnections(
  port: number,
  count: number,
  request: string,
): Promise<QueuedOutcome[]> {
  const signal = new SharedArrayBuffer(4)
  const worker = new Worker(CLIENT, { eval: true, workerData: { port, count, request, signal } })
  const outcomes = new Promise<QueuedOutcome[]>((resolve, reject) => {
    worker.once('message', resolve)
    worker.once('error', reject)
  }).finally(() => worker.terminate())
  // Blocks this thread (and so the server's accept) until every client has sent its request.
  if (Atomics.wait(new Int32Array(signal), 0, 0, 5_000) === 'timed-out') {
    void worker.terminate()
    throw new Error(`${count} connections to port ${port} not made within 5 s`)
  }
  return outcomes
}
