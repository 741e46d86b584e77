#!/usr/bin/env bash
# Checks that llama.cpp's own grammar parser accepts every grammar the JSON-schema converter writes.
#
#   scripts/gbnf-native-check.sh LLAMA_SRC
#
# LLAMA_SRC is a llama.cpp source tree (for instance /work/llama-src, or the pinned one from
# `scripts/native source DIR`). Builds a small checker from LLAMA_SRC/src/llama-grammar.cpp and
# scripts/gbnf-native-check.cpp (llama_grammar_init_impl: parse, undefined rules, left recursion,
# repetition limits), has GrammarDumpTest and RandomSchemaFuzzTest write the grammars, and runs
# the checker on each.
set -euo pipefail
src=${1:?usage: $0 LLAMA_SRC}
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
inc=(-I"$src/include" -I"$src/ggml/include" -I"$src/src")
g++ -std=c++17 -O1 -ffunction-sections -fdata-sections "${inc[@]}" -c "$src/src/llama-grammar.cpp" -o "$work/grammar.o"
g++ -std=c++17 -O1 "${inc[@]}" "$root/scripts/gbnf-native-check.cpp" "$work/grammar.o" -o "$work/check" -Wl,--gc-sections
cd "$root"
EDGENODE_GRAMMAR_DUMP="$work/grammars" JAVA_HOME=$(scripts/find-jdk) ./mvnw -B -q -pl inference-core -am test \
    -Dtest='GrammarDumpTest,RandomSchemaFuzzTest' -Dsurefire.failIfNoSpecifiedTests=false
"$work/check" "$work"/grammars/*.gbnf > "$work/report.txt" 2> "$work/errors.txt" || true
grep -c '^OK ' "$work/report.txt" | sed 's/$/ grammars accepted/'
if grep -q '^FAIL ' "$work/report.txt"; then
    grep '^FAIL ' "$work/report.txt"
    cat "$work/errors.txt"
    exit 1
fi
