import { defineConfig } from 'vitest/config'

// Tests run on the TypeScript sources through the `@lameduck/source` export condition; child
// process fixtures import the built packages, so `pnpm test` builds first.
const conditions = ['@lameduck/source', 'module', 'node', 'development|production']

export default defineConfig({
  resolve: { conditions },
  ssr: { resolve: { conditions } },
  test: {
    projects: [
      {
        extends: true,
        test: {
          name: 'core',
          include: ['packages/core/test/**/*.test.ts'],
          typecheck: {
            enabled: true,
            include: ['packages/core/test/**/*.test-d.ts'],
            tsconfig: 'packages/core/tsconfig.json',
          },
        },
      },
      {
        extends: true,
        test: { name: 'examples', include: ['examples/*.test.ts'] },
      },
      {
        extends: true,
        test: { name: 'bench', include: ['bench/test/*.test.ts'] },
      },
      // Real nginx and HAProxy: run by `pnpm test:integration` (and .ci/run), not by `pnpm test`.
      ...(process.env.LAMEDUCK_INTEGRATION === '1'
        ? [
            {
              extends: true as const,
              test: { name: 'integration', include: ['integration/*.test.ts'] },
            },
          ]
        : []),
      ...['fastify', 'express', 'koa', 'hono', 'reload'].map((name) => ({
        extends: true as const,
        test: {
          name,
          include: [`packages/${name}/test/**/*.test.ts`],
          typecheck: {
            enabled: true,
            include: [`packages/${name}/test/**/*.test-d.ts`],
            tsconfig: `packages/${name}/tsconfig.json`,
          },
        },
      })),
    ],
    testTimeout: 15_000,
    hookTimeout: 15_000,
    teardownTimeout: 5_000,
  },
})
