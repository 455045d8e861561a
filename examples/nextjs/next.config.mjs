// `output: 'standalone'` builds .next/standalone/server.js, the one-process server for containers.
export default { output: 'standalone' }
