// Streams for 2 s: ten chunks, 200 ms apart.
export const dynamic = 'force-dynamic'

export function GET() {
  let sent = 0
  const body = new ReadableStream({
    async pull(controller) {
      await new Promise((resolve) => setTimeout(resolve, 200))
      controller.enqueue(new TextEncoder().encode(`chunk ${++sent}\n`))
      if (sent === 10) controller.close()
    },
  })
  return new Response(body, { headers: { 'content-type': 'text/plain' } })
}
