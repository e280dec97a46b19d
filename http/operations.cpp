// Liveness, readiness and metrics.
#include "http/handlers.hpp"

namespace reel::http {

void handle_ping(edge&, const request&, responder_ptr out) { out->send(200, "application/json", json::pong()); }

void handle_healthz(edge&, const request&, responder_ptr out) { out->send(200, "application/json", R"({"status":"ok"})"); }

void handle_readyz(edge& e, const request&, responder_ptr out) {
  if (e.ready()) return out->send(200, "application/json", R"({"status":"ready"})");
  out->send(503, "application/json", R"({"status":"not ready: replaying the outbox, or catching up with the cluster"})");
}

void handle_cluster(edge& e, const request&, responder_ptr out) {
  out->send(200, "application/json", e.cluster_status ? e.cluster_status() : "{}");
}

void handle_metrics(edge& e, const request&, responder_ptr out) {
  out->send(200, "text/plain; version=0.0.4", e.probe.render() + e.node_metrics());
}

}  // namespace reel::http
