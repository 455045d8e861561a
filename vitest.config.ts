import { createRequire } from 'node:module'
import { configDefaults, defineConfig } from 'vitest/config'

/**
 * The older NestJS majors, each installed apart (packages/nestjs/test/nest10, nest11), for the
 * nestjs-10 and nestjs-11 projects; the nestjs project runs on the newest, packages/nestjs's own.
 */
const nestProject = (major: 10 | 11) => {
  const install = createRequire(
    new URL(`./packages/nestjs/test/nest${major}/package.json`, import.meta.url),
  )
  return {
    extends: true as const,
    resolve: {
      alias: ['common', 'core', 'platform-express', 'platform-fastify'].map((name) => ({
        find: `@nestjs/${name}`,
        replacement: install.resolve(`@nestjs/${name}`),
      })),
    },
    // In-process tests only: the child-process fixtures pick their major in signals.test.ts.
    test: {
      name: `nestjs-${major}`,
      include: ['packages/nestjs/test/{contract,nest}.test.ts'],
    },
  }
}

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
      nestProject(10),
      nestProject(11),
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
      ...['fastify', 'express', 'koa', 'hono', 'nestjs', 'next', 'reload'].map((name) => ({
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
