// `reeld status`: a cluster's partition map as etcd holds it, beside what each live node
// says of itself on /reel/v1/cluster (whether it answers, and its backups' lag).
#pragma once

namespace reel::app {

// Returns 0 when every partition has a primary that is a live node, answers and serves it;
// 1 otherwise (scripts wait on it, etcd unreachable included); CLI11's code on bad flags.
int run_status(int argc, char** argv);

}  // namespace reel::app
