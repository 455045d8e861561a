import type { Socket } from 'node:net'
import { Duplex } from 'node:stream'

/**
 * A JS Duplex in front of a socket, as an app that wraps its connections makes: an HTTP/2 server
 * given it (`server.emit('connection', duplex)`) runs its session over Node's JS stream wrapper,
 * which hands each of nghttp2's writes to `writev` whole. Those are forwarded as one buffer (one
 * TLS record on a TLS socket), with the socket's backpressure both ways.
 */
export function jsTransport(socket: Socket): Duplex {
  socket.setNoDelay(true)
  const forward = (buffer: Buffer, done: () => void) => {
    if (socket.write(buffer)) done()
    else socket.once('drain', done)
  }
  const duplex = new Duplex({
    read: () => socket.resume(),
    write: (chunk: Buffer, _encoding, done) => forward(chunk, done),
    writev: (chunks, done) => forward(Buffer.concat(chunks.map((c) => c.chunk as Buffer)), done),
    final(done) {
      socket.end()
      done()
    },
    destroy(error, done) {
      socket.destroy()
      done(error)
    },
  })
  socket.on('data', (chunk: Buffer) => {
    if (!duplex.push(chunk)) socket.pause()
  })
  socket.on('end', () => duplex.push(null))
  socket.on('close', () => duplex.destroy())
  socket.on('error', () => duplex.destroy())
  return duplex
}
