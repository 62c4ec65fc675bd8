#!/usr/bin/env bash
# Starts the simulated Kubernetes cluster: etcd, kube-apiserver, kube-controller-manager,
# kube-scheduler, kwok (which plays the kubelets of K8S_NODES fake nodes) and the sim kubelet (which
# judges pods with registry.lab images from their spec, tools/sim/kubelet), all on 127.0.0.1.
# Writes an admin kubeconfig to $STATE_DIR/k8s/kubeconfig. Idempotent: if the lab is already up
# and healthy it returns in about a second. See docs/lab.md for every knob.
#
# Environment (all optional):
#   STATE_DIR                          state folder; everything goes under $STATE_DIR/k8s
#   K8S_NODES=5                        simulated nodes (sim-node-1..N)
#   K8S_APISERVER_PORT=6443            the other ports default to the next five:
#   K8S_ETCD_PORT, K8S_ETCD_PEER_PORT, K8S_KCM_PORT, K8S_SCHEDULER_PORT, K8S_KWOK_PORT
#   K8S_NODE_MONITOR_GRACE_PERIOD=20s  silence after which kube-controller-manager marks a node Unknown
#   K8S_NODE_LEASE_SECONDS=10          node Lease duration (kwok renews every quarter of it)
#                                      (above 100 nodes the defaults are 60s and 40)
#   K8S_NOT_READY_TOLERATION_SECONDS=30, K8S_UNREACHABLE_TOLERATION_SECONDS=30
#                                      how long pods stay on a NotReady/unreachable node
#   K8S_UP_TIMEOUT=120                 seconds to wait for each readiness step
#   KUBE_BIN_DIR                       use your own binaries instead of building them
state_from_env="${STATE_DIR:-}"
# shellcheck source-path=SCRIPTDIR source=common.sh
source "$(dirname "$0")/common.sh"
# common.sh derives STATE_DIR from SELF_HEALING_STATE; the caller's STATE_DIR wins here.
STATE_DIR="${state_from_env:-$STATE_DIR}"

K8S_DIR="$STATE_DIR/k8s"
PIDS="$K8S_DIR/pids"
LOGS="$K8S_DIR/logs"
PKI="$K8S_DIR/pki"
KUBECONFIG_FILE="$K8S_DIR/kubeconfig"

NODES="${K8S_NODES:-5}"
[[ "$NODES" =~ ^[0-9]+$ ]] || die "K8S_NODES must be a number, got '$NODES'"
API_PORT="${K8S_APISERVER_PORT:-6443}"
ETCD_PORT="${K8S_ETCD_PORT:-$((API_PORT + 1))}"
ETCD_PEER_PORT="${K8S_ETCD_PEER_PORT:-$((API_PORT + 2))}"
KCM_PORT="${K8S_KCM_PORT:-$((API_PORT + 3))}"
SCHED_PORT="${K8S_SCHEDULER_PORT:-$((API_PORT + 4))}"
KWOK_PORT="${K8S_KWOK_PORT:-$((API_PORT + 5))}"
# Small labs (tests) get fast failure detection. A thousand nodes renewing a 10 s Lease make 400
# writes a second, more than two cores keep up with under load, and KCM then marks healthy nodes
# Unknown; big labs therefore get timings close to upstream's (Lease 40 s, grace 40-50 s).
if [ "$NODES" -le 100 ]; then default_lease=10 default_grace=20s; else default_lease=40 default_grace=60s; fi
GRACE="${K8S_NODE_MONITOR_GRACE_PERIOD:-$default_grace}"
LEASE_SECONDS="${K8S_NODE_LEASE_SECONDS:-$default_lease}"
NOT_READY_TOLERATION="${K8S_NOT_READY_TOLERATION_SECONDS:-30}"
UNREACHABLE_TOLERATION="${K8S_UNREACHABLE_TOLERATION_SECONDS:-30}"
TIMEOUT="${K8S_UP_TIMEOUT:-120}"

