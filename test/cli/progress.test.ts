/** The progress bar's text: the run count as the runner gives it, and the remaining time. */
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { EtaEstimator, formatEta, progressStatus } from '../../src/cli/progress.js';

describe('progressStatus', () => {
  it('counts runs, not the bar scale', () => {
    expect(progressStatus({ done: 35, total: 36, fraction: 0.98 }, 12)).toBe('35/36 runs | eta 12 s');
  });

  it('survives cli-progress rendering (its own {total} is the 0-1000 scale)', () => {
    const bars = createRequire(import.meta.url)('cli-progress');
    let written = '';
    const stream = { isTTY: true, columns: 200, write: (s: string) => ((written += s), true), cursorTo: () => true, clearLine: () => true, moveCursor: () => true, on: () => stream, removeListener: () => stream };
    const bar = new bars.SingleBar({ stream, format: 'x |{bar}| {percentage}% | {status}', fps: 1000, hideCursor: false }, bars.Presets.shades_classic);
    bar.start(1000, 0, { status: progressStatus({ done: 0, total: 36, fraction: 0 }, undefined) });
    bar.update(980, { status: progressStatus({ done: 35, total: 36, fraction: 0.98 }, 12) });
    bar.stop();
    expect(written).toContain('98% | 35/36 runs | eta 12 s');
    expect(written).not.toContain('/1000');
  });
});

describe('EtaEstimator', () => {
  it('ignores the start-up before the first progress, then extrapolates the recent rate', () => {
    const e = new EtaEstimator();
    e.update(0, 0); // the runner's first report, before any worker started
    e.update(900, 0); // workers still starting
    expect(e.remaining(900)).toBeUndefined();
    // From t = 1 s, 10% of the work a second.
    for (let t = 1000; t <= 4000; t += 250) e.update(t, (t - 1000) / 10_000);
    // At 4 s: 30% done, 70% left at 10%/s -> 7 s. Measured from t = 0 (start-up in) it would say 9.3 s.
    expect(e.remaining(4000)).toBeCloseTo(7, 6);
  });

  it('forgets a slow start: a window of half the time since the first progress', () => {
    const e = new EtaEstimator();
    e.update(0, 0);
    // 10 s at 1%/s (first runs, not yet compiled), then 10 s at 4%/s.
    for (let t = 0; t <= 10_000; t += 500) e.update(t, t / 100_000);
    for (let t = 10_500; t <= 20_000; t += 500) e.update(t, 0.1 + (t - 10_000) / 25_000);
    // At 20 s: 50% done; the last 10 s went at 4%/s -> 12.5 s left (the whole-run average says 20 s).
    expect(e.remaining(20_000)).toBeCloseTo(12.5, 6);
  });

  it('resumed runs are not progress of this invocation; done is 0; a stall lengthens the estimate', () => {
    const e = new EtaEstimator();
    e.update(0, 0.5); // half resumed from a checkpoint
    e.update(1000, 0.5);
    e.update(2000, 0.55);
    e.update(4000, 0.65);
    // 10% in 2 s since the first progress -> 35% left at 5%/s = 7 s.
    expect(e.remaining(4000)).toBeCloseTo(7, 6);
    // Nothing new for 4 s: over the window (from 2 s to 8 s) 10% in 6 s -> 21 s.
    expect(e.remaining(8000)).toBeCloseTo(21, 6);
    e.update(9000, 1);
    expect(e.remaining(9000)).toBe(0);
  });

  it('formats', () => {
    expect([formatEta(undefined), formatEta(12.2), formatEta(185), formatEta(7800), formatEta(5 * 86400)]).toEqual(['?', '13 s', '3 min 05 s', '2 h 10 min', '5 days']);
  });
});
