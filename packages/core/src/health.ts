import type { IncomingMessage, ServerResponse } from 'node:http'

export type State = 'serving' | 'draining' | 'closed'

export interface CheckResult {
  status: 'ok' | 'error' | 'timeout'
  ms: number
  /** The error's message, when `status` is `'error'`. */
  message?: string
}

export interface Readiness {
  ready: boolean
  state: State
  checks: Record<string, CheckResult>
}

export type RequestHandler = (req: IncomingMessage, res: ServerResponse) => void

/** A health answer in framework-neutral form, for adapters to send their native way. */
export interface HealthReply {
  status: number
  headers: Record<string, string>
  body: Record<string, unknown>
}

const NO_STORE = Object.freeze({ 'cache-control': 'no-store' })

export function livenessReply(state: State): HealthReply {
  return { status: 200, headers: { ...NO_STORE }, body: { status: 'ok', state } }
}

/**
 * The `Retry-After` of a readiness 503, in seconds: a client or proxy that honours it asks again
 * (elsewhere, or here once a check passes) soon, rather than at once or not at all.
 */
export const READINESS_RETRY_AFTER = 1

export function readinessReply(readiness: Readiness): HealthReply {
  const { ready, state, checks } = readiness
  const status = ready ? 'ready' : state === 'serving' ? 'unready' : 'draining'
  return {
    status: ready ? 200 : 503,
    headers: ready
      ? { ...NO_STORE }
      : { ...NO_STORE, 'retry-after': String(READINESS_RETRY_AFTER) },
    body: status === 'draining' ? { status, state } : { status, state, checks },
  }
}

export function sendReply(res: ServerResponse, reply: HealthReply): void {
  const payload = JSON.stringify(reply.body)
  res.statusCode = reply.status
  for (const [name, value] of Object.entries(reply.headers)) res.setHeader(name, value)
  res.setHeader('content-type', 'application/json; charset=utf-8')
  res.setHeader('content-length', Buffer.byteLength(payload))
  res.end(payload)
}
