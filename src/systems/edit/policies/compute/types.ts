export interface ComputePolicy {
  /** Compute masked tokens only, against cached activations of the template (else every token). */
  readonly usesCache: boolean;
}
export type ComputeFactory = () => ComputePolicy;
