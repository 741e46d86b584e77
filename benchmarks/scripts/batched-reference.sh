#!/usr/bin/env bash
# llama.cpp's llama-batched-bench and llama-bench on the engine-bench sweep's workload: S_TG (decode
# tok/s) at 1, 2, 4, 8 parallel sequences of a 16-token prompt and 128 generated tokens, and
# single-stream tg128 at depth 16. REPEATS runs each; prints min/median/max per batch size.
#
#   LLAMA_TOOLS=/tmp/llama-tools-prebuilt benchmarks/scripts/batched-reference.sh MODEL.gguf [REPEATS=3] [THREADS=2] [EXTRA...]
#   EXTRA goes to llama-batched-bench (default: -kvu, the unified KV cache the engine uses).
#
# LLAMA_TOOLS holds llama-batched-bench and llama-bench next to the prebuilt libraries the node uses
# (see benchmarks/README.md); their default thread polling (50) applies unless EXTRA says --poll.
set -euo pipefail
MODEL="${1:?model file}"; REPEATS="${2:-3}"; THREADS="${3:-2}"; shift $(( $# < 3 ? $# : 3 ))
EXTRA=("$@"); [[ ${#EXTRA[@]} -gt 0 ]] || EXTRA=(-kvu)
TOOLS="${LLAMA_TOOLS:?LLAMA_TOOLS: folder with llama-batched-bench, llama-bench and the libraries}"
export LD_LIBRARY_PATH="$TOOLS${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"

stats() { sort -g | awk '{a[NR]=$1} END {m=(NR%2)?a[(NR+1)/2]:(a[NR/2]+a[NR/2+1])/2; printf "%.1f / %.1f / %.1f", a[1], m, a[NR]}'; }
declare -A tg; tg1=()
for ((i = 1; i <= REPEATS; i++)); do
  out="$("$TOOLS/llama-batched-bench" -m "$MODEL" -c 4096 -b 512 -ub 512 -t "$THREADS" -npp 16 -ntg 128 \
          -npl 1,2,4,8 "${EXTRA[@]}" 2>/dev/null)"
  while read -r b s; do tg[$b]+="$s "; done < <(awk -F'|' '$2 ~ /^ *16 *$/ {gsub(/ /,""); print $4, $9}' <<<"$out")
  json="$("$TOOLS/llama-bench" -m "$MODEL" -t "$THREADS" -p 0 -n 128 -d 16 -r 1 -o json 2>/dev/null)"
  tg1+=("$(python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["avg_ts"])' <<<"$json")")
done
echo "model: $MODEL  threads: $THREADS  repeats: $REPEATS  batched-bench extra: ${EXTRA[*]}"
echo "llama-bench tg128 @ d16 tok/s min/median/max: $(printf '%s\n' "${tg1[@]}" | stats)"
for b in 1 2 4 8; do
  echo "llama-batched-bench B=$b S_TG tok/s min/median/max: $(tr ' ' '\n' <<<"${tg[$b]}" | grep . | stats)"
done
