export {
  type LabelledObject,
  type LabelledVerdict,
  QUALITY_METRICS,
  type QualityMetric,
  qualityMetrics,
} from './metrics.ts';
export { hajekRatio, type RatioEstimate, type RatioTerm } from './ratio.ts';
export { type Interval, UNINFORMATIVE, wilson, Z_95 } from './wilson.ts';
