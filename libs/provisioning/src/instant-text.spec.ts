import { isoInstant } from './instant-text';

describe('isoInstant', () => {
  it('writes what toISOString writes', () => {
    const instants = [
      0,
      1,
      59_999,
      86_399_999,
      86_400_000,
      951_782_400_000, // 2000-02-29
      1_796_297_058_463,
      253_402_300_799_999,
      253_402_300_800_000, // year 10000: toISOString's six-digit form
      -1, // before 1970
      ...Array.from({ length: 2000 }, () => Math.floor(Math.random() * 4e12)),
    ];
    for (const instant of instants) {
      expect(isoInstant(instant)).toBe(new Date(instant).toISOString());
      expect(isoInstant(String(instant))).toBe(new Date(instant).toISOString());
    }
  });

  it('fails as toISOString does on what is not an instant', () => {
    expect(() => isoInstant('not a number')).toThrow(RangeError);
  });
});
