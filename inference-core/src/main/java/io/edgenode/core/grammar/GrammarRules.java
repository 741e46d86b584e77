package io.edgenode.core.grammar;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * What a tool-call format needs to write its grammar: named GBNF rules, and JSON schemas turned
 * into rules (llama.cpp's {@code common_grammar_builder}). Names are made unique by the builder;
 * the returned name is the one to reference.
 */
public interface GrammarRules {
    /** Adds rule {@code name ::= rule} (GBNF right-hand side) and returns the name it got. */
    String addRule(String name, String rule);

    /**
     * Adds the rules that match JSON documents valid against {@code schema} and returns the name of
     * the rule for the whole document.
     *
     * @throws SchemaConversionException if the schema uses what the converter cannot express
     */
    String addSchema(String name, JsonNode schema);
}
