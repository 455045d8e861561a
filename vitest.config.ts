import { configDefaults, defineConfig } from 'vitest/config'

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
          exclude: [...configDefaults.exclude, 'packages/core/test/runtimes/**'],
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
      // The native helper is Linux only; elsewhere its tests have nothing to run.
      ...(process.platform === 'linux'
        ? [
            {
              extends: true as const,
              test: {
                name: 'syn-guard',
                include: ['packages/syn-guard/test/*.test.ts'],
                typecheck: {
                  enabled: true,
                  include: ['packages/syn-guard/test/*.test-d.ts'],
                  tsconfig: 'packages/syn-guard/tsconfig.json',
                },
              },
            },
          ]
        : []),
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
      // The core contract on Bun and Deno: run by .ci/run, which installs them and names them in
      // LAMEDUCK_BUN and LAMEDUCK_DENO.
      ...(process.env.LAMEDUCK_BUN !== undefined || process.env.LAMEDUCK_DENO !== undefined
        ? [
            {
              extends: true as const,
              test: { name: 'runtimes', include: ['packages/core/test/runtimes/*.test.ts'] },
            },
          ]
        : []),
      ...['fastify', 'express', 'koa', 'reload'].map((name) => ({
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
