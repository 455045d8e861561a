export const dynamic = 'force-dynamic'
export const GET = () => new Promise(() => {})
