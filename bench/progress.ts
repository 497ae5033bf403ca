// A dependency-free progress bar on stderr (a TTY gets a redrawn bar, a log gets one line per 10%).
export class Progress {
  private done = 0;
  private lastDecile = -1;
  private readonly started = Date.now();

  constructor(
    private readonly label: string,
    private readonly total: number,
  ) {
    this.draw();
  }

  tick(n = 1): void {
    this.done = Math.min(this.total, this.done + n);
    this.draw();
  }

  finish(): void {
    this.done = this.total;
    this.draw();
    if (process.stderr.isTTY) process.stderr.write("\n");
  }

  private draw(): void {
    const ratio = this.total === 0 ? 1 : this.done / this.total;
    const secs = ((Date.now() - this.started) / 1000).toFixed(1);
    if (process.stderr.isTTY) {
      const width = 30;
      const filled = Math.round(ratio * width);
      process.stderr.write(
        `\r${this.label.padEnd(24)} [${"#".repeat(filled)}${"-".repeat(width - filled)}] ${(ratio * 100).toFixed(0).padStart(3)}% ${secs}s`,
      );
      return;
    }
    const decile = Math.floor(ratio * 10);
    if (decile !== this.lastDecile) {
      this.lastDecile = decile;
      process.stderr.write(`${this.label} ${decile * 10}% (${secs}s)\n`);
    }
  }
}
