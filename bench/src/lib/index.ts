export { Cleanup } from './cleanup.ts';
export {
  benchGroup,
  benchTopics,
  type DrainOptions,
  type DrainResult,
  endOffsetSum,
  forgetSubjects,
  measureDrain,
  preload,
} from './kafka.ts';
export { startPassthrough } from './passthrough.ts';
export { cpuSeconds, isRunning, peakRssMb, type ScriptOptions, startScript, startServiceScript } from './process.ts';
export {
  avroMessages,
  type BenchMessage,
  jsonMessages,
  meanBytes,
  type TelemetryOptions,
  telemetryRecords,
} from './records.ts';
export { machine, median, RESULTS_DIR, saveResults } from './results.ts';
export { type Cell, type Column, formatNumber, renderTable } from './table.ts';
