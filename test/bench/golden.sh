#!/bin/bash
# Byte-identity check for speed work: writes every output a change must not alter, for diffing
# one build against another (`diff -r OUT_A OUT_B`; results.json less its wallclock block).
#   test/bench/golden.sh BUILD OUT [quick|full]
# BUILD: a folder holding a built dist/ (and node_modules beside or above it), e.g. a copy of the
# build before a change. Runs 26 MoE policy variants (every prefetcher, eviction and miss policy,
# copy engine, copy stream, swap, batch size) over three small routing traces (the shipped sample,
# a generated one with prefill rows, arrivals and predictions, one with predictions), with a
# --timeline of two of them (one capped and windowed), the moe-python bench's three 20k-token
# variants, and the MoE scenarios and quickstart (quick) or every shipped scenario (full).
# Traces are generated once into $GOLDEN_TRACES (default /tmp/servesim-golden-traces).
set -e
ROOT=$(cd "$1" && pwd); OUT=$2; MODE=${3:-quick}
CLI="$ROOT/dist/src/cli/main.js"
WT=$(cd "$(dirname "$0")/../.." && pwd)
rm -rf "$OUT"; mkdir -p "$OUT"
T=${GOLDEN_TRACES:-/tmp/servesim-golden-traces}; mkdir -p $T
[ -f $T/gen3k.csv ] || node $WT/dist/src/cli/main.js trace gen moe --param tokens=3000 --param request_tokens=300 --param prefill=true --param rps=2 --param predictor_accuracy=0.8 --out $T/gen3k.csv -q
[ -f $T/gen4k.csv ] || node $WT/dist/src/cli/main.js trace gen moe --param tokens=4000 --param request_tokens=500 --param predictor_accuracy=0.9 --out $T/gen4k.csv -q
[ -f $T/gen20k.csv ] || node $WT/dist/src/cli/main.js trace gen moe --param tokens=20000 --param request_tokens=500 --out $T/gen20k.csv -q
cp $WT/traces/moe-sample.csv $T/sample.csv
norm() { # strip wall-clock/version fields from results.json
  node -e '
const fs=require("fs");const f=process.argv[1];const j=JSON.parse(fs.readFileSync(f,"utf8"));
const strip=(o)=>{if(Array.isArray(o))return o.forEach(strip);if(o&&typeof o==="object"){for(const k of Object.keys(o)){if(k==="wallclock")delete o[k];else strip(o[k]);}}};
strip(j);fs.writeFileSync(f+".norm",JSON.stringify(j,null,1));fs.unlinkSync(f);' "$1"
}
runone() { # name scenario [extra args]
  local name=$1 scen=$2; shift 2
  local o="$OUT/$name"
  node "$CLI" run "$scen" --out "$o" --force -q --no-html -j 1 "$@" > "$o.stdout" 2>&1 || echo "FAILED $name" >> "$OUT/FAILED"
  [ -f "$o/results.json" ] && norm "$o/results.json"
  rm -f "$o.stdout"
}
mkscen() { # file trace policy-json-list-of-{label,policy}
  cat > $1 <<Y
{"name":"g","system":"moe","seed":1,"hardware":{"gpu":"h100-pcie","host":"xeon-8380-2s"},"model":{"preset":"mixtral-8x7b-fp16"},"workload":{"trace":"$2"},"warmup":{"tokens":50},"policies":$3}
Y
}
P='[
{"label":"none","policy":{"cache_experts":128,"prefetch":"none"}},
{"label":"prev","policy":{"cache_experts":128,"prefetch":"previous-token"}},
{"label":"pop","policy":{"cache_experts":128,"prefetch":"popularity","prefetch_depth":2}},
{"label":"pred","policy":{"cache_experts":128,"prefetch":"predicted"}},
{"label":"predtrace","policy":{"cache_experts":128,"prefetch":"predicted","predictor":"trace"}},
{"label":"oracle","policy":{"cache_experts":96,"prefetch":"oracle"}},
{"label":"lfu","policy":{"cache_experts":128,"cache":"lfu","lfu_counts":"all"}},
{"label":"pinned","policy":{"cache_experts":128,"cache":"pinned"}},
{"label":"belady","policy":{"cache_experts":128,"cache":"belady"}},
{"label":"random","policy":{"cache_experts":128,"cache":"random"}},
{"label":"shared","policy":{"cache_experts":128,"cache_scope":"shared","prefetch":"oracle"}},
{"label":"drop","policy":{"cache_experts":128,"miss":"drop","prefetch":"predicted"}},
{"label":"cpu","policy":{"cache_experts":128,"miss":"cpu","cpu_when":"always"}},
{"label":"cpufast","policy":{"cache_experts":128,"miss":"cpu","prefetch":"oracle","wait_ms":0.5}},
{"label":"buddy","policy":{"cache_experts":128,"miss":"buddy","buddy_online":true,"buddy_min_entropy":0.3}},
{"label":"lowbit","policy":{"cache_experts":128,"miss":"lowbit","lowbit_bits":4}},
{"label":"fifo","policy":{"cache_experts":128,"copy_engine":"fifo","prefetch":"oracle"}},
{"label":"fifodf","policy":{"cache_experts":128,"copy_engine":"fifo","demand_first":true,"prefetch":"popularity"}},
{"label":"compute","policy":{"cache_experts":128,"copy_stream":"compute","prefetch":"oracle"}},
{"label":"dcompute","policy":{"cache_experts":128,"copy_stream":"demand-compute","prefetch":"predicted"}},
{"label":"swapb","policy":{"cache_experts":128,"swap":"before","prefetch":"oracle"}},
{"label":"swapa","policy":{"cache_experts":128,"swap":"alongside"}},
{"label":"swapio","policy":{"cache_experts":128,"swap":"in-order","prefetch":"predicted"}},
{"label":"b4","policy":{"cache_experts":128,"batch_size":4,"prefetch":"oracle"}},
{"label":"b8","policy":{"cache_experts":128,"batch_size":8}},
{"label":"b8belady","policy":{"cache_experts":160,"batch_size":8,"cache":"belady","miss":"cpu"}}
]'
for tr in sample gen3k gen4k; do
  mkscen $T/$tr.json $tr.csv "$P"
  runone "v-$tr" $T/$tr.json
  runone "tl-$tr" $T/$tr.json --timeline "$OUT/tl-$tr.timeline.json" --timeline-run prev
  runone "tlw-$tr" $T/$tr.json --timeline "$OUT/tlw-$tr.timeline.json" --timeline-run b4 --window 0.5:2 --timeline-max-events 5000
done
# the bench's three 20k variants
mkscen $T/bench.json gen20k.csv '[{"label":"none","policy":{"cache_experts":128,"cache":"lru","miss":"fetch","prefetch":"none"}},{"label":"prev","policy":{"cache_experts":128,"cache":"lru","miss":"fetch","prefetch":"previous-token"}},{"label":"b8","policy":{"cache_experts":128,"cache":"lru","miss":"fetch","prefetch":"none","batch_size":8}}]'
runone bench $T/bench.json
for s in $WT/scenarios/*.yaml $WT/test/bench/fixtures/tiny.yaml; do
  b=$(basename $s .yaml)
  if [ "$MODE" = quick ] && [[ $b != moe-* && $b != quickstart ]]; then continue; fi
  runone "s-$b" $s
done
echo done
