import { describe, expect, it } from 'vitest';
import { checkMetricPaths, holds, meetsAll, parseSlo } from '../../src/scenario/slo.js';
import { parseWindow } from '../../src/scenario/timeline.js';
import { parseGpuRange } from '../../src/scenario/capacity.js';

describe('parseSlo(text)', () => {
  it('reads METRIC OP VALUE with the four operators, spaces allowed', () => {
    expect(parseSlo('latency_ms.p99<=2000')).toEqual({ metric: 'latency_ms.p99', op: '<=', threshold: 2000, text: 'latency_ms.p99<=2000' });
    expect(parseSlo(' slo_attainment >= 0.99 ')).toMatchObject({ metric: 'slo_attainment', op: '>=', threshold: 0.99 });
    expect(parseSlo('tpot_ms.p99<1.5e2')).toMatchObject({ op: '<', threshold: 150 });
    expect(parseSlo('tokens_per_s>.5')).toMatchObject({ op: '>', threshold: 0.5 });
  });

  it('rejects malformed strings with one line naming the flag', () => {
    for (const bad of ['latency_ms.p99', 'latency_ms.p99=<2000', '<=2000', 'latency_ms.p99<=fast', 'a.b<=1<=2', 'latency ms<=1']) {
      expect(() => parseSlo(bad), bad).toThrow(/^--slo expects METRIC OP VALUE with OP one of <=, <, >=, > \(e\.g\. 'latency_ms\.p99<=2000'\), got '.*'$/);
    }
  });

  it('holds(value, slo) is strict or not as written, and NaN never holds', () => {
    expect(holds(2000, parseSlo('x<=2000'))).toBe(true);
    expect(holds(2000, parseSlo('x<2000'))).toBe(false);
    expect(holds(0.99, parseSlo('x>=0.99'))).toBe(true);
    expect(holds(0.99, parseSlo('x>0.99'))).toBe(false);
    expect(holds(NaN, parseSlo('x<=1e9'))).toBe(false);
    expect(meetsAll({ latency_ms: { p99: 10 }, slo_attainment: 1 }, [parseSlo('latency_ms.p99<=10'), parseSlo('slo_attainment>=0.99')])).toBe(true);
    expect(meetsAll({ latency_ms: { p99: 11 }, slo_attainment: 1 }, [parseSlo('latency_ms.p99<=10'), parseSlo('slo_attainment>=0.99')])).toBe(false);
  });

  it('checkMetricPaths names a metric the system does not report and lists those it does', () => {
    expect(() => checkMetricPaths({ latency_ms: { p99: 1 } }, ['latency_ms.p42'], '--slo')).toThrow("--slo: this system reports no metric 'latency_ms.p42' (metrics: latency_ms.p99)");
  });
});

describe('parseWindow(text) and parseGpuRange(text)', () => {
  it('reads START:END with open ends', () => {
    expect(parseWindow('10:12.5')).toEqual({ start: 10, end: 12.5 });
    expect(parseWindow(':30')).toEqual({ start: 0, end: 30 });
    expect(parseWindow('10:')).toEqual({ start: 10, end: Infinity });
  });
  it('rejects anything else in one line', () => {
    expect(() => parseWindow('10-12')).toThrow("--window expects START:END in simulated seconds (e.g. 10:12.5, :30 or 10:), got '10-12'");
    expect(() => parseWindow('5:2')).toThrow(/END must be after START/);
    expect(() => parseWindow('-1:2')).toThrow(/--window expects/);
  });
  it('GPU ranges', () => {
    expect(parseGpuRange('1..16')).toEqual({ from: 1, to: 16 });
    expect(parseGpuRange('8')).toEqual({ from: 1, to: 8 });
    expect(() => parseGpuRange('16..1')).toThrow(/--gpus expects/);
    expect(() => parseGpuRange('0..4')).toThrow(/--gpus expects/);
  });
});
