/** A two-layer Mixtral on an RTX 4090, 30 tokens: a `servesim fit` scenario that runs in milliseconds. */
export const TINY_FIT_SCENARIO = `name: tiny-fit
system: moe
hardware: { gpu: rtx-4090 }
model: { preset: mixtral-8x7b-fp16, layers: 2, expert_mb: 100 }
workload:
  generator: { tokens: 30, request_tokens: 30 }
warmup: { tokens: 5 }
policies:
  - label: on-demand
    policy: { cache_experts: 4 }
`;
