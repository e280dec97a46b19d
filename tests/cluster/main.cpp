// Entry point of the cluster tests; each TEST_CASE starts its own etcd and reeld nodes.
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>
