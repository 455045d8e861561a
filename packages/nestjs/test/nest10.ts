/** The environment that runs a child process on Nest 10 (see fixtures/nest10.mjs). */
export const onNest10 = {
  NODE_OPTIONS: `--import ${new URL('./fixtures/nest10.mjs', import.meta.url)}`,
}
