/** The environment that runs a child process on an older Nest major (see fixtures/nest-major.mjs). */
export const onNest = (major: 10 | 11) => ({
  NODE_OPTIONS: `--import ${new URL(`./fixtures/nest-major.mjs?${major}`, import.meta.url)}`,
})
