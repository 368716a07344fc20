#!/bin/sh
# Every figure of docs/performance.md's agents-heavy tables, in one go (issue #13).
# Run by hand from the repository root, after `python benchmarks/corpus.py langchain-community
# llama-index-core` and the generator (see docs/performance.md). Prints pair.py's output per case.
#   sh benchmarks/agents_table.sh [CASE...]   CASE: llama langchain gen1000 single many huge
set -e
B=$(pwd)/benchmarks C=$(pwd)/benchmarks/.corpus
PAIR="python $B/pair.py"
ALONE="$C/venv-base/bin/flake8" PLUGIN="$C/venv-plugin/bin/flake8"
whole() {  # ROOT ROUNDS: warm then cold, --jobs 2
  R=$1
  echo "== $R warm"
  $PAIR -n "$2" --vs "$ALONE --jobs 2 --config $R/setup.cfg --select=E,F,W,C90 $R" \
    -- $PLUGIN --jobs 2 --config $R/setup.cfg --ssot-project-root $R --select=E,F,W,C90,SOT $R
  echo "== $R cold"
  $PAIR -n "$2" --shell \
    --vs "rm -rf $R/.flake8-ssot-cache; exec $ALONE --jobs 2 --config $R/setup.cfg --select=E,F,W,C90 $R" \
    -- "rm -rf $R/.flake8-ssot-cache; exec $PLUGIN --jobs 2 --config $R/setup.cfg --ssot-project-root $R --select=E,F,W,C90,SOT $R"
  $PLUGIN --jobs 2 --config $R/setup.cfg --ssot-project-root $R --select=SOT $R >/dev/null || true
}
single() {  # FILE in the 5,000-module project, warm index: from disk, then stdin
  cd $C/gen/agents-5000
  echo "== single $1 from disk"
  $PAIR -n 10 --warmup 2 --vs "$ALONE --config setup.cfg --select=E,F,W,C90 $1" \
    -- $PLUGIN --config setup.cfg --ssot-project-root . --select=E,F,W,C90,SOT $1
  echo "== single $1 stdin"
  $PAIR -n 10 --warmup 2 --shell \
    --vs "exec $ALONE --config setup.cfg --select=E,F,W,C90 --stdin-display-name $1 - < $1" \
    -- "exec $PLUGIN --config setup.cfg --ssot-project-root . --select=E,F,W,C90,SOT --stdin-display-name $1 - < $1"
  cd - >/dev/null
}
for case in ${@:-llama langchain gen1000 single many huge}; do
  case $case in
    llama) whole $C/llama-index-core-0.14.25 5 ;;
    langchain) whole $C/langchain-community-0.4.2 3 ;;
    gen1000) whole $C/gen/agents-1000 3 ;;
    single)
      R=$C/gen/agents-5000
      $PLUGIN --jobs 2 --config $R/setup.cfg --ssot-project-root $R --select=SOT $R >/dev/null || true
      single agentsvc/pkg_000/mod_00000.py
      single agentsvc/pkg_000/mod_00001.py ;;
    many) for n in 5000 20000; do R=$C/gen/many-classes-$n; echo "== $R warm"
      $PAIR -n 3 --vs "$ALONE --jobs 2 --config $R/setup.cfg --select=E,F,W,C90 $R" \
        -- $PLUGIN --jobs 2 --config $R/setup.cfg --ssot-project-root $R --select=E,F,W,C90,SOT $R; done ;;
    huge) for s in 1mb:2 5mb:1; do R=$C/gen/huge-${s%:*}; echo "== $R warm"
      $PAIR -n ${s#*:} --vs "$ALONE --jobs 2 --config $R/setup.cfg --select=E,F,W,C90 $R" \
        -- $PLUGIN --jobs 2 --config $R/setup.cfg --ssot-project-root $R --select=E,F,W,C90,SOT $R; done ;;
  esac
done
