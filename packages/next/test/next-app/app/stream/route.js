export const dynamic = 'force-dynamic'
export function GET(request) {
  const ms = Number(new URL(request.url).searchParams.get('ms') ?? 0)
  const encoder = new TextEncoder()
  const body = new ReadableStream({
    start(controller) {
      controller.enqueue(encoder.encode('first,'))
      setTimeout(() => {
        controller.enqueue(encoder.encode('last'))
        controller.close()
      }, ms)
    },
  })
  return new Response(body)
}
