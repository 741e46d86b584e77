#!/usr/bin/env bash
# Single-stream decode and prefill tok/s of `edgenode generate`, REPEATS runs, min/median/max;
# optionally side by side with llama.cpp's own llama-bench on the same file in the same run.
#
#   benchmarks/scripts/generate-decode.sh MODEL.gguf [REPEATS=5] [THREADS=2] [TOKENS=128] [PROMPT_TOKENS=128]
#   LLAMA_BENCH=/path/to/llama-bench benchmarks/scripts/generate-decode.sh ...   # adds the reference
#   EDGENODE_GENERATE_OPTS="--poll 50"                                          # extra generate options
#
# llama-bench is built from the same llama.cpp commit (scripts/native source + cmake; never committed).
# Runs alternate (ours, reference, ours, ...) so that drift on a noisy machine hits both alike.
# The reference decode runs at depth PROMPT_TOKENS (llama-bench -d), like generate after its prompt.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
MODEL="${1:?model file}"; REPEATS="${2:-5}"; THREADS="${3:-2}"; TOKENS="${4:-128}"; PROMPT_TOKENS="${5:-128}"

# A prompt of about PROMPT_TOKENS tokens: words that every vocabulary splits into ~1 token each.
PROMPT="$(python3 -c "import sys; print(' '.join(['the']*int(sys.argv[1])))" "$((PROMPT_TOKENS - 1))")"

stats() {  # numbers on stdin -> "min median max"
  sort -g | awk '{a[NR]=$1} END {m=(NR%2)?a[(NR+1)/2]:(a[NR/2]+a[NR/2+1])/2; printf "%.1f %.1f %.1f", a[1], m, a[NR]}'
}

ours_dec=(); ours_pre=(); ours_call=(); ref_dec=(); ref_pre=(); outside=()
for ((i = 1; i <= REPEATS; i++)); do
  out="$("$ROOT/scripts/edgenode" generate --model "$MODEL" --prompt "$PROMPT" -n "$TOKENS" --ignore-eos \
          --threads "$THREADS" ${EDGENODE_GENERATE_OPTS:-} 2>&1 >/dev/null)"
  ours_dec+=("$(sed -n 's/^decode: \([0-9.]*\) tok\/s.*/\1/p' <<<"$out")")
  ours_call+=("$(sed -n 's/^llama_decode alone: \([0-9.]*\) tok\/s.*/\1/p' <<<"$out")")
  ours_pre+=("$(sed -n 's/^prefill: \([0-9.]*\) tok\/s.*/\1/p' <<<"$out")")
  outside+=("$(sed -n 's/^decode step outside llama_decode: \([0-9.]*\)%.*/\1/p' <<<"$out")")
  if [[ -n "${LLAMA_BENCH:-}" ]]; then
    # Prefill of the prompt at depth 0, then generation at depth PROMPT_TOKENS: the same KV
    # lengths that generate's decode steps attend over (a plain tg test would start empty).
    json="$("$LLAMA_BENCH" -m "$MODEL" -t "$THREADS" -p "$PROMPT_TOKENS" -n 0 -r 1 -o json 2>/dev/null)"
    ref_pre+=("$(python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["avg_ts"])' <<<"$json")")
    json="$("$LLAMA_BENCH" -m "$MODEL" -t "$THREADS" -p 0 -n "$TOKENS" -d "$PROMPT_TOKENS" -r 1 -o json 2>/dev/null)"
    ref_dec+=("$(python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["avg_ts"])' <<<"$json")")
  fi
done

commit="$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)"
echo "model: $MODEL   threads: $THREADS   tokens: $TOKENS   prompt: ~$PROMPT_TOKENS   repeats: $REPEATS   commit: $commit"
echo "edgenode decode tok/s  min/median/max: $(printf '%s\n' "${ours_dec[@]}" | stats)"
echo "edgenode llama_decode alone tok/s min/median/max: $(printf '%s\n' "${ours_call[@]}" | stats)"
echo "edgenode prefill tok/s min/median/max: $(printf '%s\n' "${ours_pre[@]}" | stats)"
echo "decode step outside llama_decode %  min/median/max: $(printf '%s\n' "${outside[@]}" | stats)"
if [[ -n "${LLAMA_BENCH:-}" ]]; then
  echo "llama-bench decode tok/s  min/median/max: $(printf '%s\n' "${ref_dec[@]}" | stats)"
  echo "llama-bench prefill tok/s min/median/max: $(printf '%s\n' "${ref_pre[@]}" | stats)"
  ratios=(); for ((i = 0; i < REPEATS; i++)); do ratios+=("$(awk -v a="${ours_dec[$i]}" -v b="${ref_dec[$i]}" 'BEGIN{print a/b}')"); done
  echo "decode ratio edgenode/llama-bench (paired runs) min/median/max: $(printf '%s\n' "${ratios[@]}" | sort -g | awk '{a[NR]=$1} END {m=(NR%2)?a[(NR+1)/2]:(a[NR/2]+a[NR/2+1])/2; printf "%.3f %.3f %.3f", a[1], m, a[NR]}')"
fi
