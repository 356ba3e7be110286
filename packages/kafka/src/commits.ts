/**
 * The offset commit of the last chunk, sent without waiting for its answer so
 * that the next fetch overlaps it. The next chunk waits for it before sending
 * its own (commits stay in order, one in flight), and close() before leaving
 * the group. A group error it ended with is kept for the next chunk's wait.
 */
export class BackgroundCommit {
  private pending: Promise<{ error?: unknown }> = Promise.resolve({});

  /** Starts `commit` in the background (after `previous()`); its failure is kept, not thrown. */
  send(commit: () => Promise<unknown>): void {
    this.pending = commit().then(
      () => ({}),
      (error: unknown) => ({ error }),
    );
  }

  /** Waits for the commit in flight and throws the error it ended with, once. */
  async previous(): Promise<void> {
    const { error } = await this.pending;
    if (error !== undefined) {
      this.pending = Promise.resolve({});
      throw error;
    }
  }

  /** Waits for the commit in flight, however it ended. */
  async settled(): Promise<void> {
    await this.pending;
  }

  /**
   * Drops what the commit in flight ended with, at a rejoin: a commit refused
   * by the last generation concerns partitions the group has since handed out
   * again, whose new owner starts from the last commit.
   */
  forget(): void {
    this.pending = Promise.resolve({});
  }
}
