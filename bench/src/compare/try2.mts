import { drainTail, idleCost, lostUnderLoad, throughputRatio } from './figures.js'
import { PEERS } from './peer-process.js'

for (const peer of PEERS) {
  const lost = []
  for (let i = 0; i < 2; i++) lost.push((await lostUnderLoad(peer)).lost)
  const tail = await drainTail(peer)
  const idle = await idleCost(peer)
  const tp = await throughputRatio(peer, 1, 1)
  console.log(peer, { lost, tail, idle, tp })
}
