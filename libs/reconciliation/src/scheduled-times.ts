import { CronTime } from 'cron';

/**
 * Maps the moment a cron callback runs to the scheduled time it stands for. Instances that
 * share a database claim each scheduled time once (LeasesService.claimTick), so they must
 * agree on it: the moment the callback ran differs between instances, and under load by
 * hundreds of milliseconds, while the cron occurrence (an absolute instant) is the same on
 * every instance.
 */
export class ScheduledTimes {
  private readonly cron: CronTime;
  /** The occurrence the job waits for next. */
  private next: number;

  constructor(expression: string, now = Date.now()) {
    this.cron = new CronTime(expression);
    this.next = this.after(now);
  }

  /**
   * The latest occurrence not after `firedAt` (cron fires late, never early), or the one the
   * job was waiting for if the timer ran a hair early; later firings map to later occurrences.
   */
  at(firedAt: number): number {
    let tick = this.next;
    for (let following = this.after(tick); following <= firedAt; following = this.after(tick)) {
      tick = following;
    }
    this.next = this.after(tick);
    return tick;
  }

  private after(instant: number): number {
    return this.cron.getNextDateFrom(new Date(instant)).toMillis();
  }
}
