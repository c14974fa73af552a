import { ScheduledTimes } from './scheduled-times';

const at = (text: string) => Date.parse(text);

describe('ScheduledTimes', () => {
  it('maps late firings to the occurrence they stand for, the same on every instance', () => {
    const start = at('2026-01-01T00:00:00.500Z');
    const one = new ScheduledTimes('*/3 * * * * *', start);
    const two = new ScheduledTimes('*/3 * * * * *', start + 1_200);
    // Instance one fires 20 ms late, instance two 800 ms late: one scheduled time.
    expect(one.at(at('2026-01-01T00:00:03.020Z'))).toBe(at('2026-01-01T00:00:03.000Z'));
    expect(two.at(at('2026-01-01T00:00:03.800Z'))).toBe(at('2026-01-01T00:00:03.000Z'));
    expect(one.at(at('2026-01-01T00:00:06.001Z'))).toBe(at('2026-01-01T00:00:06.000Z'));
  });

  it('skips to the latest occurrence after a long stall, and never reuses one', () => {
    const times = new ScheduledTimes('*/3 * * * * *', at('2026-01-01T00:00:00.000Z'));
    expect(times.at(at('2026-01-01T00:00:10.100Z'))).toBe(at('2026-01-01T00:00:09.000Z'));
    // A timer that fires a hair early still stands for the occurrence it waited for.
    expect(times.at(at('2026-01-01T00:00:11.999Z'))).toBe(at('2026-01-01T00:00:12.000Z'));
    expect(times.at(at('2026-01-01T00:00:15.000Z'))).toBe(at('2026-01-01T00:00:15.000Z'));
  });
});
