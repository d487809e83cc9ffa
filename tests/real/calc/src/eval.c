/* eval.c - expr := term (('+'|'-') term)*; term := unary (('*'|'/'|'%')
 * unary)*; unary := '-' unary | NUM | '(' expr ')'. */
#include "calc.h"

struct ctx {
	struct lexer lx;
	const char *err;
};

static int expr(struct ctx *c, calc_int *out);

static int unary(struct ctx *c, calc_int *out)
{
	if (c->lx.kind == T_OP && c->lx.op == '-') {
		calc_int v;
		lex_next(&c->lx);
		if (unary(c, &v) < 0)
			return -1;
		if (num_sub(0, v, out) < 0) {
			c->err = "overflow";
			return -1;
		}
		return 0;
	}
	if (c->lx.kind == T_NUM) {
		*out = c->lx.num;
		lex_next(&c->lx);
		return 0;
	}
	if (c->lx.kind == T_LPAREN) {
		lex_next(&c->lx);
		if (expr(c, out) < 0)
			return -1;
		if (c->lx.kind != T_RPAREN) {
			c->err = "missing )";
			return -1;
		}
		lex_next(&c->lx);
		return 0;
	}
	c->err = "syntax error";
	return -1;
}

static int term(struct ctx *c, calc_int *out)
{
	if (unary(c, out) < 0)
		return -1;
	while (c->lx.kind == T_OP && (c->lx.op == '*' || c->lx.op == '/' ||
				      c->lx.op == '%')) {
		char op = c->lx.op;
		calc_int rhs;
		int rc;

		lex_next(&c->lx);
		if (unary(c, &rhs) < 0)
			return -1;
		rc = op == '*' ? num_mul(*out, rhs, out) :
		     op == '/' ? num_div(*out, rhs, out) :
				 num_mod(*out, rhs, out);
		if (rc < 0) {
			c->err = op == '*' ? "overflow" : "division by zero";
			return -1;
		}
	}
	return 0;
}

static int expr(struct ctx *c, calc_int *out)
{
	if (term(c, out) < 0)
		return -1;
	while (c->lx.kind == T_OP && (c->lx.op == '+' || c->lx.op == '-')) {
		char op = c->lx.op;
		calc_int rhs;

		lex_next(&c->lx);
		if (term(c, &rhs) < 0)
			return -1;
		if ((op == '+' ? num_add(*out, rhs, out) :
				 num_sub(*out, rhs, out)) < 0) {
			c->err = "overflow";
			return -1;
		}
	}
	return 0;
}

int eval(const char *text, calc_int *out, const char **err)
{
	struct ctx c = { .err = 0 };

	lex_init(&c.lx, text);
	if (expr(&c, out) < 0 || (c.lx.kind != T_END && !c.err)) {
		*err = c.err ? c.err : "trailing input";
		return -1;
	}
	return 0;
}
