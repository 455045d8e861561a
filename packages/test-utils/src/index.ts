export { type QueuedOutcome, queueConnections } from './accept-queue.js'
export {
  type Child,
  get,
  type SimpleResponse,
  sigtermCutting,
  sigtermDuring,
  startFixture,
} from './child.js'
export {
  type ContractApp,
  type ContractFactory,
  type ContractFeatures,
  type ContractOptions,
  type ContractReport,
  describeShutdownContract,
} from './contract.js'
export { type H2FrameCounts, H2FrameProxy } from './h2-frame-proxy.js'
export {
  errorCode,
  type Frame,
  goawayLastStream,
  H2_FRAME,
  NOTICE_LAST_STREAM,
  RawH2Client,
  type RawH2Options,
} from './h2-raw-client.js'
export { type H2loadResult, type H2loadRun, h2load } from './h2load.js'
export { jsTransport } from './js-transport.js'
export { keepAliveLoad, type Load, type LoadClient, type LoadResult, p99 } from './load.js'
export {
  freePort,
  type Nginx,
  serverErrors,
  startNginx,
  type Wrk,
  type WrkSummary,
  waitForPort,
  wrkPost,
} from './nginx.js'
export {
  type ArrivalSource,
  connectOutcome,
  inFlight,
  RawClient,
  type RawResponse,
} from './raw-client.js'
export { listenForTest, serveContract } from './serve.js'
export {
  type Datagram,
  isDatagram,
  isExit,
  isStart,
  type ServiceEvent,
  type ServiceManager,
  startServiceManager,
} from './service-manager.js'
export { median, percentile, within } from './stats.js'
export { type TestCertificate, testCertificate } from './tls.js'
