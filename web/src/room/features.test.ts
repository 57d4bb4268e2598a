import { describe, expect, it } from 'vitest';
import { changedFraction, kMotionThreshold } from './features';

// A grey picture from rows of grey levels.
function picture(rows: number[][]): Uint8Array {
  return Uint8Array.from(rows.flat());
}

function fraction(before: number[][], after: number[][], threshold = kMotionThreshold): number {
  const width = before[0]!.length;
  const height = before.length;
  return changedFraction(picture(before), picture(after), new Uint8Array(width * height), width, height, threshold);
}

describe('changedFraction', () => {
  const still = [
    [100, 100, 100],
    [100, 100, 100],
  ];

  it('finds no motion between equal pictures', () => {
    expect(fraction(still, still)).toBe(0);
  });

  it('ignores a lone changed pixel as sensor noise', () => {
    expect(
      fraction(still, [
        [100, 100, 100],
        [100, 200, 100],
      ]),
    ).toBe(0);
  });

  it('counts pixels that changed beside another changed pixel, across or down', () => {
    expect(
      fraction(still, [
        [200, 200, 100],
        [100, 100, 100],
      ]),
    ).toBe(2 / 6);
    expect(
      fraction(still, [
        [100, 100, 0],
        [100, 100, 0],
      ]),
    ).toBe(2 / 6);
  });

  it('does not count pixels that touch only at a corner', () => {
    expect(
      fraction(still, [
        [200, 100, 100],
        [100, 200, 100],
      ]),
    ).toBe(0);
  });

  it('does not take the end of one row and the start of the next for neighbours', () => {
    expect(
      fraction(still, [
        [100, 100, 200],
        [200, 100, 100],
      ]),
    ).toBe(0);
  });

  it('counts a change only when it is larger than the threshold, brighter or darker', () => {
    const by = (d: number) => [
      [100 + d, 100 + d, 100],
      [100, 100, 100],
    ];
    expect(fraction(still, by(kMotionThreshold))).toBe(0);
    expect(fraction(still, by(kMotionThreshold + 1))).toBe(2 / 6);
    expect(fraction(still, by(-kMotionThreshold))).toBe(0);
    expect(fraction(still, by(-kMotionThreshold - 1))).toBe(2 / 6);
    expect(kMotionThreshold).toBe(12);
  });

  it('finds the whole picture changed when every pixel did', () => {
    expect(
      fraction(still, [
        [0, 0, 0],
        [0, 0, 0],
      ]),
    ).toBe(1);
  });

  it('does not depend on what the scratch space held before', () => {
    const a = picture(still);
    const b = picture([
      [100, 100, 100],
      [100, 200, 100],
    ]);
    const mask = new Uint8Array(6).fill(1);
    expect(changedFraction(a, b, mask, 3, 2, kMotionThreshold)).toBe(0);
  });

  it('counts a one-pixel-wide picture by its vertical neighbours alone', () => {
    expect(fraction([[0], [0], [0]], [[50], [50], [0]])).toBe(2 / 3);
  });
});
