#!/usr/bin/env bash
# Fuzz every parser of implicit-bias with cargo-fuzz (libFuzzer + AddressSanitizer).
#
#   bash fuzz/run.sh [SECONDS_PER_TARGET] [TARGET ...]
#
# Defaults: 60 s per target, every target in fuzz/Cargo.toml. Needs a nightly toolchain
# (`rustup toolchain install nightly`) and cargo-fuzz (`cargo install cargo-fuzz --locked`).
# Each target's corpus (fuzz/corpus/<target>, not committed) is seeded from the repository's
# fixtures and fuzz/seeds/<target>; a crash leaves its input in fuzz/artifacts/<target>/ and
# makes this script exit 1. It prints one line per target: executions, seconds, corpus size.
set -euo pipefail
cd "$(dirname "$0")"
secs="${1:-60}"
shift || true
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  mapfile -t targets < <(grep -A1 '^\[\[bin\]\]' Cargo.toml | sed -n 's/^name = "\(.*\)"/\1/p')
fi
fix=../fixtures

# seed <target> <file>...: copy files (at most 64 KiB of each) into the target's corpus.
seed() {
  local t="$1"
  shift
  mkdir -p "corpus/$t"
  for f in "$@"; do
    [ -f "$f" ] || continue
    head -c 65536 "$f" >"corpus/$t/seed-$(basename "$f")"
  done
}

for t in "${targets[@]}"; do
  mkdir -p "corpus/$t"
  [ -d "seeds/$t" ] && seed "$t" seeds/"$t"/*
  case "$t" in
    csv) seed csv "$fix"/datasets/*.csv "$fix"/params/*.csv ;;
    npy) seed npy "$fix"/params/*.npy ;;
    npz) seed npz "$fix"/params/*.npz ;;
    safetensors) seed safetensors "$fix"/params/*.safetensors ;;
    experiment_toml) seed experiment_toml "$fix"/experiments/*.toml ;;
    theorem_case) seed theorem_case "$fix"/cases/*.toml ;;
    idx | idx_gz)
      # input = 1 split byte, then images ‖ labels (gzip-compressed for idx_gz; see
      # fuzz_targets/idx.rs): the first 3 MNIST images of the fixture.
      if command -v python3 >/dev/null 2>&1; then
        python3 - "$fix"/datasets/mnist "corpus/$t/seed-mnist3" "$t" <<'PY'
import gzip, sys, os
d, out, target = sys.argv[1:4]
img = [f for f in os.listdir(d) if "images" in f][0]
lab = [f for f in os.listdir(d) if "labels" in f][0]
i = gzip.open(os.path.join(d, img)).read()
l = gzip.open(os.path.join(d, lab)).read()
n = 3
images = i[:4] + n.to_bytes(4, "big") + i[8:16] + i[16:16 + n * 784]
labels = l[:4] + n.to_bytes(4, "big") + l[8:8 + n]
if target == "idx_gz":
    images, labels = gzip.compress(images, mtime=0), gzip.compress(labels, mtime=0)
split = len(images) * 255 // (len(images) + len(labels))
open(out, "wb").write(bytes([split]) + images + labels)
PY
      fi
      ;;
  esac
done

cargo +nightly fuzz build -O

status=0
for t in "${targets[@]}"; do
  log="$(mktemp)"
  if cargo +nightly fuzz run -O "$t" "corpus/$t" -- \
    -max_total_time="$secs" -rss_limit_mb=2048 -timeout=20 -print_final_stats=1 >"$log" 2>&1; then
    result=ok
  else
    result=CRASH
    status=1
    tail -40 "$log"
  fi
  runs="$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)"
  took="$(sed -n 's/^Done [0-9]* runs in \([0-9]*\) second.*/\1/p' "$log" | tail -1)"
  echo "fuzz $t: $result, ${runs:-?} executions in ${took:-$secs} s, corpus $(ls "corpus/$t" | wc -l) inputs"
  rm -f "$log"
done
exit "$status"
