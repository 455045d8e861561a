// Ends with a last event when the drain starts: the test's server puts its handle's signal on
// globalThis, the only channel from a custom server into a route.
export const dynamic = 'force-dynamic'
export function GET() {
  const encoder = new TextEncoder()
  const signal = globalThis.lameduckSignal
  const body = new ReadableStream({
    start(controller) {
      controller.enqueue(encoder.encode('data: hello\n\n'))
      const bye = () => {
        controller.enqueue(encoder.encode('event: bye\ndata: shutting down\n\n'))
        controller.close()
      }
      if (signal.aborted) bye()
      else signal.addEventListener('abort', bye, { once: true })
    },
  })
  return new Response(body, { headers: { 'content-type': 'text/event-stream' } })
}
