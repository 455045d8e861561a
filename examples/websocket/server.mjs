// WebSockets: on SIGTERM every client gets close code 1001 (Going Away); the drain ends as soon
// as their closing handshakes do.
import { createServer } from 'node:http'
import { closeWebSocketsOnDrain, lameduck } from '@lameduck/core'
import { WebSocketServer } from 'ws'

const ld = lameduck({ timeout: 10_000 })
const server = createServer((_req, res) => res.end('connect with a WebSocket client\n'))
const wss = new WebSocketServer({ server })
wss.on('connection', (socket) => {
  socket.send('welcome')
  socket.on('message', (data) => socket.send(`echo: ${data}`))
})
closeWebSocketsOnDrain(ld, wss, { reason: 'server restarting, please reconnect' })
ld.attach(server)

server.listen(Number(process.env.PORT ?? 3000), '127.0.0.1', () => {
  console.log(`listening on http://127.0.0.1:${server.address().port}`)
})
