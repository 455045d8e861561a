import { drainTail } from './figures.js'

const r: Record<string, number[]> = {}
for (let i = 0; i < 7; i++)
  for (const peer of ['lameduck', 'http-terminator', 'terminus'] as const)
    (r[peer] ??= []).push(Math.round((await drainTail(peer))! * 10) / 10)
console.log(r)
