export const dynamic = 'force-dynamic'
export async function GET(request) {
  const ms = Number(new URL(request.url).searchParams.get('ms') ?? 0)
  await new Promise((resolve) => setTimeout(resolve, ms))
  return new Response('slow')
}
