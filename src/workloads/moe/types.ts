/**
 * One row of a MoE routing trace: the experts the router chose for one (token, layer) of one
 * request. Rows come grouped by request (a request's rows are contiguous), tokens in order, layers
 * 0..L-1 within a token. A row listing more experts than the model's top-k is a prefill step: every
 * listed expert is needed.
 */
export interface MoeRow {
  /** Request id (non-negative integer). */
  request: number;
  /** Token index within the request; consecutive. */
  token: number;
  /** Layer index 0..L-1. */
  layer: number;
  /** Expert ids chosen by the router, distinct. */
  experts: number[];
  /** Gate weights of `experts`, same length; absent means equal weights. */
  weights?: number[];
  /** A recorded predictor's guess of `experts`, made one layer earlier (next-layer prediction). */
  predicted?: number[];
  /** Arrival time of the request, seconds; only on a request's first row. */
  arrival_s?: number;
}

/**
 * A consumer of rows as cells, for readers that build no row object (MoeTraceReader.nextColumns):
 * the experts are ex[s, e), their weights (w non-null) at the same indices of w, the predictions
 * p[ps, pe) (pe < 0: the row has none). The arrays are the reader's, valid during the call only.
 */
export interface MoeColumnSink {
  row(request: number, token: number, layer: number, arrival: number | undefined, ex: ArrayLike<number>, s: number, e: number, w: ArrayLike<number> | null, p: ArrayLike<number> | null, ps: number, pe: number): void;
}
