#!/bin/sh
# check.sh CALC CASES - run each "EXPR = WANT" line of CASES through CALC,
# one process per case, and report as automake's test driver does.
calc=$1 cases=$2
pass=0 fail=0 n=0
: >tests/check.log
while IFS= read -r line; do
	expr=${line% = *}
	want=${line#* = }
	n=$((n + 1))
	got=$(printf '%s\n' "$expr" | "$calc")
	if [ "$got" = "$want" ]; then
		pass=$((pass + 1))
		echo "PASS: $n $expr" >>tests/check.log
	else
		fail=$((fail + 1))
		echo "FAIL: $n $expr: got '$got', want '$want'" | tee -a tests/check.log
	fi
done <"$cases"
echo "# TOTAL: $n"
echo "# PASS:  $pass"
echo "# FAIL:  $fail"
[ "$fail" = 0 ]
