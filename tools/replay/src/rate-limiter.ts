/**
 * A token bucket: `ratePerSecond` tokens a second, holding at most `capacity`
 * (a tenth of a second's worth by default, at least one), so a paused sender
 * cannot burst far above the rate afterwards. Pure: the clock is passed in.
 */
export class TokenBucket {
  readonly ratePerSecond: number;
  readonly capacity: number;
  private tokens: number;
  private updatedAt: number;

  constructor(ratePerSecond: number, now: number, capacity = Math.max(1, ratePerSecond / 10)) {
    if (!(ratePerSecond > 0)) throw new RangeError(`rate must be positive, got ${ratePerSecond}`);
    this.ratePerSecond = ratePerSecond;
    this.capacity = capacity;
    this.tokens = capacity;
    this.updatedAt = now;
  }

  /** Takes one token and returns 0, or takes none and returns the milliseconds until one is available. */
  take(now: number): number {
    this.refill(now);
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return 0;
    }
    return Math.ceil(((1 - this.tokens) * 1000) / this.ratePerSecond);
  }

  private refill(now: number): void {
    if (now > this.updatedAt) {
      this.tokens = Math.min(this.capacity, this.tokens + ((now - this.updatedAt) * this.ratePerSecond) / 1000);
      this.updatedAt = now;
    }
  }
}
