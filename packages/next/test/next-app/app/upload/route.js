export const dynamic = 'force-dynamic'
export async function POST(request) {
  return new Response(String((await request.arrayBuffer()).byteLength))
}
