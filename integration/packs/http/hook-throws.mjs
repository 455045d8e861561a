// A hook that throws, and no logger: the shutdown must say so on stderr and exit 1.
import { createServer } from 'node:http'
import { lameduck } from '@lameduck/core'

const ld = lameduck()
ld.onShutdown('db', () => {
  throw new Error('pool is not defined')
})
const server = createServer((req, res) => {
  console.log(`arrived ${req.url}`)
  setTimeout(() => res.end('slow'), 500)
})
ld.attach(server)
server.listen(0, '127.0.0.1', () => {
  console.log(`listening on http://127.0.0.1:${server.address().port}`)
})
