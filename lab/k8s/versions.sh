# Pinned versions of the simulated cluster. Sourced, never executed.
# The tool modules in lab/k8s/tools are generated from these by lab/k8s/gen-k8s-gomod.sh, and
# scripts/lab/build-k8s.sh refuses to build when the two disagree.
# shellcheck disable=SC2034
K8S_VERSION="v1.36.3"
ETCD_VERSION="v3.6.16"
KWOK_VERSION="v0.8.0"
