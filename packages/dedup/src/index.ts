export { type DedupMark, dedupKey, PendingMarks, RedisDedupStore } from './redis-dedup.ts';
