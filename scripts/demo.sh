#!/usr/bin/env bash
# `npm run demo`: the first five minutes of deskpilot on a fresh Debian or Ubuntu machine with
# Node 20. Installs what is missing, serves a small web page, starts the daemon on a free loopback
# port, opens the page in Chromium on a virtual display, and has an agent sign up on it while the
# CLI prints each step. Without ANTHROPIC_API_KEY the agent is a recorded trajectory (a scripted
# model); with it, Claude. Ends with the run's result, what the page really received, and a link
# to the run in the web viewer, then stops everything it started, by PID.
set -euo pipefail
cd "$(dirname "$0")/.."

task='In the browser, subscribe demo@example.com to the Acme Weekly newsletter, agreeing to the weekly email, and stop when the page confirms the subscription.'
trajectory=fixtures/demo/trajectory.json
# Runs and screenshots stay here after the demo, so the viewer can show them again later.
demo_home="${DESKPILOT_DEMO_HOME:-$PWD/.deskpilot/demo}"

bold() { if [ -t 1 ]; then printf '\033[1m%s\033[0m\n' "$*"; else printf '%s\n' "$*"; fi; }
say() { printf '%s\n' "$*"; }

# Reads one field of the JSON document on stdin, e.g. `json_field id`.
json_field() {
  node -e 'let s = ""; process.stdin.on("data", (d) => (s += d)).on("end", () => {
    const value = process.argv[1].split(".").reduce((o, k) => o?.[k], JSON.parse(s));
    console.log(typeof value === "object" ? JSON.stringify(value) : value ?? "");
  });' "$1"
}

# Waits until `file` has a line matching `pattern`, or the process `pid` has died.
wait_for_line() {
  local file=$1 pattern=$2 pid=$3
  for _ in $(seq 1 300); do
    if grep -q -m1 -- "$pattern" "$file" 2>/dev/null; then return 0; fi
    if ! kill -0 "$pid" 2>/dev/null; then return 1; fi
    sleep 0.1
  done
  return 1
}

pids=()
work=$(mktemp -d -t deskpilot-demo-XXXXXX)
stop_all() {
  # Newest first: the daemon stops its machines (Xvfb, Chromium) itself, then the page goes.
  for ((i = ${#pids[@]} - 1; i >= 0; i--)); do
    local pid=${pids[i]}
    kill -TERM "$pid" 2>/dev/null || continue
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
  done
  rm -rf "$work"
}
trap stop_all EXIT

bold '== 1/5 dependencies'
bash scripts/ensure-deps.sh

bold '== 2/5 the demo page'
node fixtures/demo/server.mjs >"$work/page.out" 2>"$work/page.err" &
pids+=($!)
if ! wait_for_line "$work/page.out" '^http' "${pids[-1]}"; then
  say 'the demo page server did not start:' && cat "$work/page.err" && exit 1
fi
page_url=$(head -n1 "$work/page.out")
say "serving fixtures/demo/page at $page_url"

bold '== 3/5 the daemon'
mkdir -p "$demo_home" && chmod 700 "$demo_home"
DESKPILOT_HOME="$demo_home" DESKPILOT_DESKTOP=real DESKPILOT_LOG_FORMAT=json \
  ./bin/deskpilot serve --host 127.0.0.1 --port 0 >"$work/daemon.log" 2>&1 &
pids+=($!)
if ! wait_for_line "$work/daemon.log" '"msg":"daemon listening"' "${pids[-1]}"; then
  say 'the daemon did not start; its log:' && cat "$work/daemon.log" && exit 1
fi
daemon_url=$(grep -m1 '"msg":"daemon listening"' "$work/daemon.log" | json_field url)
export DESKPILOT_URL="$daemon_url" DESKPILOT_HOME="$demo_home"
say "daemon at $daemon_url, data in $demo_home (log: $work/daemon.log while it runs)"

bold '== 4/5 a virtual display with Chromium on the page'
machine=$(./bin/deskpilot machines create --width 1280 --height 800 --browser "$page_url" --json | json_field id)
say "machine $machine is ready"

bold '== 5/5 the run'
model_args=()
if [ -n "${ANTHROPIC_API_KEY:-}" ]; then
  say 'ANTHROPIC_API_KEY is set: Claude does the task (the daemon'"'"'s default Anthropic model).'
else
  say "No ANTHROPIC_API_KEY: the agent plays the recorded trajectory $trajectory"
  say '(scripted model, no network). Set ANTHROPIC_API_KEY to have Claude do it instead.'
  model_args=(--model "scripted:$PWD/$trajectory")
fi
say ''
set +e
./bin/deskpilot run "$task" --machine "$machine" --max-steps 25 "${model_args[@]}"
run_status=$?
set -e

# The model's word is not proof: ask the page what it received.
received=$(node -e 'fetch(process.argv[1] + "submissions").then((r) => r.json()).then((s) => {
  console.log(s.map((e) => `${e.email}${e.terms ? " (agreed to the weekly email)" : ""}`).join(", "));
});' "$page_url")
say ''
if [ -n "$received" ]; then say "The page received a signup: $received"; else say 'The page received no signup.'; fi

run_id=$(./bin/deskpilot runs ls --machine "$machine" --limit 1 --json | json_field data.0.id)
if [ -t 0 ] && [ -t 1 ]; then
  bold 'See every step in the web viewer (a one-time sign-in link):'
  say "  $(./bin/deskpilot open "$run_id" --print --json | json_field url)"
  read -r -p 'Press Enter to stop the demo (the viewer works until then). ' _ || true
else
  say "Viewer: $daemon_url/runs/$run_id (while a daemon serves $demo_home on that port)"
fi
say "Later: DESKPILOT_HOME=$demo_home ./bin/deskpilot serve, then ./bin/deskpilot open $run_id"

if [ "$run_status" -eq 0 ] && [ -z "$received" ]; then
  say 'The run says it succeeded, but the page saw no signup.'
  exit 1
fi
exit "$run_status"
