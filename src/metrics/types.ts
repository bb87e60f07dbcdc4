/** Result types shared by systems, the runner and reports (a leaf module: imports nothing). */

/** A metric value in results.json: a number or a nested record of numbers (e.g. latency_ms.p99). */
export type MetricValue = number | { [key: string]: MetricValue };
export type Metrics = Record<string, MetricValue>;

/** Requests in = completed + rejected + in flight at the end of a run. */
export interface Conservation {
  arrived: number;
  completed: number;
  rejected: number;
  inFlight: number;
}

export interface WarmupConfig {
  /** Discard the first N completed requests from latency metrics (edit, t2i). */
  requests?: number;
  /** Discard the first N decode tokens (moe). */
  tokens?: number;
  /** Discard requests that arrived before this many simulated seconds. */
  seconds?: number;
}