# Shared with tools/sim/index.ts and lab/k8s/kwok-config.yaml.
MANAGED_LABEL="sim.self-healing.dev/managed"
SERVICE_CIDR="10.96.0.0/16"
COMPONENTS=(etcd kube-apiserver kube-controller-manager kube-scheduler kwok sim-kubelet)
POD_LOGS="$K8S_DIR/pod-logs"

need_cmd openssl "Install openssl (apt-get install openssl)."
need_cmd curl "Install curl (apt-get install curl)."
need_cmd ss "Install iproute2 (apt-get install iproute2)."

started_at=$SECONDS
BIN="$("$REPO_ROOT/scripts/lab/build-k8s.sh")"
KUBECTL=("$BIN/kubectl" --kubeconfig "$KUBECONFIG_FILE")

alive() {
  # alive <component>: its pid file names a running process that is that binary (or, for the sim
  # kubelet, node running <component>.ts).
  local pid
  pid="$(cat "$PIDS/$1.pid" 2>/dev/null)" || return 1
  [ -n "$pid" ] && { tr '\0' ' ' <"/proc/$pid/cmdline"; } 2>/dev/null | grep -qE "/$1(\.ts)? "
}

running() {
  # running <component>: the process started for it has not exited. Used while waiting right after
  # the start: until the child has exec'd its binary (it may not even be scheduled yet on a busy
  # machine) its command line is still this script's, which `alive` would take for a dead process.
  local pid state
  pid="$(cat "$PIDS/$1.pid" 2>/dev/null)" || return 1
  state="$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null)" || return 1
  [ -n "$state" ] && [ "$state" != Z ]
}

apiserver_ready() {
  curl -fsS --max-time 3 --cacert "$PKI/ca.crt" --cert "$PKI/admin.crt" --key "$PKI/admin.key" \
    "https://127.0.0.1:$API_PORT/readyz" >/dev/null 2>&1
}

wait_for() {
  # wait_for <component> <what> <command...>: polls the command; gives up early if the component died.
  local component="$1" what="$2" deadline=$((SECONDS + TIMEOUT)) logfile="$LOGS/$1.log"
  shift 2
  until "$@" >/dev/null 2>&1; do
    running "$component" || die "$component exited while waiting for $what; see $logfile (last lines: $(tail -3 "$logfile" 2>/dev/null | tr '\n' ' '))"
    [ "$SECONDS" -lt "$deadline" ] || die "$what not ready within ${TIMEOUT}s; see $logfile (last lines: $(tail -3 "$logfile" 2>/dev/null | tr '\n' ' '))"
    sleep 0.3
  done
}

# Fast path: already up and healthy, only make sure there are enough nodes.
lab_healthy() {
  local c
  for c in "${COMPONENTS[@]}"; do alive "$c" || return 1; done
  apiserver_ready
}

