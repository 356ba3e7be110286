export { Cleanup } from './cleanup.ts';
export {
  benchGroup,
  benchTopics,
  committedSum,
  type DrainOptions,
  type DrainResult,
  endOffsetSum,
  forgetSubjects,
  measureDrain,
  preload,
  type TappedRecord,
  tapTopics,
} from './kafka.ts';
export {
  chainLatencies,
  type Latencies,
  type PaceOptions,
  pipelineLatencies,
  type Sent,
  sendPaced,
} from './latency.ts';
export { startPassthrough } from './passthrough.ts';
export {
  cpuSeconds,
  isRunning,
  peakRssMb,
  type ScriptOptions,
  startScript,
  startServiceScript,
  waitReady,
} from './process.ts';
export { PumpFeed, type SignalRow } from './pump-feed.ts';
export {
  avroMessages,
  type BenchMessage,
  jsonMessages,
  meanBytes,
  type TelemetryOptions,
  telemetryRecords,
} from './records.ts';
export { machine, median, quantile, RESULTS_DIR, saveResults } from './results.ts';
export { type BenchSession, benchSession, connectSession, runBench } from './session.ts';
export {
  cpuOf,
  failure,
  type Running,
  rssOf,
  type StageContext,
  startChain,
  startPipeline,
  stopAll,
  waitCount,
} from './stages.ts';
export { type Cell, type Column, formatNumber, renderTable } from './table.ts';
