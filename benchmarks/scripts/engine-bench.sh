#!/usr/bin/env bash
# Load bench of the continuous-batching engine (io.edgenode.bench.engine.EngineLoadBench).
#
#   benchmarks/scripts/engine-bench.sh MODE [--name value ...]
#   MODE: sweep | burst | short-while-long | sweep-config
#   e.g. benchmarks/scripts/engine-bench.sh sweep --model models/bench-200m-q4_0.gguf --threads 2 --out target/engine-bench/q4_0
#
# Needs benchmarks/target/benchmarks.jar (./mvnw -DskipTests install). Run on an idle machine:
# a busy core elsewhere collapses a 2-thread decode. Results: --out DIR (default target/engine-bench),
# MODE.md and MODE.json, with the commit recorded.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
JAVA_HOME="${JAVA_HOME:-$("$ROOT/scripts/find-jdk")}"
JAR="$ROOT/benchmarks/target/benchmarks.jar"
[[ -f "$JAR" ]] || { echo "missing $JAR: ./mvnw -DskipTests install" >&2; exit 2; }
# The commit recorded with the results; EDGENODE_COMMIT overrides (e.g. a build from `git archive`).
commit="${EDGENODE_COMMIT:-$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)}"
if [[ -z "${EDGENODE_COMMIT:-}" && -n "$(git -C "$ROOT" status --porcelain --untracked-files=no 2>/dev/null)" ]]; then
  commit="$commit+dirty"
fi
cd "$ROOT"
exec "$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED -Dedgenode.home="$ROOT" -Dedgenode.commit="$commit" \
  -cp "$JAR" io.edgenode.bench.engine.EngineLoadBench "$@"
