import { AppConfig } from '../config/app-config';
import { RateLimiter } from './rate-limits';

const limiterWith = (maxInFlightPerCredential: number) =>
  new RateLimiter({ maxInFlightPerCredential } as AppConfig);

describe('RateLimiter', () => {
  afterEach(() => jest.useRealTimers());

  it('allows a burst, then one request per refill interval, with the real wait', () => {
    jest.useFakeTimers({ now: 0 });
    const limiter = limiterWith(8);
    // 60 per minute: a burst of 10, then one a second.
    for (let i = 0; i < 10; i++) expect(limiter.take('k', 60)).toBe(0);
    expect(limiter.take('k', 60)).toBe(1);
    jest.setSystemTime(999);
    expect(limiter.take('k', 60)).toBe(1);
    jest.setSystemTime(1000);
    expect(limiter.take('k', 60)).toBe(0);
    expect(limiter.take('other', 60)).toBe(0); // each credential its own bucket
  });

  it('lets a cost above the burst through only from a full bucket, leaving a debt', () => {
    jest.useFakeTimers({ now: 0 });
    const limiter = limiterWith(8);
    expect(limiter.take('k', 6, 30)).toBe(0); // burst 6, cost 30: full bucket, debt of 24
    expect(limiter.take('k', 6)).toBe(250); // 25 tokens short at one per 10 s
  });

  it('queues past the in-flight cap, hands places on in order, and refuses after the wait', async () => {
    jest.useFakeTimers();
    const limiter = limiterWith(2);
    expect(await limiter.enter('k')).toBe(true);
    expect(await limiter.enter('k')).toBe(true);
    const third = limiter.enter('k');
    const fourth = limiter.enter('k');
    limiter.leave('k');
    expect(await third).toBe(true);
    jest.advanceTimersByTime(2_000);
    expect(await fourth).toBe(false);
    expect(await limiter.enter('other')).toBe(true); // other credentials are not held up
  });
});
