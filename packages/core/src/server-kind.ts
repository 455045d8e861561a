import { Server as HttpServer } from 'node:http'
import type { Http2SecureServer, Http2Server } from 'node:http2'
import { Server as HttpsServer } from 'node:https'
import { Server as NetServer } from 'node:net'

export type Http2AnyServer = Http2Server | Http2SecureServer

/** What a lameduck handle can drain: a `node:http`, `node:https` or `node:http2` server. */
export type AttachableServer = HttpServer | HttpsServer | Http2AnyServer

export function isHttp2Server(server: unknown): server is Http2AnyServer {
  return (
    server instanceof NetServer &&
    typeof (server as Partial<Http2Server>).updateSettings === 'function'
  )
}

export function isAttachableServer(server: unknown): server is AttachableServer {
  return server instanceof HttpServer || server instanceof HttpsServer || isHttp2Server(server)
}
