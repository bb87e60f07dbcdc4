/**
 * Per-request records, for requests.csv: a system hands every finished request to the run's
 * RequestSink (if one is attached), with the warm-up flag set by the same rule its metrics use.
 * Times are simulated seconds; the writer converts them to ms.
 */

/** One finished request. */
export interface RequestRecord {
  /** The request's id in the trace or generator. */
  id: string | number;
  arrival: number;
  /** Service starts (admitted into a batch, or taken by a worker): queueing ends. */
  start: number;
  finish: number;
  /** Left out of results.json's metrics by the warm-up rule. */
  warmup: boolean;
  /** The system's own columns (SystemModule.requestColumns), in that order. */
  extra: ReadonlyArray<number | string>;
}

export interface RequestSink {
  add(r: RequestRecord): void;
}
