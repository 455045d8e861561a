// `@lameduck/core/worker`: the protocol between `lameduck run` (@lameduck/reload) and its
// workers. Internal to @lameduck/reload and the preloads: not covered by semver for anyone else.
export { attachedHandle } from './handle-registry.js'
export { currentRuntime } from './support.js'
export {
  type DrainRequest,
  isDrainRequest,
  isLeaseMessage,
  isListenerClosed,
  isSupervisedWorker,
  isWorkerReport,
  type LeaseMessage,
  type ListenerClosed,
  WORKER_ENV,
  WORKER_MESSAGE,
  type WorkerReport,
} from './worker-protocol.js'
