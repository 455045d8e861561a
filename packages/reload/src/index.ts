export { controlDir, defaultControlPath, findControlPath, sendControl } from './control.js'
export { type ListenAddress, parseListen, type SuperviseOptions } from './options.js'
export {
  type ReloadResult,
  type Supervisor,
  type SupervisorStatus,
  supervise,
} from './supervisor.js'
