// HTTP/2 (h2c, for curl --http2-prior-knowledge): on SIGTERM each session gets a GOAWAY, open
// streams finish, then the sessions close.
import { createServer } from 'node:http2'
import { lameduck } from '@lameduck/core'

const ld = lameduck({ timeout: 10_000 })
const server = createServer()
server.on('stream', (stream, headers) => {
  const delay = headers[':path'] === '/slow' ? 1_500 : 0
  setTimeout(() => {
    stream.respond({ ':status': 200, 'content-type': 'text/plain' })
    stream.end('hello over HTTP/2\n')
  }, delay)
})
ld.attach(server)

server.listen(Number(process.env.PORT ?? 3000), '127.0.0.1', () => {
  console.log(`listening on http://127.0.0.1:${server.address().port}`)
})
