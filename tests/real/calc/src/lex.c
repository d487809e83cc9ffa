/* lex.c - the tokens of an integer expression. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "calc.h"

void lex_init(struct lexer *lx, const char *text)
{
	lx->p = text;
	lex_next(lx);
}

void lex_next(struct lexer *lx)
{
	while (isspace((unsigned char)*lx->p))
		lx->p++;
	if (*lx->p == '\0') {
		lx->kind = T_END;
	} else if (isdigit((unsigned char)*lx->p)) {
		char *end;
#if HAVE_STRTOLL
		lx->num = strtoll(lx->p, &end, 10);
#else
		lx->num = strtol(lx->p, &end, 10);
#endif
		lx->p = end;
		lx->kind = T_NUM;
	} else if (*lx->p == '(' || *lx->p == ')') {
		lx->kind = *lx->p == '(' ? T_LPAREN : T_RPAREN;
		lx->p++;
	} else if (*lx->p && strchr("+-*/%", *lx->p)) {
		lx->kind = T_OP;
		lx->op = *lx->p++;
	} else {
		lx->kind = T_BAD;
	}
}
