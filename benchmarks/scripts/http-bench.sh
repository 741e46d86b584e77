#!/usr/bin/env bash
# HTTP node vs engine API, one process, same model and engine (io.edgenode.bench.http.HttpVsEngineBench).
#
#   benchmarks/scripts/http-bench.sh MODE [--name value ...]
#   MODE: all | single | concurrent | ttft | overhead | memory
#   e.g. benchmarks/scripts/http-bench.sh single --model models/bench-200m-q4_0.gguf --threads 2 --out target/http-bench/q4_0
#
# Needs benchmarks/target/benchmarks.jar (./mvnw -DskipTests install). Run on an idle machine: a busy
# core elsewhere collapses a 2-thread decode; each row reports the CPU other processes used (NOISY
# above 0.15 cores). The memory mode (and all) runs the JVM with -XX:NativeMemoryTracking=summary and
# prints VM.native_memory summary taken in process (the same as jcmd <pid> VM.native_memory summary).
# EDGENODE_BENCH_JAVA_OPTS adds JVM options. Results: --out DIR (default target/http-bench), MODE.md.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
JAVA_HOME="${JAVA_HOME:-$("$ROOT/scripts/find-jdk")}"
JAR="$ROOT/benchmarks/target/benchmarks.jar"
[[ -f "$JAR" ]] || { echo "missing $JAR: ./mvnw -DskipTests install" >&2; exit 2; }
commit="${EDGENODE_COMMIT:-$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)}"
if [[ -z "${EDGENODE_COMMIT:-}" && -n "$(git -C "$ROOT" status --porcelain --untracked-files=no 2>/dev/null)" ]]; then
  commit="$commit+dirty"
fi
opts=()
case "${1:-}" in memory|all) opts+=(-XX:NativeMemoryTracking=summary) ;; esac
# shellcheck disable=SC2206
opts+=(${EDGENODE_BENCH_JAVA_OPTS:-})
cd "$ROOT"
exec "$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED "${opts[@]}" -Dedgenode.home="$ROOT" \
  -Dedgenode.commit="$commit" -cp "$JAR" io.edgenode.bench.http.HttpVsEngineBench "$@"
