export const dynamic = 'force-dynamic'

export async function GET() {
  console.log('arrived /slow')
  await new Promise((resolve) => setTimeout(resolve, 500))
  return new Response('slow')
}
