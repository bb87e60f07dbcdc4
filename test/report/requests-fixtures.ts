/** The edit scenario the requests.csv tests share: two policies, two sweep points, two replications. */

// A label with a comma and quotes: the CSV must quote it and csv-parse must read it back.
export const ODD = 'masked, "pipeline"';

export const EDIT = `
name: edit-tiny
system: edit
seed: 3
replications: 2
hardware: { gpu: h800, gpus: 2, host: epyc-9654-2s }
model: { preset: sdxl }
workload:
  generator: { requests: 40, rps: 1.5, templates: 4 }
policies:
  - label: full
    policy: { compute: full, loading: sequential, batching: static, balance: round-robin }
  - label: '${ODD}'
    policy: { compute: masked, loading: pipeline, batching: continuous, balance: cost-aware }
sweep:
  workload.generator.rps: [1, 2]
warmup: { requests: 5 }
`;
