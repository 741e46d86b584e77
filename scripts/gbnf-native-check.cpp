// Reads grammar files named on the command line; for each, builds a llama.cpp grammar the way
// llama_sampler_init_grammar does (parse, undefined-rule and left-recursion checks) and prints
// OK or FAIL with the file name.
#include "llama-grammar.h"
#include "llama-vocab.h"
#include <cstdlib>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <cstdarg>
// the one llama.cpp symbol the parser path needs besides the grammar file: its error log
void llama_log_internal(ggml_log_level, const char * format, ...) {
    va_list args;
    va_start(args, format);
    vfprintf(stderr, format, args);
    va_end(args);
}
// never reached without a vocabulary (grammars with <token> syntax need one; ours have none)
const std::string & llama_vocab::token_to_piece(llama_token) const { std::abort(); }
bool llama_vocab::is_eog(llama_token) const { std::abort(); }
int32_t llama_vocab::tokenize(const char *, int32_t, llama_token *, int32_t, bool, bool) const { std::abort(); }
extern "C" void ggml_abort(const char * file, int line, const char * fmt, ...) {
    fprintf(stderr, "ggml_abort %s:%d %s\n", file, line, fmt);
    std::abort();
}

int main(int argc, char ** argv) {
    int failures = 0;
    for (int i = 1; i < argc; i++) {
        std::ifstream in(argv[i]);
        std::stringstream ss;
        ss << in.rdbuf();
        std::string text = ss.str();
        llama_grammar * g = llama_grammar_init_impl(nullptr, text.c_str(), "root", false, nullptr, 0, nullptr, 0);
        if (g == nullptr) {
            printf("FAIL %s\n", argv[i]);
            failures++;
        } else {
            printf("OK %s\n", argv[i]);
            llama_grammar_free_impl(g);
        }
    }
    return failures == 0 ? 0 : 1;
}
