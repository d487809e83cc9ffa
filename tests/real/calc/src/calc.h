/* calc.h - integer expressions: a lexer, a recursive-descent evaluator
 * and checked arithmetic. */
#ifndef CALC_H
#define CALC_H

#include "config.h"

#if HAVE_STDINT_H
#include <stdint.h>
typedef int64_t calc_int;
#else
typedef long long calc_int;
#endif

enum tok { T_END, T_NUM, T_OP, T_LPAREN, T_RPAREN, T_BAD };

struct lexer {
	const char *p;
	enum tok kind;
	char op;
	calc_int num;
};

void lex_init(struct lexer *lx, const char *text);
void lex_next(struct lexer *lx);

/* 0 and *out on success; -1 with *err set on a syntax or range error. */
int eval(const char *text, calc_int *out, const char **err);

int num_add(calc_int a, calc_int b, calc_int *r);
int num_sub(calc_int a, calc_int b, calc_int *r);
int num_mul(calc_int a, calc_int b, calc_int *r);
int num_div(calc_int a, calc_int b, calc_int *r);
int num_mod(calc_int a, calc_int b, calc_int *r);

#endif
