import { InvalidOptionError } from './errors.js'
import { type HealthReply, livenessReply, readinessReply } from './health.js'
import { assertHandle, validateCallOptions } from './options.js'
import type { Lameduck } from './types.js'

/** `false` to leave the route out, a path, or `{ path }`. */
export type RouteOption = false | string | { path: string }

export interface HealthRouteOptions {
  /**
   * Liveness: 200 while the process runs, draining included.
   * @default '/healthz'
   */
  health?: RouteOption | undefined
  /**
   * Readiness: 200 when serving and every check passes, 503 otherwise.
   * @default '/readyz'
   */
  readiness?: RouteOption | undefined
}

export interface HealthRoute {
  kind: 'health' | 'readiness'
  path: string
  /** The answer, for the adapter to send its framework's native way. */
  reply(): Promise<HealthReply>
}

export const ROUTE_DEFAULTS = Object.freeze({ health: '/healthz', readiness: '/readyz' } as const)

/** The health routes an adapter mounts, validated; answered for GET and HEAD. */
export function healthRoutes(ld: Lameduck, options?: HealthRouteOptions): HealthRoute[] {
  assertHandle('healthRoutes(ld)', ld)
  const given = validateCallOptions('healthRoutes', options, ['health', 'readiness'])
  const routes: HealthRoute[] = []
  const health = routePath('health', given.health)
  const readiness = routePath('readiness', given.readiness)
  if (health !== undefined) {
    routes.push({ kind: 'health', path: health, reply: async () => livenessReply(ld.state) })
  }
  if (readiness !== undefined) {
    routes.push({
      kind: 'readiness',
      path: readiness,
      reply: async () => readinessReply(await ld.checkReadiness()),
    })
  }
  if (health !== undefined && health === readiness) {
    throw new InvalidOptionError('readiness', 'a path other than the health path', readiness)
  }
  return routes
}

function routePath(kind: keyof typeof ROUTE_DEFAULTS, value: unknown): string | undefined {
  if (value === undefined) return ROUTE_DEFAULTS[kind]
  if (value === false) return undefined
  const isObject = typeof value === 'object' && value !== null
  const path = isObject ? (value as { path?: unknown }).path : value
  const extra = isObject ? Object.keys(value).filter((key) => key !== 'path') : []
  if (typeof path !== 'string' || !path.startsWith('/') || extra.length > 0) {
    throw new InvalidOptionError(kind, 'false, a path starting with "/", or { path }', value)
  }
  return path
}

/** The health route a request is for, or undefined; see `healthRouteMatcher`. */
export type HealthRouteMatcher = (
  method: string | undefined,
  url: string | undefined,
) => HealthRoute | undefined

/**
 * Matches requests to the routes: a GET or HEAD whose path (the query string ignored) is a health
 * path. Adapters for frameworks without their own router call it first thing in a middleware.
 */
export function healthRouteMatcher(routes: readonly HealthRoute[]): HealthRouteMatcher {
  if (!Array.isArray(routes)) {
    throw new InvalidOptionError(
      'healthRouteMatcher(routes)',
      'the array healthRoutes() returns',
      routes,
    )
  }
  // Every request of an Express, Koa or Hono app passes through here, so this compares the URL
  // with each path (two at most) in place: no query string cut off, no string hashed for a Map,
  // as those were half of a Koa adapter's cost per request (--cpu-prof under wrk).
  const list = [...routes]
  return function matchHealthRoute(method, url) {
    if (url === undefined) return undefined
    for (let i = 0; i < list.length; i++) {
      const route = list[i]!
      const end = route.path.length
      if (
        url.startsWith(route.path) &&
        (url.length === end || url.charCodeAt(end) === QUESTION_MARK)
      ) {
        return method === 'GET' || method === 'HEAD' ? route : undefined
      }
    }
    return undefined
  }
}

const QUESTION_MARK = 0x3f
