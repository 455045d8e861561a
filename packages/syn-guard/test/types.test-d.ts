import { expectTypeOf, test } from 'vitest'
import { dropNewHandshakes, pendingConnections, unavailable } from '../src/index.js'

test('the public surface', () => {
  expectTypeOf(dropNewHandshakes).toEqualTypeOf<(fd: number) => void>()
  expectTypeOf(pendingConnections).toEqualTypeOf<(fd: number) => number>()
  expectTypeOf(unavailable).toEqualTypeOf<Error | undefined>()
})
