// The one IPC dialect of the bench's child servers (server.mjs and peer-server.mjs): `{ id,
// command }` in, `{ id, ...answer }` out, sent by `ipcAsk` in harness.ts, whose `Answers` type
// lists each command's answer. A child first sends `{ port }` once it listens.
export function answerCommands(server, extra = {}) {
  const commands = {
    heap() {
      globalThis.gc?.()
      globalThis.gc?.()
      return { heap: process.memoryUsage().heapUsed }
    },
    cpu() {
      const { user, system } = process.cpuUsage()
      return { micros: user + system }
    },
    connections: () =>
      new Promise((resolve) => server.getConnections((_e, n) => resolve({ connections: n }))),
    ...extra,
  }
  process.on('message', async ({ id, command }) => {
    process.send({ id, ...(await commands[command]()) })
  })
  process.send({ port: server.address().port })
}
