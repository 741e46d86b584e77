#!/usr/bin/env python3
"""Extracts the test cases of llama.cpp's tests/test-json-schema-to-grammar.cpp into a JSON fixture.

Each case becomes {"description", "status" (SUCCESS/FAILURE), "schema" (the schema text, verbatim),
"expectedGrammar" (llama.cpp's grammar, trimmed as its test trims it; kept for reference)}.

Regenerate with:
  python3 scripts/extract-schema-grammar-fixtures.py /work/llama-src/tests/test-json-schema-to-grammar.cpp \
      > inference-core/src/test/resources/io/edgenode/core/grammar/llama-json-schema-to-grammar-cases.json
"""
import json
import re
import sys


def trim(text):
    # same normalisation as trim() in the C++ test: strip the ends, drop each line's indent
    return re.sub(r"(^|\n)[ \t]+", r"\1", text.strip(" \n\r\t"))


# a C++ string literal: raw R"""( ... )""" or an ordinary "..." with escapes
STRING = r'(?:R"""\((?P<{0}raw>.*?)\)"""|"(?P<{0}str>(?:[^"\\]|\\.)*)")'
CASE = re.compile(
    r'test\(\{\s*(?P<status>SUCCESS|FAILURE),\s*"(?P<name>(?:[^"\\]|\\.)*)",\s*'
    + STRING.format("schema") + r'\s*,\s*' + STRING.format("grammar") + r'\s*,?\s*\}\);',
    re.S)


def literal(m, prefix):
    raw = m.group(prefix + "raw")
    if raw is not None:
        return raw
    return json.loads('"' + m.group(prefix + "str") + '"')


def main(path):
    source = open(path, encoding="utf-8").read()
    starts = source.count("test({")
    cases = []
    for m in CASE.finditer(source):
        status, name = m.group("status"), m.group("name")
        schema, grammar = literal(m, "schema"), literal(m, "grammar")
        cases.append({
            "description": json.loads('"' + name + '"'),
            "status": status,
            "schema": schema,
            "expectedGrammar": trim(grammar),
        })
    if len(cases) != starts:
        sys.exit("matched %d cases but the file has %d test({ calls" % (len(cases), starts))
    names = [c["description"] for c in cases]
    if len(set(names)) != len(names):
        sys.exit("duplicate descriptions")
    json.dump({"source": "llama.cpp tests/test-json-schema-to-grammar.cpp", "cases": cases},
              sys.stdout, indent=2, ensure_ascii=False)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main(sys.argv[1])
