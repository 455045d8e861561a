import { Agent as HttpAgent, request as httpRequest } from 'node:http'
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https'
import { Pool } from 'undici'
import { percentile } from './stats.js'

export type LoadClient = 'undici' | 'node-agent'

export interface LoadOptions {
  port: number
  client: LoadClient
  /** Speak TLS (any certificate accepted). */
  tls?: boolean
  /** Concurrent keep-alive connections, each looping one request at a time. */
  connections?: number
  path?: string
  /** Hard bound on the run: the loops stop by themselves after this many ms. */
  maxDuration?: number
}

export interface LoadResult {
  /** Requests answered 2xx. */
  ok: number
  /** Requests answered with another status. */
  non2xx: number
  /** Connection attempts refused: the request was never written, so nothing was lost. */
  refused: number
  /** Requests written to a connection that ended without their response. */
  lost: string[]
  /** When each of `lost` failed (`performance.now()`). */
  lostAt: number[]
  /** Every answered request: when it started (ms, `performance.now()`), how long it took, its status. */
  latencies: { at: number; ms: number; status: number }[]
}

export interface Load {
  /** Resolves when every loop has ended: refused by a closed server, or stopped. */
  readonly done: Promise<LoadResult>
  /**
   * Resolves once `count` more requests have been answered, so a test paces on the load itself;
   * rejects if the load ends first (`maxDuration`), rather than leaving the test to its timeout.
   */
  answered(count: number): Promise<void>
  stop(): Promise<LoadResult>
}

/** A bounded keep-alive load: each connection loops requests until the server refuses it. */
export function keepAliveLoad(options: LoadOptions): Load {
  const { port, client, tls = false, connections = 50, path = '/fast' } = options
  const { maxDuration = 10_000 } = options
  const result: LoadResult = { ok: 0, non2xx: 0, refused: 0, lost: [], lostAt: [], latencies: [] }
  const send =
    client === 'undici' ? undiciSender(port, connections, tls) : agentSender(port, connections, tls)
  let stopped = false
  let answered = 0
  const waiters: { at: number; resolve: () => void; reject: (error: Error) => void }[] = []
  const onAnswer = () => {
    answered++
    for (const waiter of waiters.filter((w) => w.at <= answered)) {
      waiters.splice(waiters.indexOf(waiter), 1)
      waiter.resolve()
    }
  }
  const timer = setTimeout(() => {
    stopped = true
  }, maxDuration)

  async function loop(): Promise<void> {
    while (!stopped) {
      const at = performance.now()
      try {
        const status = await send.request(path)
        result.latencies.push({ at, ms: performance.now() - at, status })
        if (status >= 200 && status < 300) result.ok++
        else result.non2xx++
        onAnswer()
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code ?? String(error)
        if (code === 'ECONNREFUSED') {
          result.refused++
          return
        }
        result.lost.push(code)
        result.lostAt.push(performance.now())
      }
    }
  }

  const done = Promise.all(Array.from({ length: connections }, loop)).then(async () => {
    clearTimeout(timer)
    for (const waiter of waiters.splice(0)) {
      waiter.reject(
        new Error(
          `the load ended (maxDuration ${maxDuration} ms) after ${answered} answers, before ${waiter.at}`,
        ),
      )
    }
    await send.close()
    return result
  })
  return {
    done,
    answered(count) {
      return new Promise((resolve, reject) =>
        waiters.push({ at: answered + count, resolve, reject }),
      )
    },
    stop() {
      stopped = true
      return done
    },
  }
}

interface Sender {
  request(path: string): Promise<number>
  close(): Promise<void>
}

function undiciSender(port: number, connections: number, tls: boolean): Sender {
  const pool = new Pool(`${tls ? 'https' : 'http'}://127.0.0.1:${port}`, {
    connections,
    pipelining: 1,
    connect: { rejectUnauthorized: false },
  })
  return {
    async request(path) {
      const res = await pool.request({ path, method: 'GET' })
      await res.body.dump()
      return res.statusCode
    },
    close: () => pool.destroy(),
  }
}

function agentSender(port: number, connections: number, tls: boolean): Sender {
  const options = { keepAlive: true, maxSockets: connections, rejectUnauthorized: false }
  const agent = tls ? new HttpsAgent(options) : new HttpAgent(options)
  const request = tls ? httpsRequest : httpRequest
  return {
    request(path) {
      return new Promise((resolve, reject) => {
        const req = request({ host: '127.0.0.1', port, path, agent }, (res) => {
          res.resume()
          res.on('end', () => resolve(res.statusCode ?? 0))
          res.on('error', reject)
        })
        req.on('error', reject)
        req.end()
      })
    },
    async close() {
      agent.destroy()
    },
  }
}

/** The 99th percentile latency, in ms, of the requests that started within [from, to). */
export function p99(result: LoadResult, from = 0, to = Number.POSITIVE_INFINITY): number {
  const window = result.latencies.filter(({ at }) => at >= from && at < to).map(({ ms }) => ms)
  return percentile(window, 99)
}
