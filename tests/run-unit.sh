#!/usr/bin/env bash
# Runs each unit-test binary given as an argument and prints one summary line:
# "N passed, M failed" (N and M counted over test functions of every binary).
set -u
passed=0; failed=0; status=0
for t in "$@"; do
  out=$("$t" 2>&1); rc=$?
  printf '%s\n' "$out"
  line=$(printf '%s\n' "$out" | grep -Eo '[0-9]+ passed, [0-9]+ failed' | tail -n 1)
  if [ -n "$line" ]; then
    p=${line%% passed*}; f=${line#*passed, }; f=${f%% failed*}
    passed=$((passed + p)); failed=$((failed + f))
  else
    failed=$((failed + 1))
  fi
  [ $rc -eq 0 ] || status=1
done
echo "unit: $passed passed, $failed failed"
exit $status