# ---------------------------------------------------------------------------------------------
# PKI: a CA, the apiserver's serving certificate, an admin client certificate in system:masters
# and the service-account signing key. Made once per state folder and kept across restarts so the
# kubeconfig a developer exported stays valid.
make_pki() {
  [ -f "$PKI/admin.crt" ] && [ -f "$PKI/front-proxy-client.crt" ] && [ -f "$PKI/sa.key" ] && return 0
  log "creating PKI in $PKI"
  rm -rf "$PKI"
  mkdir -p "$PKI"
  (
    cd "$PKI" || exit 1
    openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.crt -days 3650 \
      -subj "/CN=self-healing-lab-ca" 2>/dev/null
    cat >apiserver.ext <<EOF
subjectAltName=IP:127.0.0.1,IP:10.96.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local
extendedKeyUsage=serverAuth
EOF
    openssl req -newkey rsa:2048 -nodes -keyout apiserver.key -out apiserver.csr -subj "/CN=kube-apiserver" 2>/dev/null
    openssl x509 -req -in apiserver.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 3650 \
      -extfile apiserver.ext -out apiserver.crt 2>/dev/null
    printf 'extendedKeyUsage=clientAuth\n' >client.ext
    openssl req -newkey rsa:2048 -nodes -keyout admin.key -out admin.csr -subj "/O=system:masters/CN=lab-admin" 2>/dev/null
    openssl x509 -req -in admin.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 3650 \
      -extfile client.ext -out admin.crt 2>/dev/null
    # The front-proxy client lets aggregated APIs (metrics-server, later) trust the apiserver, and
    # gives the controllers' delegated authentication the request-header CA they look for.
    openssl req -newkey rsa:2048 -nodes -keyout front-proxy-client.key -out front-proxy-client.csr \
      -subj "/CN=front-proxy-client" 2>/dev/null
    openssl x509 -req -in front-proxy-client.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 3650 \
      -extfile client.ext -out front-proxy-client.crt 2>/dev/null
    openssl genrsa -out sa.key 2048 2>/dev/null
    openssl rsa -in sa.key -pubout -out sa.pub 2>/dev/null
    rm -f ./*.csr ./*.ext ./*.srl
  )
}

write_kubeconfig() {
  # Certificates are embedded so the file can be copied anywhere.
  local tmp="$KUBECONFIG_FILE.tmp"
  cat >"$tmp" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: lab
  cluster:
    server: https://127.0.0.1:$API_PORT
    certificate-authority-data: $(base64 -w0 "$PKI/ca.crt")
users:
- name: lab-admin
  user:
    client-certificate-data: $(base64 -w0 "$PKI/admin.crt")
    client-key-data: $(base64 -w0 "$PKI/admin.key")
contexts:
- name: lab
  context:
    cluster: lab
    user: lab-admin
current-context: lab
EOF
  chmod 600 "$tmp"
  mv "$tmp" "$KUBECONFIG_FILE"
}

check_ports() {
  local entry port var
  for entry in "$API_PORT:K8S_APISERVER_PORT" "$ETCD_PORT:K8S_ETCD_PORT" "$ETCD_PEER_PORT:K8S_ETCD_PEER_PORT" \
    "$KCM_PORT:K8S_KCM_PORT" "$SCHED_PORT:K8S_SCHEDULER_PORT" "$KWOK_PORT:K8S_KWOK_PORT"; do
    port="${entry%%:*}"
    var="${entry#*:}"
    if [ -n "$(ss -Hltn "sport = :$port" 2>/dev/null)" ]; then
      die "port $port on 127.0.0.1 is already in use (set $var to another port, or K8S_APISERVER_PORT to move them all; stop an old lab with scripts/lab/k8s-down.sh)"
    fi
  done
}

start() {
  # start <component> <args...>: its own session, so a Ctrl-C in the caller's terminal does not
  # take the lab down; setsid execs in place here, so $! is the component's own pid.
  local name="$1"
  shift
  setsid "$BIN/$name" "$@" >"$LOGS/$name.log" 2>&1 </dev/null &
  echo $! >"$PIDS/$name.pid"
}

start_sim_kubelet() {
  # Node runs the TypeScript by stripping types: no build step, up in well under a second.
  local node
  node="$("$REPO_ROOT/scripts/lab/node.sh")/node"
  mkdir -p "$POD_LOGS"
  setsid "$node" --disable-warning=MODULE_TYPELESS_PACKAGE_JSON --import "$REPO_ROOT/tools/sim/kubelet/register.mjs" "$REPO_ROOT/tools/sim/kubelet/sim-kubelet.ts" \
    "$KUBECONFIG_FILE" "$POD_LOGS" >"$LOGS/sim-kubelet.log" 2>&1 </dev/null &
  echo $! >"$PIDS/sim-kubelet.pid"
}

stop_all() {
  STATE_DIR="$STATE_DIR" K8S_KEEP_DATA="${K8S_KEEP_DATA:-}" "$REPO_ROOT/scripts/lab/k8s-down.sh" >&2 || true
}

node_manifests() {
  # node_manifests <first> <last>: Node objects in a List. Status (capacity, conditions) comes
  # from kwok's sim-node-initialize stage, so only labels are set here.
  local i zones=(a b c)
  printf 'apiVersion: v1\nkind: List\nitems:\n'
  for ((i = $1; i <= $2; i++)); do
    cat <<EOF
- apiVersion: v1
  kind: Node
  metadata:
    name: sim-node-$i
    labels:
      $MANAGED_LABEL: "true"
      kubernetes.io/hostname: sim-node-$i
      kubernetes.io/os: linux
      kubernetes.io/arch: amd64
      node.kubernetes.io/instance-type: m5.xlarge
      topology.kubernetes.io/region: lab-1
      topology.kubernetes.io/zone: lab-1${zones[$(((i - 1) % 3))]}
EOF
  done
}

ensure_nodes() {
  local missing=() i
  local existing
  existing=" $("${KUBECTL[@]}" get nodes -o jsonpath='{.items[*].metadata.name}') "
  for ((i = 1; i <= NODES; i++)); do
    [[ "$existing" == *" sim-node-$i "* ]] || missing+=("$i")
  done
  if [ "${#missing[@]}" -gt 0 ]; then
    log "creating ${#missing[@]} simulated nodes"
    # Missing nodes are nearly always a contiguous tail, so create them in ranges.
    local from="${missing[0]}" prev="${missing[0]}" n
    for n in "${missing[@]:1}" END; do
      if [ "$n" != END ] && [ "$n" -eq $((prev + 1)) ]; then prev="$n"; continue; fi
      node_manifests "$from" "$prev" | "${KUBECTL[@]}" create -f - >/dev/null
      [ "$n" = END ] || { from="$n"; prev="$n"; }
    done
  fi
  [ "$NODES" -gt 0 ] || return 0
  local deadline=$((SECONDS + TIMEOUT)) ready
  while :; do
    ready="$("${KUBECTL[@]}" get nodes -l "$MANAGED_LABEL=true" \
      -o jsonpath='{range .items[*]}{.status.conditions[?(@.type=="Ready")].status}{"\n"}{end}' | grep -c '^True$' || true)"
    [ "$ready" -ge "$NODES" ] && break
    [ "$SECONDS" -lt "$deadline" ] || die "only $ready of $NODES nodes became Ready within ${TIMEOUT}s; see $LOGS/kwok.log"
    sleep 0.5
  done
}

if lab_healthy; then
  write_kubeconfig
  ensure_nodes
  log "k8s lab already up (apiserver https://127.0.0.1:$API_PORT, $NODES nodes); kubeconfig: $KUBECONFIG_FILE"
  echo "$KUBECONFIG_FILE"
  exit 0
fi

# Anything half-alive from an earlier run is stopped first, so ports and pids are ours.
if ls "$PIDS"/*.pid >/dev/null 2>&1; then
  log "found a partial lab in $K8S_DIR; stopping it before starting again"
  stop_all
fi
check_ports

mkdir -p "$PIDS" "$LOGS"
make_pki
write_kubeconfig

ok=0
cleanup() {
  if [ "$ok" != 1 ]; then
    log "start failed; stopping what was started (logs kept in $LOGS)"
    stop_all
  fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

log "starting etcd on 127.0.0.1:$ETCD_PORT"
# No fsync: the data is thrown away anyway, and fsync dominates etcd latency on shared disks.
start etcd --name=lab --data-dir="$K8S_DIR/etcd" \
  --listen-client-urls="http://127.0.0.1:$ETCD_PORT" --advertise-client-urls="http://127.0.0.1:$ETCD_PORT" \
  --listen-peer-urls="http://127.0.0.1:$ETCD_PEER_PORT" --initial-advertise-peer-urls="http://127.0.0.1:$ETCD_PEER_PORT" \
  --initial-cluster="lab=http://127.0.0.1:$ETCD_PEER_PORT" \
  --unsafe-no-fsync --auto-compaction-retention=1 --quota-backend-bytes=8589934592 --log-level=warn
wait_for etcd "etcd health" curl -fsS --max-time 2 "http://127.0.0.1:$ETCD_PORT/health"

log "starting kube-apiserver on https://127.0.0.1:$API_PORT"
# advertise-address + endpoint-reconciler-type=none: without them the apiserver looks for a
# non-loopback interface and publishes an invalid loopback endpoint for the kubernetes Service.
# kubelet-preferred-address-types=Hostname: nodes' Hostname is localhost, so logs/exec proxying
# can never dial a made-up node IP.
start kube-apiserver \
  --etcd-servers="http://127.0.0.1:$ETCD_PORT" \
  --bind-address=127.0.0.1 --advertise-address=127.0.0.1 --secure-port="$API_PORT" \
  --endpoint-reconciler-type=none \
  --tls-cert-file="$PKI/apiserver.crt" --tls-private-key-file="$PKI/apiserver.key" \
  --client-ca-file="$PKI/ca.crt" \
  --requestheader-client-ca-file="$PKI/ca.crt" --requestheader-allowed-names=front-proxy-client \
  --requestheader-username-headers=X-Remote-User --requestheader-group-headers=X-Remote-Group \
  --requestheader-extra-headers-prefix=X-Remote-Extra- \
  --proxy-client-cert-file="$PKI/front-proxy-client.crt" --proxy-client-key-file="$PKI/front-proxy-client.key" \
  --service-account-issuer=https://kubernetes.default.svc.cluster.local \
  --service-account-key-file="$PKI/sa.pub" --service-account-signing-key-file="$PKI/sa.key" \
  --service-cluster-ip-range="$SERVICE_CIDR" \
  --authorization-mode=Node,RBAC --allow-privileged=true \
  --kubelet-preferred-address-types=Hostname \
  --default-not-ready-toleration-seconds="$NOT_READY_TOLERATION" \
  --default-unreachable-toleration-seconds="$UNREACHABLE_TOLERATION" \
  --max-requests-inflight=1000 --max-mutating-requests-inflight=500
wait_for kube-apiserver "kube-apiserver /readyz" apiserver_ready

log "starting kube-controller-manager and kube-scheduler"
# node-monitor-period 2s + a short grace period: a silent node turns Unknown in seconds, not 40 s.
# No Endpoints/EndpointSlice controllers: they would list kwok's made-up pod IPs, which lead
# nowhere. The lab backends (tools/sim/backends) write every selector Service's EndpointSlices.
start kube-controller-manager \
  --kubeconfig="$KUBECONFIG_FILE" --authentication-kubeconfig="$KUBECONFIG_FILE" \
  --authorization-kubeconfig="$KUBECONFIG_FILE" \
  --authorization-always-allow-paths=/healthz,/readyz,/livez,/metrics \
  --bind-address=127.0.0.1 --secure-port="$KCM_PORT" --leader-elect=false \
  --controllers='*,-endpoints-controller,-endpointslice-controller,-endpointslice-mirroring-controller' \
  --use-service-account-credentials=false \
  --root-ca-file="$PKI/ca.crt" --service-account-private-key-file="$PKI/sa.key" \
  --cluster-signing-cert-file="$PKI/ca.crt" --cluster-signing-key-file="$PKI/ca.key" \
  --node-monitor-period=2s --node-monitor-grace-period="$GRACE" \
  --kube-api-qps=200 --kube-api-burst=400 --concurrent-gc-syncs=20

cat >"$K8S_DIR/scheduler.yaml" <<EOF
apiVersion: kubescheduler.config.k8s.io/v1
kind: KubeSchedulerConfiguration
clientConnection:
  kubeconfig: $KUBECONFIG_FILE
  qps: 200
  burst: 400
leaderElection:
  leaderElect: false
EOF
start kube-scheduler --config="$K8S_DIR/scheduler.yaml" \
  --authentication-kubeconfig="$KUBECONFIG_FILE" --authorization-kubeconfig="$KUBECONFIG_FILE" \
  --authorization-always-allow-paths=/healthz,/readyz,/livez,/metrics \
  --bind-address=127.0.0.1 --secure-port="$SCHED_PORT"

# kwok serves container logs from files named by Logs objects (kwok.x-k8s.io), which the sim
# kubelet creates; the registry is the ConfigMap the sim kubelet judges images by.
"${KUBECTL[@]}" apply -f "$REPO_ROOT/lab/k8s/crds/" >/dev/null
"${KUBECTL[@]}" wait --for=condition=Established --timeout="${TIMEOUT}s" crd/logs.kwok.x-k8s.io >/dev/null
"${KUBECTL[@]}" apply -f "$REPO_ROOT/lab/k8s/registry.yaml" >/dev/null

log "starting kwok on 127.0.0.1:$KWOK_PORT (nodes labelled $MANAGED_LABEL=true)"
# node-ip/node-name are loopback on purpose: nothing in the lab may dial made-up addresses.
# The default --cidr (a /24) runs out after 254 pods; scale runs want tens of thousands.
start kwok --kubeconfig="$KUBECONFIG_FILE" --config="$REPO_ROOT/lab/k8s/kwok-config.yaml" \
  --manage-all-nodes=false --manage-nodes-with-label-selector="$MANAGED_LABEL=true" \
  --node-lease-duration-seconds="$LEASE_SECONDS" \
  --cidr=10.0.0.0/16 --node-ip=127.0.0.1 --node-name=localhost --node-port="$KWOK_PORT" \
  --server-address="127.0.0.1:$KWOK_PORT" --enable-crds=Logs

component_healthy() { curl -fsSk --max-time 2 "https://127.0.0.1:$1/healthz" >/dev/null 2>&1; }
wait_for kube-controller-manager "kube-controller-manager /healthz" component_healthy "$KCM_PORT"
wait_for kube-scheduler "kube-scheduler /healthz" component_healthy "$SCHED_PORT"
wait_for kwok "kwok /healthz" curl -fsS --max-time 2 "http://127.0.0.1:$KWOK_PORT/healthz"

log "starting the sim kubelet (log $LOGS/sim-kubelet.log)"
start_sim_kubelet
sim_kubelet_ready() { grep -q 'sim-kubelet: ready in' "$LOGS/sim-kubelet.log"; }
wait_for sim-kubelet "the sim kubelet's first list" sim_kubelet_ready

cat >"$K8S_DIR/ports.env" <<EOF
K8S_APISERVER_PORT=$API_PORT
K8S_ETCD_PORT=$ETCD_PORT
K8S_ETCD_PEER_PORT=$ETCD_PEER_PORT
K8S_KCM_PORT=$KCM_PORT
K8S_SCHEDULER_PORT=$SCHED_PORT
K8S_KWOK_PORT=$KWOK_PORT
EOF

ensure_nodes
# Pods cannot be created in a namespace before its default ServiceAccount exists.
default_sa_exists() { "${KUBECTL[@]}" -n default get serviceaccount default --request-timeout=3s >/dev/null 2>&1; }
wait_for kube-controller-manager "the default ServiceAccount" default_sa_exists
ok=1
log "k8s lab up in $((SECONDS - started_at)) s: apiserver https://127.0.0.1:$API_PORT, $NODES nodes; export KUBECONFIG=$KUBECONFIG_FILE"
echo "$KUBECONFIG_FILE"
