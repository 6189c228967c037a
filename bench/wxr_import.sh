#!/bin/sh
# The import of a large WordPress export, measured once: time and peak memory (RSS) of
# `flask import-wxr` on a fresh SQLite database (or DATABASE_URL, if set).
#   bench/wxr_import.sh [POSTS] [COMMENTS_PER_POST]     (defaults: 1000 posts, 50 comments each)
set -eu
POSTS=${1:-1000}
PER_POST=${2:-50}
PY=${PYTHON:-/work/main/.venv/bin/python}
DIR=$(mktemp -d)
export SITE_URL=http://127.0.0.1:5000 SECRET_KEY=bench-only
export DATABASE_URL=${DATABASE_URL:-sqlite:///$DIR/bench.db}
"$PY" -m tests.wxr_files "$DIR/export.wxr" "$POSTS" "$PER_POST"
"$PY" -m flask --app wsgi db upgrade >/dev/null 2>&1
printf 'a long enough password\na long enough password\n' |
    "$PY" -m flask --app wsgi users create writer --handle Writer >/dev/null
/usr/bin/time -v "$PY" -m flask --app wsgi import-wxr "$DIR/export.wxr" --as Writer \
    2>"$DIR/time.txt"
grep -E "Elapsed|Maximum resident" "$DIR/time.txt"
rm -rf "$DIR"
