#!/bin/sh
# Phase 2 of issue #13: each change against its parent, on the case it targets (pair.py, A = the
# change, B = its parent). Make the venvs first: python benchmarks/corpus.py --plugin-at REV.
#   sh benchmarks/lever_pairs.sh BASE L1 L2 L3 L4
set -e
B=$(pwd)/benchmarks C=$(pwd)/benchmarks/.corpus
PAIR="python $B/pair.py"
flake8_at() { echo "$C/venv-plugin-$1/bin/flake8"; }
whole() {  # NEW OLD ROOT ROUNDS [cold]
  R=$3 NEW=$(flake8_at $1) OLD=$(flake8_at $2)
  ARGS="--jobs 2 --config $R/setup.cfg --ssot-project-root $R --select=E,F,W,C90,SOT $R"
  if [ "$5" = cold ]; then
    echo "== $1 vs $2: $R cold"
    $PAIR -n "$4" --shell --vs "rm -rf $R/.flake8-ssot-cache; exec $OLD $ARGS" -- "rm -rf $R/.flake8-ssot-cache; exec $NEW $ARGS"
  else
    echo "== $1 vs $2: $R warm"
    $PAIR -n "$4" --vs "$OLD $ARGS" -- $NEW $ARGS
  fi
}
single() {  # NEW OLD FILE (5,000-module project, warm index, from disk)
  echo "== $1 vs $2: single $3"
  (cd $C/gen/agents-5000 && $PAIR -n 10 --warmup 2 \
    --vs "$(flake8_at $2) --config setup.cfg --ssot-project-root . --select=E,F,W,C90,SOT $3" \
    -- $(flake8_at $1) --config setup.cfg --ssot-project-root . --select=E,F,W,C90,SOT $3)
}
BASE=$1 L1=$2 L2=$3 L3=$4 L4=$5
whole $L1 $BASE $C/gen/agents-1000 3 cold
single $L2 $L1 agentsvc/pkg_000/mod_00000.py
single $L2 $L1 agentsvc/pkg_000/mod_00001.py
whole $L3 $L2 $C/llama-index-core-0.14.25 5
single $L4 $L3 agentsvc/pkg_000/mod_00000.py
