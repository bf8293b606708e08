#!/usr/bin/env bash
# Reproduces a trained reference bundle from scratch on a CPU (docs/training.md), one robot at a
# time: scripted-expert demonstrations of all five tasks, the two training stages of
# train_reference.py, then SAFE: closed-loop rollouts of the new policy, detector training and the
# conformal calibration. Prints the wall time of every step.
#
#   bash tools/policy/make_reference.sh [--robot fr3|ur5e] [--out DIR] [--work DIR] [--name NAME] [--only STEP]
#
# Defaults: fr3 → config/policies/reference, ur5e → config/policies/reference_ur5e; work files in
# /tmp/vla_reference_<robot>. --only demonstrations|training|safe runs that step alone (safe: new
# SAFE detectors for the trained bundle in --out). Needs Debian's python3-torch and python3-onnx.
set -euo pipefail

robot=fr3
out=''
work=''
name=''
only=''
while [ $# -gt 0 ]; do
  case "$1" in
    --robot | --out | --work | --name | --only)
      if [ $# -lt 2 ]; then echo "make_reference.sh: $1 needs a value (see --help)" >&2; exit 2; fi ;;
  esac
  case "$1" in
    --robot) robot=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    --work) work=$2; shift 2 ;;
    --name) name=$2; shift 2 ;;
    --only) only=$2; shift 2 ;;
    -h | --help) sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "make_reference.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
done
case "$only" in
  '' | demonstrations | training | safe) ;;
  *) echo "make_reference.sh: --only: expected demonstrations, training or safe, got '$only'" >&2; exit 2 ;;
esac
case "$robot" in
  fr3) name=${name:-reference} ;;
  ur5e) name=${name:-reference_ur5e} ;;
  *) echo "make_reference.sh: --robot: expected fr3 or ur5e, got '$robot'" >&2; exit 2 ;;
esac
out=${out:-config/policies/$name}
work=${work:-/tmp/vla_reference_$robot}
python=/usr/bin/python3
tasks=push_left,push_right,push_forward,touch,lift
# the TypeScript tests' golden I/O fixture holds the FR3 bundle's models
fixture=()
[ "$robot" = fr3 ] || fixture=(--fixture '')
cd "$(dirname "$0")/../.."
mkdir -p "$work"

step() {
  local label=$1
  shift
  local t0=$SECONDS
  echo "== $label"
  "$@"
  echo "== $label: $((SECONDS - t0)) s"
}

collect() {
  # two processes (one per core), 300 episodes each
  local pids=()
  for seed in 1000 1001; do
    node tools/vla-ros.js sim collect --robot "$robot" --tasks "$tasks" --episodes 300 --seed "$seed" \
      --out "$work/expert_$seed" > "$work/expert_$seed.log" 2>&1 &
    pids+=($!)
  done
  for p in "${pids[@]}"; do wait "$p"; done
  tail -n 1 "$work"/expert_*.log
}

train() {
  local data=("$work/expert_1000" "$work/expert_1001")
  "$python" tools/policy/train_reference.py --data "${data[@]}" --out "$work/stage1" --steps 3500 --threads 1 \
    --checkpoint "$work/stage1.pt" --fixture '' --name "$name"
  "$python" tools/policy/train_reference.py --data "${data[@]}" --out "$out" --steps 2000 --threads 1 \
    --init-checkpoint "$work/stage1.pt" --early-fraction 0.5 --aux-weight 2 --lr 1e-3 --gripper-margin 0.12 \
    --checkpoint "$work/$name.pt" --name "$name" "${fixture[@]}"
}

safe() {
  npx tsc -p tsconfig.json
  # rollouts of the new policy: training (half with an injected failure, its onset in the episode id)
  # and nominal calibration
  rm -rf "$work/safe_train" "$work/safe_calib"
  node dist/tools/policy/sim_policy_rollouts.js --bundle "$out" --robot "$robot" --tasks "$tasks" --episodes 600 --seed 201 \
    --failure-fraction 0.5 --bags "$work/safe_train" --prefix train --max-time 15 > "$work/safe_train.log" &
  local a=$!
  node dist/tools/policy/sim_policy_rollouts.js --bundle "$out" --robot "$robot" --tasks "$tasks" --episodes 160 --seed 102 \
    --bags "$work/safe_calib" --prefix calib --max-time 15 > "$work/safe_calib.log" &
  local b=$!
  wait $a
  wait $b
  tail -n 8 "$work/safe_calib.log"
  node dist/tools/policy/safe_rollouts.js export --out "$work/safe_data" "$work"/safe_train/*.mcap
  # SAFE-MLP on a windowed score (the last 1.5 s): comparable across episode lengths; SAFE-LSTM with
  # a failure's steps before its injected fault counted as nominal
  "$python" tools/policy/make_safe_detector.py train --data "$work/safe_data" --out "$out" --no-time-weighting --window 45 \
    --onset-labels
  # the manifest names SAFE-LSTM (a per-step score, whatever the episode length), band at alpha 0.1
  npx vla-ros safe calibrate --alpha 0.1 --detector "$out/safe_lstm.onnx" -o "$out/calibration.yaml" "$work"/safe_calib/*.mcap
  npx vla-ros safe calibrate --alpha 0.2 --score-window 45 --detector "$out/safe_mlp.onnx" -o "$out/calibration_mlp.yaml" \
    "$work"/safe_calib/*.mcap
  # the same weights exported again: the manifest now names the detector and its band (with --only
  # safe and no checkpoint here, the bundle's manifest already names them: bundle check says so)
  if [ -f "$work/$name.pt" ]; then
    "$python" tools/policy/train_reference.py --data "$work/expert_1000" "$work/expert_1001" --from-checkpoint "$work/$name.pt" \
      --out "$out" --name "$name" "${fixture[@]}"
  fi
}

# whether step $1 runs: every step, or the one --only names
wanted() { [ -z "$only" ] || [ "$only" = "$1" ]; }

t0=$SECONDS
if wanted demonstrations; then step "demonstrations ($robot, $tasks)" collect; fi
if wanted training; then step "training → $out" train; fi
if wanted safe; then step "SAFE detectors" safe; fi
npx vla-ros bundle check "$out"
echo "== all: $((SECONDS - t0)) s"
