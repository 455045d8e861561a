import { expectTypeOf, test } from 'vitest'
import { dropNewHandshakes, notify, pendingConnections, unavailable } from '../src/index.js'

test('the public surface', () => {
  expectTypeOf(dropNewHandshakes).toEqualTypeOf<(fd: number) => void>()
  expectTypeOf(pendingConnections).toEqualTypeOf<(fd: number) => number>()
  expectTypeOf(notify).toEqualTypeOf<
    (path: string, message: string, fds?: readonly number[]) => void
  >()
  expectTypeOf(unavailable).toEqualTypeOf<Error | undefined>()
})
